"""Shape checks shared by the v1 models (strict where they protect data)."""

from __future__ import annotations

import re

# INE: 9 digits + 2 letters, 10 digits + 1 letter, or (apprentices) 4 digits + "A" + 5 digits
# + 1 letter.
INE_PATTERN = r"^(?:\d{9}[A-Z]{2}|\d{10}[A-Z]|\d{4}A\d{5}[A-Z])$"
# INSEE commune code: 2 digits (or 2A/2B) + 3 digits, overseas 97x/98x included.
INSEE_PATTERN = r"^(?:\d{2}|2[AB])\d{3}$"
POSTAL_CODE_PATTERN = r"^\d{5}$"
E164_PATTERN = r"^\+[1-9]\d{6,14}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,62}$"

_INE_RE = re.compile(INE_PATTERN)


def is_valid_ine(value: str) -> bool:
    """True when ``value`` (already upper-cased, no spaces) has one of the three INE shapes."""
    return bool(_INE_RE.fullmatch(value))
