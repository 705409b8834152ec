"""Normalisation of free-text town names and postal codes.

Two spellings of one town must give the same key: case, accents (composed or decomposed),
ligatures, non-breaking spaces, punctuation, hyphens vs spaces, "St"/"Ste"/"S." for
"Saint"/"Sainte", "Cedex" suffixes and a postal code typed in the town field all vanish.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Letters that NFKD does not decompose into a base letter + combining mark.
_LETTER_FOLDS = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})
_DIGIT_LETTER_BOUNDARY = re.compile(r"(?<=[0-9])(?=[a-z])|(?<=[a-z])(?=[0-9])")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "s": "saint"}
# Words written after the town that are not part of it ("Mulhouse Cedex 1", "Colmar, France").
_NOISE = frozenset({"cedex", "france"})
ARTICLES = frozenset({"le", "la", "les", "l"})
"""Leading articles of commune names ("Le Bonhomme"), dropped by :func:`without_article`."""

_POSTAL_SPREADSHEET_FLOAT = re.compile(r"\.0+$")
_POSTAL_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True)
class ParsedTown:
    """A free-text town reduced to a lookup key."""

    key: str
    """Lower-case ASCII words separated by single spaces; empty when nothing was left."""
    postal_code: str | None
    """A 5-digit postal code found inside the text ("68100 Mulhouse"), if any."""

    @property
    def compact_key(self) -> str:
        """The key without spaces, so "Villageneuf" meets "Village-Neuf"."""
        return self.key.replace(" ", "")


def fold(text: str) -> str:
    """Lower-case ASCII rendering of ``text``: accents, ligatures and odd spaces removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().translate(_LETTER_FOLDS)


def parse_town(text: str) -> ParsedTown:
    """Reduce a free-text town to its lookup key and any postal code typed in it."""
    folded = _DIGIT_LETTER_BOUNDARY.sub(" ", fold(text))
    tokens = _NOT_ALNUM.sub(" ", folded).split()
    words: list[str] = []
    postal_code: str | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.isdigit():
            # No Haut-Rhin commune name holds a number: digits are a postal code ("68100",
            # "68 100"), a Cedex number or a département ("(68)"); all leave the key.
            if postal_code is None:
                if len(token) == 5:
                    postal_code = token
                elif len(token) == 2 and index < len(tokens) and _is_3_digits(tokens[index]):
                    postal_code = token + tokens[index]
                    index += 1
            continue
        if token in _NOISE:
            continue
        words.append(_ABBREVIATIONS.get(token, token))
    return ParsedTown(" ".join(words), postal_code)


def _is_3_digits(token: str) -> bool:
    return len(token) == 3 and token.isdigit()


def without_article(key: str) -> str | None:
    """``key`` without its leading article ("le bonhomme" -> "bonhomme"), None if it has none."""
    first, _, rest = key.partition(" ")
    if first in ARTICLES and rest:
        return rest
    return None


def normalise_postal_code(value: str | None) -> str | None:
    """A 5-digit postal code from a cell, or None when the cell does not hold one.

    Accepts surrounding or inner spaces ("68 100"), spreadsheet floats ("68100.0") and a
    leading zero lost by a spreadsheet ("8100" -> "08100").
    """
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = _POSTAL_SPREADSHEET_FLOAT.sub("", text)
    text = _POSTAL_SEPARATORS.sub("", text)
    if not text.isascii() or not text.isdigit():
        return None
    if len(text) == 4:
        text = "0" + text
    return text if len(text) == 5 else None
