"""Sort keys for Finnish and Swedish text, comparable as plain strings or SQLite TEXT.

The order is that of the Finnish and Swedish alphabets: a to z, then å, ä and ö. Æ sorts
as ä, ø as ö and ü as y. Other accented letters sort as their base letter (é as e). Case
is ignored. A run of digits sorts by its number, so "Koulutie 2" comes before "Koulutie
10". V and w are separate letters.

A key is plain text whose code point order (Python ``<``, SQLite's BINARY collation) is
the order above, so keys can be stored in a column and sorted by an index. Texts that
differ only in case, in accents on other letters than å, ä and ö, or in leading zeros of
a number get the same key. Callers break such ties themselves, by database id for example.
"""

from __future__ import annotations

import re
import unicodedata

# å, ä and ö sort after z. They are written as the three code points after "z", and the
# characters that have those code points in the source text are moved among the
# punctuation, which sorts before digits and letters.
_NORDIC_LETTERS = str.maketrans(
    {
        "{": "(",
        "|": "/",
        "}": ")",
        "å": "{",
        "ä": "|",
        "æ": "|",
        "ö": "}",
        "ø": "}",
        "ü": "y",
    }
)
_KEY_LETTERS = re.compile(r"[{|}]")
_DIGIT_RUN = re.compile(r"[0-9]+")
# Width of the length written before each number: numbers of up to 99 digits sort right.
_LENGTH_WIDTH = 2


def sort_key(text: str) -> str:
    """Return the key that puts ``text`` in Finnish and Swedish alphabetical order."""
    folded = text.casefold()
    if not folded.isascii() or _KEY_LETTERS.search(folded):
        folded = _fold_accents(folded)
    return _DIGIT_RUN.sub(_number_key, folded)


def _fold_accents(text: str) -> str:
    """Map å, ä, ö and their sort equivalents to their key letters, and strip other accents.

    Composing first turns a decomposed "a" and ring into "å", which must not lose its ring.
    """
    composed = unicodedata.normalize("NFC", text).translate(_NORDIC_LETTERS)
    if composed.isascii():
        return composed
    decomposed = unicodedata.normalize("NFD", composed)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _number_key(match: re.Match[str]) -> str:
    """Write a number as its digit count and digits, so that shorter numbers sort first.

    Leading zeros are dropped, so "007" and "7" get the same key.
    """
    digits = match.group().lstrip("0") or "0"
    return f"{len(digits):0{_LENGTH_WIDTH}d}{digits}"
