"""tilaapp: the inventory of the buildings a Finnish municipality owns."""

__version__ = "0.1.0"
