"""Keeping user text from being read as a formula by spreadsheet programs."""

from __future__ import annotations

# Excel and LibreOffice read a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@")
NEUTRALISING_PREFIX = "'"


def neutralise_text(text: str) -> str:
    """Prefix text that a spreadsheet would read as a formula with an apostrophe.

    Text that already starts with an apostrophe gets one more, so that
    ``restore_text`` returns every text exactly as it was.
    """
    if text.startswith(FORMULA_PREFIXES) or text.startswith(NEUTRALISING_PREFIX):
        return NEUTRALISING_PREFIX + text
    return text


def restore_text(text: str) -> str:
    """Undo ``neutralise_text``."""
    if text.startswith(NEUTRALISING_PREFIX) and (
        text[1:].startswith(FORMULA_PREFIXES) or text[1:].startswith(NEUTRALISING_PREFIX)
    ):
        return text[1:]
    return text
