"""The desktop application: PySide6 windows, models, forms and background tasks.

This package alone imports Qt. Everything it shows comes from ``tilaapp.services``.
"""

# Once PySide6 is imported, its import hook reads the source of every module imported
# after it, to learn whether the module uses PySide6's feature switches. The Qt-free
# modules of the first window are imported here, before any Qt module, so that start-up
# does not read them and what they import.
import tilaapp.services.list_query
import tilaapp.services.list_texts  # noqa: F401
