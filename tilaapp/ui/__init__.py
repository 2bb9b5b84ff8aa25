"""The desktop application: PySide6 windows, models, forms and background tasks.

This package alone imports Qt. Everything it shows comes from ``tilaapp.services``.
"""
