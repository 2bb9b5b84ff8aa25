"""Readers of register and table formats; each yields plain records and row problems."""
