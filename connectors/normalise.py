"""Pure normalisers shared by the connectors (and by identity resolution for matching).

Two families:

- *cleaning* (:func:`clean_cell`): what every cell goes through before anything reads it —
  Unicode NFC (NFD accents from macOS exports become composed), odd spaces to plain spaces,
  control characters removed, spreadsheet formula payloads made inert;
- *normalising* one kind of value (:func:`parse_date`, :func:`to_e164`,
  :func:`normalise_email`, :func:`normalise_ine`, :func:`parse_sex`...): each returns the
  normalised value or ``None`` when the text does not hold one. None of them raises on bad
  input, and none of them logs: values are personal data.

:func:`fold` and the ``name_*`` helpers give *matching* forms; display keeps the text as
written.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import phonenumbers

from schemas.v1 import Dispositif, Sex, is_valid_ine
from schemas.v1.validators import EMAIL_PATTERN

# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------

MAX_CELL_CHARS = 2_000
"""A cell longer than this (as read) makes its row unusable: no field of the contract is that
long, and such cells are how garbage or injected payloads show up."""

# C0/C1 control characters except TAB, LF and CR, which are turned into spaces or kept below.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
# Every Unicode space (NBSP, narrow NBSP, figure space, ideographic space...) and tabs.
_ODD_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_MULTI_SPACES = re.compile(r" {2,}")
_LINE_BREAKS = re.compile(r"\s*(?:\r\n|\r|\n)\s*")
# A spreadsheet evaluates a cell starting with one of these; "+33 6 ..." and "-12.5" are
# numbers and phones, not formulas, so + and - only count when text follows.
_FORMULA_START = re.compile(r"^(?:[=@]|[+\-](?![\d\s().\-/+]*$))")


def is_formula(text: str) -> bool:
    """True when ``text`` (already stripped) would be evaluated by a spreadsheet."""
    return bool(_FORMULA_START.match(text))


_SPECIAL = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]"
)


def strip_controls(text: str) -> str:
    """``text`` in NFC, without control characters, odd spaces made plain, trimmed.

    Line breaks inside a cell (quoted newlines of an address) are kept as ``\\n``; every other
    run of spaces becomes one space.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if _SPECIAL.search(text) is not None:
        text = _CONTROL.sub("", text)
        text = _ODD_SPACES.sub(" ", text)
        text = _LINE_BREAKS.sub("\n", text)
    text = text.strip()
    return _MULTI_SPACES.sub(" ", text) if "  " in text else text


def neutralise_formula(text: str) -> str:
    """``text`` made inert for spreadsheets: a leading apostrophe, as spreadsheets do."""
    return "'" + text


def clean_cell(text: str | None) -> str:
    """A cell as the hub keeps it: see :func:`strip_controls`, then formula neutralisation.

    Returns ``""`` for ``None``. Use :func:`is_formula` on the :func:`strip_controls` result
    to know whether neutralisation happened.
    """
    if text is None:
        return ""
    stripped = strip_controls(text)
    return neutralise_formula(stripped) if is_formula(stripped) else stripped


# --------------------------------------------------------------------------------------------
# Matching forms
# --------------------------------------------------------------------------------------------

_LETTER_FOLDS = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "ß": "ss"}
)
_FOLD_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_'’`´ʼ.,]+")


def fold(text: str) -> str:
    """Matching form of ``text``: NFKD without accents, case-folded, ligatures spelt out, and
    every run of spaces, hyphens, underscores, apostrophes, dots or commas made one space.

    ``fold("  Ébersold-D'Hôte ")`` is ``"ebersold d hote"``. Never for display.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = stripped.casefold().translate(_LETTER_FOLDS)
    return _FOLD_SEPARATORS.sub(" ", folded).strip()


def header_key(text: str) -> str:
    """How column names are compared: :func:`fold` (case, accents, spaces, ``_`` vs space)."""
    return fold(text)


NAME_PARTICLES = frozenset(
    {"de", "du", "des", "d", "la", "le", "l", "van", "von", "der", "den", "el", "al", "ben",
     "bin", "ibn", "abd", "da", "di", "dos", "das", "do", "ter", "ten", "mac", "mc", "st"}
)  # fmt: skip
"""Particles of family names ("de", "el", "ben"...): sources keep, drop or glue them."""


def name_tokens(text: str) -> list[str]:
    """The folded words of a name: ``"Ben Salah-Dupont"`` -> ``["ben", "salah", "dupont"]``."""
    return fold(text).split()


def name_key(text: str) -> str:
    """A compact matching key of a name, particles kept: ``"De La Tour"`` -> ``"delatour"``."""
    return "".join(name_tokens(text))


def name_key_without_particles(text: str) -> str:
    """A compact matching key with particles dropped: ``"de la Tour"`` -> ``"tour"``.

    When every word is a particle (``"Le"``), the key keeps them rather than becoming empty.
    """
    tokens = name_tokens(text)
    kept = [t for t in tokens if t not in NAME_PARTICLES]
    return "".join(kept or tokens)


_GIVEN_SEPARATORS = re.compile(r"\s*[,;/]\s*")


def split_given_names(text: str, *, on_spaces: bool) -> list[str]:
    """Given names of a cell, as written, in the cell's order (the usual one first).

    Commas, semicolons and slashes always separate names. ``on_spaces`` also splits on spaces,
    for sources that list every given name in one cell ("Marie Claire Anne"); hyphenated
    compounds ("Jean-Pierre") stay whole.
    """
    parts = [p.strip() for p in _GIVEN_SEPARATORS.split(text)]
    names: list[str] = []
    for part in parts:
        if not part:
            continue
        names.extend(part.split() if on_spaces else [part])
    return names


def split_full_name(text: str) -> tuple[str, list[str]] | None:
    """Best-effort split of "FAMILY Given" / "Given FAMILY" typed in one field.

    Words written in capitals are the family name (French administrative habit); when the case
    does not tell, returns None — the caller keeps the text as written and matching looks at
    both orders.
    """
    words = text.split()
    if len(words) < 2:
        return None
    upper = [w for w in words if w.isupper() and len(w) > 1]
    if not upper or len(upper) == len(words):
        return None
    family = " ".join(upper)
    given = [w for w in words if w not in upper]
    return family, given


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

DAY_FIRST_FORMATS: tuple[str, ...] = (
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d/%m/%y",
    "%d-%m-%y",
    "%d.%m.%y",
    "%Y/%m/%d",
    "%d %m %Y",
    "%d%m%Y",
)
"""French habits: the day always comes before the month (``JJ/MM/AAAA``), then ISO."""

ISO_FIRST_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    *(f for f in DAY_FIRST_FORMATS if f != "%Y-%m-%d"),
)
"""For sources documented as ISO (i-milo), with the French forms as fall-backs."""

_DATE_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_DATE_SPACES = re.compile(r"\s*([/.\-])\s*")
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip
_WRITTEN_DATE = re.compile(r"^(\d{1,2})(?:er)? ([a-z]+) (\d{4})$")


def parse_date(text: str | None, formats: Sequence[str] = DAY_FIRST_FORMATS) -> date | None:
    """A calendar date from ``text`` tried against ``formats`` in order, or None.

    ``formats`` use ``strptime`` directives; ``%d``, ``%m``, ``%Y`` and ``%y`` (and literal
    separators) are matched by a fast path, anything else by ``strptime``. Tolerates
    surrounding spaces, spaces around separators, a time part ("2004-05-01 00:00:00", as
    spreadsheets export dates) and French written dates ("1er mars 2004"). Two-digit years
    (``%y``) pivot on today: a year that would be in the future is read in the previous
    century ("98" -> 1998, "05" -> 2005). Nothing is guessed beyond the formats: an impossible
    date ("31/02/2005") is None.
    """
    if not text:
        return None
    value = text.strip()
    if " " in value:
        value = _DATE_SPACES.sub(r"\1", value)
    if ":" in value:
        value = _DATE_TAIL.sub("", value)
    if not value:
        return None
    for fmt in formats:
        result = _match_format(value, fmt)
        if result is not None:
            return result
    return _parse_written_date(value)


_DIRECTIVES = {"d": ("day", 2), "m": ("month", 2), "Y": ("year", 4), "y": ("short_year", 2)}


@functools.cache
def _format_regex(fmt: str) -> re.Pattern[str] | None:
    """A regex equivalent to ``fmt`` when it only uses %d %m %Y %y, else None."""
    parts: list[str] = []
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char != "%":
            parts.append(re.escape(char))
            index += 1
            continue
        directive = fmt[index + 1 : index + 2]
        if directive not in _DIRECTIVES:
            return None
        name, width = _DIRECTIVES[directive]
        # Like strptime, a day or month takes one or two digits, unless another number
        # follows without a separator ("%d%m%Y"): then the width is fixed.
        glued = fmt[index + 2 : index + 3] == "%"
        previous_glued = index >= 2 and fmt[index - 2] == "%" and fmt[index - 1] in _DIRECTIVES
        if name in ("day", "month") and not glued and not previous_glued:
            parts.append(f"(?P<{name}>\\d{{1,2}})")
        else:
            parts.append(f"(?P<{name}>\\d{{{width}}})")
        index += 2
    return re.compile("".join(parts) + r"\Z")


def _match_format(value: str, fmt: str) -> date | None:
    pattern = _format_regex(fmt)
    if pattern is None:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            return None
    match = pattern.match(value)
    if match is None:
        return None
    fields = match.groupdict()
    if "year" in fields:
        year = int(fields["year"])
    elif "short_year" in fields:
        year = 2000 + int(fields["short_year"])
    else:
        return None
    try:
        result = date(year, int(fields.get("month") or 1), int(fields.get("day") or 1))
    except ValueError:
        return None
    if "short_year" in fields and result > date.today():  # noqa: DTZ011 - a calendar date
        result = result.replace(year=year - 100)
    return result


def _parse_written_date(value: str) -> date | None:
    match = _WRITTEN_DATE.match(fold(value))
    if match is None:
        return None
    month = _MONTHS.get(match.group(2))
    if month is None:
        return None
    try:
        return date(int(match.group(3)), month, int(match.group(1)))
    except ValueError:
        return None


_PERIOD_FORMATS = ("%Y-%m", "%m/%Y", "%m-%Y", "%Y%m", "%Y/%m")
_WRITTEN_MONTH = re.compile(r"^([a-z]+) (\d{4})$")


@functools.lru_cache(maxsize=1024)
def parse_period_start(text: str | None) -> date | None:
    """The first day of a period written as a date or a month ("2024-03", "03/2024",
    "mars 2024"); None otherwise (a school year "2023-2024" is not one day)."""
    if not text:
        return None
    value = text.strip()
    found = parse_date(value)
    if found is not None:
        return found
    for fmt in _PERIOD_FORMATS:
        found = _match_format(value, fmt)
        if found is not None:
            return found
    match = _WRITTEN_MONTH.match(fold(value))
    if match is not None and match.group(1) in _MONTHS:
        return date(int(match.group(2)), _MONTHS[match.group(1)], 1)
    return None


def age_on(birth: date, on: date) -> int:
    """Age in whole years on the day ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# --------------------------------------------------------------------------------------------
# Contacts and identifiers
# --------------------------------------------------------------------------------------------

_PHONE_JUNK = re.compile(r"(?i)^(?:t[eé]l(?:[eé]phone)?|port(?:able)?|mob(?:ile)?)\s*[.:]?\s*")


def to_e164(text: str | None, region: str = "FR") -> str | None:
    """A valid phone number of ``text`` in E.164 (``+33612345678``), or None.

    Accepts the usual ways of typing a French number: spaces, dots, dashes, ``+33``,
    ``0033``, ``(0)``, a leading label ("Tél :"), a spreadsheet that ate the leading zero
    (``612345678``). Foreign numbers written with their country code are kept when valid.
    """
    if not text:
        return None
    value = _PHONE_JUNK.sub("", text.strip()).replace("(0)", "")
    if not value or len(value) > 40:
        return None
    if region == "FR":
        # Fast path for the common case (same answers as phonenumbers, see the tests).
        match = _FR_NUMBER.match(_FR_SEPARATORS.sub("", value))
        if match is not None:
            national = match.group(1)
            # Only the 836 premium range needs five digits to tell its type; three suffice
            # for every other French range (phonenumbers' metadata, checked by the tests).
            prefix = national[:5] if national.startswith("836") else national[:3]
            return "+33" + national if _valid_french_prefix(prefix) else None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_FR_SEPARATORS = re.compile(r"[\s.\-/()]")
_FR_NUMBER = re.compile(r"^(?:\+33|0033|0)?([1-9]\d{8})$")


@functools.cache
def _valid_french_prefix(prefix: str) -> bool:
    number = phonenumbers.parse("+33" + prefix.ljust(9, "0"), None)
    return bool(phonenumbers.is_valid_number(number))


_PHONE_LIST_SEPARATORS = re.compile(r"\s*(?:[/;,|]|\bou\b|\bet\b)\s*", re.IGNORECASE)


def split_phones(text: str) -> list[str]:
    """The phone numbers of a cell that may hold several ("06... / 03..."), as E.164.

    Returns an empty list when none is valid; a cell holding one number is one item.
    """
    single = to_e164(text)
    if single is not None:
        return [single]
    found: list[str] = []
    for part in _PHONE_LIST_SEPARATORS.split(text):
        phone = to_e164(part)
        if phone is not None and phone not in found:
            found.append(phone)
    return found


_EMAIL_RE = re.compile(EMAIL_PATTERN)
_MAILTO = re.compile(r"(?i)^mailto:")
_EMAIL_SPACES = re.compile(r"\s*@\s*|\s+")


def normalise_email(text: str | None) -> str | None:
    """``text`` as a lower-case e-mail address, or None when it is not one.

    Removes a ``mailto:`` prefix, surrounding ``<>`` and spaces typed inside; does not guess
    typos ("gmail.con" stays as typed: it may be someone's real address).
    """
    if not text:
        return None
    value = _MAILTO.sub("", text.strip()).strip("<>\"' ")
    value = _EMAIL_SPACES.sub(lambda m: "@" if "@" in m.group(0) else "", value).lower()
    if len(value) > 254 or not _EMAIL_RE.fullmatch(value) or ".." in value:
        return None
    domain = value.rsplit("@", 1)[1]
    if domain.startswith(("-", ".")) or domain.endswith(("-", ".")):
        return None
    return value


_INE_NOISE = re.compile(r"[\s.\-_/]")


def normalise_ine(text: str | None) -> str | None:
    """An INE in canonical form (upper case, no separators) when it has a valid shape, else None.

    Shapes: 9 digits + 2 letters, 10 digits + 1 letter, or 4 digits + ``A`` + 5 digits +
    1 letter (apprentices). A lower-case ``a`` or spaces typed inside are accepted.
    """
    if not text:
        return None
    value = _INE_NOISE.sub("", text).upper()
    return value if is_valid_ine(value) else None


_SEX_VALUES = {
    "m": Sex.MALE, "h": Sex.MALE, "1": Sex.MALE, "homme": Sex.MALE, "masculin": Sex.MALE,
    "garcon": Sex.MALE, "male": Sex.MALE, "mr": Sex.MALE, "monsieur": Sex.MALE,
    "f": Sex.FEMALE, "2": Sex.FEMALE, "femme": Sex.FEMALE, "feminin": Sex.FEMALE,
    "fille": Sex.FEMALE, "female": Sex.FEMALE, "mme": Sex.FEMALE, "madame": Sex.FEMALE,
}  # fmt: skip


def parse_sex(text: str | None) -> Sex | None:
    """``M``/``F`` and their usual spellings (``H``, ``Homme``, ``Féminin``, INSEE ``1``/``2``)."""
    if not text:
        return None
    return _SEX_VALUES.get(fold(text))


_YES = frozenset({"o", "oui", "y", "yes", "1", "true", "vrai", "x"})
_NO = frozenset({"n", "non", "no", "0", "false", "faux"})


def parse_yes_no(text: str | None) -> bool | None:
    """``O``/``N`` (and oui/non, 1/0, true/false) as a boolean; None when empty or unknown."""
    if not text:
        return None
    key = fold(text)
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


_DISPOSITIFS = {
    "pacea": Dispositif.PACEA,
    "gj": Dispositif.GARANTIE_JEUNES,
    "garantie jeunes": Dispositif.GARANTIE_JEUNES,
    "garantie jeune": Dispositif.GARANTIE_JEUNES,
    "cej": Dispositif.CEJ,
    "contrat d engagement jeune": Dispositif.CEJ,
}


def parse_dispositif(text: str | None) -> Dispositif | None:
    """``PACEA`` / ``GJ`` (Garantie jeunes) / ``CEJ`` in their usual spellings, else None."""
    if not text:
        return None
    return _DISPOSITIFS.get(fold(text))


# --------------------------------------------------------------------------------------------
# Needs (data·inclusion vocabulary)
# --------------------------------------------------------------------------------------------

# Words of the young person's need mapped to data·inclusion v1 categories. Checked in order;
# a word is matched on word starts of the folded text ("logements" matches "logement").
_NEED_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("logement-hebergement", ("logement", "heberg", "loger", "appartement", "hebergement")),
    ("trouver-un-emploi", ("emploi", "travail", "job", "boulot", "embauche", "interim")),
    ("se-former", ("formation", "former", "apprentissage", "alternance", "etude", "diplome")),
    ("choisir-un-metier", ("orientation", "metier", "projet pro")),
    ("sante", ("sante", "soin", "medecin", "psy", "addiction", "handicap")),
    ("mobilite", ("mobilite", "permis", "transport", "vehicule", "deplacement")),
    ("numerique", ("numerique", "informatique", "internet", "ordinateur")),
    ("difficultes-financieres", ("argent", "budget", "financ", "dette", "ressources")),
    (
        "difficultes-administratives-ou-juridiques",
        ("administrat", "papiers", "droits", "juridique", "justice", "titre de sejour"),
    ),
    ("equipement-et-alimentation", ("alimentation", "nourriture", "vetement", "equipement")),
    ("famille", ("famille", "enfant", "garde", "parentalite")),
    ("remobilisation", ("remobilisation", "confiance", "bien etre", "estime")),
    ("creer-une-entreprise", ("entreprise", "creation", "auto entrepreneur")),
    ("souvrir-a-linternational", ("international", "etranger", "erasmus", "volontariat")),
    ("lecture-ecriture-calcul", ("lecture", "ecriture", "calcul", "francais", "fle")),
    ("preparer-sa-candidature", ("cv", "candidature", "lettre de motivation", "entretien")),
)
_NEED_SEPARATORS = re.compile(r"\s*[,;/|+]\s*|\s+et\s+")


def map_needs(text: str | None, known_codes: Iterable[str] = ()) -> list[str]:
    """data·inclusion v1 categories (or thématiques) for a free-text need, in order, unique.

    A cell may list several needs ("logement, emploi"). A value that already is a known
    code (``known_codes``: categories and thématiques) is kept as is; words without a known
    category are ignored (the raw text stays in the record's attributes).
    """
    if not text:
        return []
    known = frozenset(known_codes)
    found: list[str] = []
    for part in _NEED_SEPARATORS.split(text.strip()):
        if not part:
            continue
        code = part.strip().lower()
        if code in known:
            if code not in found:
                found.append(code)
            continue
        folded = " " + fold(part)
        for category, words in _NEED_WORDS:
            if any(f" {word}" in folded for word in words) and category not in found:
                found.append(category)
    return found
