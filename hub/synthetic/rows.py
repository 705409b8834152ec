"""Rendering synthetic people as the rows of the three sources, with the sources' mess."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from hub.synthetic import names
from hub.synthetic.population import SyntheticPerson, strip_accents
from schemas.territory import default_resolver

DECROCHEURS = "decrocheurs"
BOUSSOLE = "boussole"
PERDUS_DE_VUE = "perdus-de-vue"
SOURCES: tuple[str, ...] = (DECROCHEURS, BOUSSOLE, PERDUS_DE_VUE)

COLUMNS: dict[str, tuple[str, ...]] = {
    DECROCHEURS: (
        "ID_ELEVE_LISTE",
        "INE",
        "NOM",
        "PRENOM",
        "SEXE",
        "DATE_NAISSANCE",
        "ADRESSE",
        "CODE_POSTAL",
        "COMMUNE",
        "TEL_MOBILE",
        "MAIL",
        "ETABLISSEMENT_ORIGINE",
        "DERNIERE_FORMATION",
        "DATE_SORTIE",
        "CONNU_ML",
        "CAMPAGNE",
    ),
    BOUSSOLE: (
        "id_demande",
        "date_demande",
        "prenom",
        "nom",
        "date_de_naissance",
        "ville",
        "telephone",
        "email",
        "offre",
        "code_insee",
        "besoin",
        "date_traitement",
        "commentaire",
    ),
    PERDUS_DE_VUE: (
        "Identifiant ML",
        "Nom",
        "Nom d'usage",
        "Prénom",
        "Sexe",
        "Date de naissance",
        "Commune",
        "Code postal",
        "Téléphone",
        "Courriel",
        "INE",
        "Date dernier contact",
        "Conseiller référent",
        "Dispositif",
        "Situation",
    ),
}


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row of a source file and the person it truly describes."""

    source: str
    source_record_id: str
    person_id: str
    cells: tuple[str, ...]
    """Cell texts in the order of ``COLUMNS[source]``; a malformed row may have more or fewer."""
    variations: tuple[str, ...]
    """Kinds of mess applied to this row (for diagnostics and tests)."""

    def as_dict(self) -> dict[str, str]:
        return dict(zip(COLUMNS[self.source], self.cells, strict=False))


# -- small distortions ---------------------------------------------------------------------

_KEYBOARD_NEIGHBOURS = {
    "a": "zqs",
    "z": "aes",
    "e": "zrd",
    "r": "etf",
    "t": "ryg",
    "y": "tuh",
    "u": "yij",
    "i": "uok",
    "o": "ipl",
    "p": "om",
    "q": "asw",
    "s": "qdz",
    "d": "sfe",
    "f": "dgr",
    "g": "fht",
    "h": "gjy",
    "j": "hku",
    "k": "jli",
    "l": "kmo",
    "m": "lp",
    "w": "xq",
    "x": "wc",
    "c": "xv",
    "v": "cb",
    "b": "vn",
    "n": "bm",
}


def typo(rng: random.Random, text: str) -> str:
    """One keyboard slip: a substituted, dropped, doubled or swapped letter (never the first)."""
    if len(text) < 4:
        return text
    position = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    char = text[position]
    if kind == 0 and char.lower() in _KEYBOARD_NEIGHBOURS:
        replacement = rng.choice(_KEYBOARD_NEIGHBOURS[char.lower()])
        replacement = replacement.upper() if char.isupper() else replacement
        return text[:position] + replacement + text[position + 1 :]
    if kind == 1:
        return text[:position] + text[position + 1 :]
    if kind == 2:
        return text[:position] + char + text[position:]
    nxt = text[position + 1]
    return text[:position] + nxt + char + text[position + 2 :]


def _recase(rng: random.Random, text: str, upper: float, lower: float) -> str:
    roll = rng.random()
    if roll < upper:
        return text.upper()
    if roll < upper + lower:
        return text.lower()
    return text


def _family_variant(rng: random.Random, family: str, tags: list[str]) -> str:
    """Compound and particle names as sources write them: glued, spaced, partly dropped."""
    parts = family.replace("-", " ").split()
    if len(parts) < 2:
        return family
    lowered = [p.lower().replace("'", "") for p in parts]
    has_particle = lowered[0] in names.PARTICLES or (
        len(lowered) > 2 and lowered[1] in names.PARTICLES
    )
    roll = rng.random()
    if has_particle:
        if family.startswith("D'"):
            if roll < 0.3:
                tags.append("particle")
                return family.replace("'", " ") if rng.random() < 0.5 else family.replace("'", "")
            return family
        core_start = next(i for i, p in enumerate(lowered) if p not in names.PARTICLES)
        if roll < 0.2:
            tags.append("particle")
            return (
                "".join(parts[:core_start])
                + parts[core_start].lower()
                + " ".join(["", *parts[core_start + 1 :]]).rstrip()
            )
        if roll < 0.32:
            tags.append("particle")
            return " ".join(parts[core_start:])
        if roll < 0.4:
            tags.append("particle")
            return "-".join(parts)
        return family
    if roll < 0.25:
        tags.append("compound")
        return " ".join(parts) if "-" in family else "-".join(parts)
    if roll < 0.4:
        tags.append("compound")
        return parts[0] if rng.random() < 0.8 else parts[-1]
    return family


def _given_variant(
    rng: random.Random, person: SyntheticPerson, tags: list[str], all_names: float, nickname: float
) -> str:
    given = person.usual_given
    if len(person.given_names) > 1 and rng.random() < all_names:
        tags.append("all_given_names")
        separator = ", " if rng.random() < 0.1 else " "
        return separator.join(person.given_names)
    if rng.random() < nickname and given in names.NICKNAMES:
        tags.append("nickname")
        return rng.choice(names.NICKNAMES[given])
    if "-" in given:
        roll = rng.random()
        if roll < 0.25:
            tags.append("compound_given")
            return given.replace("-", " ")
        if roll < 0.35:
            tags.append("compound_given")
            return given.split("-")[0]
    return given


_DATE_FORMATS: tuple[str, ...] = (
    "%d/%m/%Y",
    "%d/%m/%Y",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%Y-%m-%d",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "dmy-nopad",
)


def _format_date(value: date, fmt: str) -> str:
    if fmt == "dmy-nopad":
        return f"{value.day}/{value.month}/{value.year}"
    return value.strftime(fmt)


def _distort_date(
    rng: random.Random, value: date, tags: list[str], swap: float, slip: float
) -> date:
    if value.day <= 12 and value.day != value.month and rng.random() < swap:
        tags.append("dob_swapped")
        return value.replace(day=value.month, month=value.day)
    if rng.random() < slip:
        tags.append("dob_typo")
        roll = rng.randrange(3)
        if roll == 0 and not (value.month == 2 and value.day == 29):
            return value.replace(year=value.year + rng.choice((-1, 1)))
        if roll == 1 and value.day < 28:
            return value.replace(day=value.day + 1)
        return value - timedelta(days=rng.choice((1, 10)))
    return value


def format_phone(rng: random.Random, national: str) -> str:
    digits = national[1:]
    pairs = [national[i : i + 2] for i in range(0, 10, 2)]
    roll = rng.randrange(9)
    if roll <= 2:
        return " ".join(pairs)
    if roll == 3:
        return national
    if roll == 4:
        return f"+33{digits}"
    if roll == 5:
        return f"+33 {digits[0]} " + " ".join(digits[i : i + 2] for i in range(1, 9, 2))
    if roll == 6:
        return f"0033 {digits[0]} " + " ".join(digits[i : i + 2] for i in range(1, 9, 2))
    if roll == 7:
        return ".".join(pairs)
    return "-".join(pairs)


def _town_variant(rng: random.Random, insee: str, tags: list[str]) -> str:
    commune = default_resolver().get(insee)
    assert commune is not None
    name = commune.name
    roll = rng.random()
    if insee == "68056" and roll < 0.3:
        tags.append("town_variant")
        return rng.choice(("Didenheim", "Brunstatt", "BRUNSTATT DIDENHEIM"))
    if insee == "68224" and roll < 0.2:
        tags.append("town_variant")
        return rng.choice(("Mulhouse Cedex", "MULHOUSE CEDEX 1", "mulhouse", "Mulhouse 68100"))
    if roll < 0.15:
        tags.append("town_variant")
        return strip_accents(name).replace("-", " ").lower()
    if roll < 0.2 and len(name) > 6:
        tags.append("town_variant")
        return typo(rng, name)
    return name


# -- rows per source -----------------------------------------------------------------------


@dataclass
class _Context:
    rng: random.Random
    reference_date: date
    occurrence: int
    """0 for the person's first row in this source, 1 for a repeat..."""


def _phone_for(ctx: _Context, person: SyntheticPerson, tags: list[str], stale: float) -> str:
    rng = ctx.rng
    if person.old_mobile and rng.random() < stale:
        tags.append("old_phone")
        number: str | None = person.old_mobile
    elif person.mobile is None or rng.random() < 0.12:
        tags.append("household_phone")
        number = person.household_phone
    else:
        number = person.mobile
    if number is None or rng.random() < 0.07:
        return ""
    return format_phone(rng, number)


def _email_for(ctx: _Context, person: SyntheticPerson, tags: list[str], stale: float) -> str:
    rng = ctx.rng
    if person.household_email and rng.random() < 0.25:
        tags.append("household_email")
        return person.household_email
    if person.old_email and rng.random() < stale:
        tags.append("old_email")
        return person.old_email
    if person.email is None or rng.random() < 0.12:
        return ""
    if rng.random() < 0.05:
        tags.append("email_case")
        return f" {person.email.capitalize()} "
    return person.email


def _ine_for(ctx: _Context, person: SyntheticPerson, tags: list[str], present: float) -> str:
    rng = ctx.rng
    if person.ine is None or rng.random() >= present:
        return ""
    if rng.random() < 0.04:
        tags.append("ine_mistyped")
        position = rng.choice([i for i in range(9) if person.ine[i].isdigit()])
        digit = str((int(person.ine[position]) + rng.randrange(1, 10)) % 10)
        return person.ine[:position] + digit + person.ine[position + 1 :]
    if rng.random() < 0.05:
        return person.ine.lower()
    return person.ine


def render_decrocheurs(
    ctx: _Context, person: SyntheticPerson, record_id: str
) -> tuple[list[str], list[str]]:
    rng = ctx.rng
    tags: list[str] = []
    family = _family_variant(rng, person.family_name, tags)
    if rng.random() < 0.03:
        tags.append("typo_family")
        family = typo(rng, family)
    family = family.upper()
    if rng.random() < 0.7:
        family = strip_accents(family)
        tags.append("accents_dropped")
    given = _given_variant(rng, person, tags, all_names=0.45, nickname=0.0)
    if rng.random() < 0.03:
        tags.append("typo_given")
        given = typo(rng, given)
    given = _recase(rng, given, upper=0.4, lower=0.0)
    if rng.random() < 0.5:
        given = strip_accents(given)
    birth = _distort_date(rng, person.birth_date, tags, swap=0.02, slip=0.01)
    commune = default_resolver().get(person.commune_insee)
    assert commune is not None
    campaign_month = ctx.reference_date.replace(day=1) - timedelta(days=62 * (ctx.occurrence + 1))
    left = ctx.reference_date - timedelta(days=rng.randrange(60, 900))
    cells = [
        record_id,
        _ine_for(ctx, person, tags, present=0.85),
        family,
        given,
        person.sex,
        birth.strftime("%d/%m/%Y"),
        strip_accents(person.street).upper(),
        person.postal_code,
        strip_accents(commune.name).upper().replace("-", " " if rng.random() < 0.3 else "-"),
        _phone_for(ctx, person, tags, stale=0.15),
        _email_for(ctx, person, tags, stale=0.1),
        rng.choice(names.SCHOOLS),
        rng.choice(names.TRAININGS),
        left.strftime("%d/%m/%Y"),
        "O" if rng.random() < 0.2 else "N",
        f"{campaign_month:%Y-%m}",
    ]
    return cells, tags


def render_boussole(
    ctx: _Context, person: SyntheticPerson, record_id: str
) -> tuple[list[str], list[str]]:
    rng = ctx.rng
    tags: list[str] = []
    family = person.family_name
    if person.usage_name and rng.random() < 0.6:
        tags.append("usage_name")
        family = person.usage_name
    family = _family_variant(rng, family, tags)
    given = _given_variant(rng, person, tags, all_names=0.05, nickname=0.12)
    if rng.random() < 0.1:
        tags.append("typo_family")
        family = typo(rng, family)
    if rng.random() < 0.08:
        tags.append("typo_given")
        given = typo(rng, given)
    if rng.random() < 0.5:
        tags.append("accents_dropped")
        family, given = strip_accents(family), strip_accents(given)
    family = _recase(rng, family, upper=0.35, lower=0.25)
    given = _recase(rng, given, upper=0.15, lower=0.3)
    roll = rng.random()
    if roll < 0.07:
        tags.append("names_swapped")
        family, given = given, family
    elif roll < 0.12:
        tags.append("names_in_one_field")
        both = f"{family} {given}" if rng.random() < 0.5 else f"{given} {family}"
        family, given = (both, "") if rng.random() < 0.6 else ("", both)
    birth_text: str
    roll = rng.random()
    if roll < 0.05:
        tags.append("dob_missing")
        birth_text = ""
    elif roll < 0.065:
        tags.append("dob_nonsense")
        birth_text = rng.choice(("00/00/0000", "32/13/2004", "jsp", "2030-01-01", "?"))
    else:
        birth = _distort_date(rng, person.birth_date, tags, swap=0.05, slip=0.025)
        fmt = rng.choice(_DATE_FORMATS)
        if fmt != "%d/%m/%Y":
            tags.append("dob_format")
        birth_text = _format_date(birth, fmt)
    asked = ctx.reference_date - timedelta(days=rng.randrange(1, 540))
    treated = asked + timedelta(days=rng.randrange(0, 20))
    cells = [
        record_id,
        asked.isoformat() if rng.random() < 0.6 else asked.strftime("%d/%m/%Y"),
        given,
        family,
        birth_text,
        _town_variant(rng, person.commune_insee, tags),
        _phone_for(ctx, person, tags, stale=0.2),
        _email_for(ctx, person, tags, stale=0.2),
        rng.choice(names.OFFERS),
        person.commune_insee if rng.random() < 0.3 else "",
        rng.choice(names.NEEDS) if rng.random() < 0.8 else "",
        treated.isoformat() if treated < ctx.reference_date and rng.random() < 0.7 else "",
        rng.choice(names.COMMENTS) if rng.random() < 0.6 else "",
    ]
    return cells, tags


def render_perdus_de_vue(
    ctx: _Context, person: SyntheticPerson, record_id: str
) -> tuple[list[str], list[str]]:
    rng = ctx.rng
    tags: list[str] = []
    family = _family_variant(rng, person.family_name, tags)
    usage = person.usage_name if person.usage_name and rng.random() < 0.9 else ""
    if usage:
        tags.append("usage_name")
    if rng.random() < 0.02:
        tags.append("typo_family")
        family = typo(rng, family)
    given = _given_variant(rng, person, tags, all_names=0.1, nickname=0.03)
    if rng.random() < 0.5:
        family = family.upper()
        usage = usage.upper()
    birth = _distort_date(rng, person.birth_date, tags, swap=0.01, slip=0.005)
    commune = default_resolver().get(person.commune_insee)
    assert commune is not None
    contact = ctx.reference_date - timedelta(days=rng.randrange(120, 1100))
    cells = [
        record_id,
        family,
        usage,
        given,
        person.sex,
        birth.isoformat(),
        commune.name if rng.random() < 0.8 else _town_variant(rng, person.commune_insee, tags),
        person.postal_code,
        _phone_for(ctx, person, tags, stale=0.5),
        _email_for(ctx, person, tags, stale=0.5),
        _ine_for(ctx, person, tags, present=0.3),
        contact.isoformat(),
        rng.choice(names.ADVISERS),
        rng.choice(("PACEA", "GJ", "CEJ", "", "")),
        rng.choice(names.SITUATIONS),
    ]
    return cells, tags


Renderer = Callable[[_Context, SyntheticPerson, str], tuple[list[str], list[str]]]
RENDERERS: dict[str, Renderer] = {
    DECROCHEURS: render_decrocheurs,
    BOUSSOLE: render_boussole,
    PERDUS_DE_VUE: render_perdus_de_vue,
}

# Which cells identify the person, per source (blanked for a "no identity" bad row).
_IDENTITY_COLUMNS: dict[str, tuple[str, ...]] = {
    DECROCHEURS: ("INE", "NOM", "PRENOM", "TEL_MOBILE", "MAIL"),
    BOUSSOLE: ("prenom", "nom", "telephone", "email"),
    PERDUS_DE_VUE: ("Nom", "Nom d'usage", "Prénom", "Téléphone", "Courriel", "INE"),
}
_BIRTH_COLUMN = {
    DECROCHEURS: "DATE_NAISSANCE",
    BOUSSOLE: "date_de_naissance",
    PERDUS_DE_VUE: "Date de naissance",
}
_FREE_COLUMN = {DECROCHEURS: "ADRESSE", BOUSSOLE: "commentaire", PERDUS_DE_VUE: "Situation"}
_NAME_COLUMN = {DECROCHEURS: "NOM", BOUSSOLE: "nom", PERDUS_DE_VUE: "Nom"}


def spoil(rng: random.Random, source: str, cells: list[str], tags: list[str]) -> list[str]:
    """Make a bad row, of one of the kinds FORMATS.md lists."""
    columns = COLUMNS[source]
    kind = rng.randrange(7)
    if kind == 0:
        tags.append("bad:no_identity")
        for column in _IDENTITY_COLUMNS[source]:
            cells[columns.index(column)] = ""
    elif kind == 1:
        tags.append("bad:impossible_date")
        cells[columns.index(_BIRTH_COLUMN[source])] = (
            "2006-02-31" if source == PERDUS_DE_VUE else "31/02/2006"
        )
    elif kind == 2:
        tags.append("bad:formula")
        cells[columns.index(_FREE_COLUMN[source])] = '=HYPERLINK("http://example.invalid")'
    elif kind == 3:
        tags.append("bad:control_chars")
        index = columns.index(_NAME_COLUMN[source])
        value = cells[index]
        cells[index] = value[:2] + "\x07\x1b" + value[2:]
    elif kind == 4:
        tags.append("bad:huge_cell")
        cells[columns.index(_FREE_COLUMN[source])] = "lorem ipsum " * 6000
    elif kind == 5:
        tags.append("bad:extra_columns")
        cells = [*cells, "??", "colonne en trop"]
    else:
        tags.append("bad:missing_columns")
        cells = cells[: len(cells) // 2]
    return cells


def record_id_factory(source: str, rng: random.Random) -> Callable[[int], str]:
    if source == DECROCHEURS:
        return lambda n: f"RIO-{n:07d}"
    if source == BOUSSOLE:
        return lambda n: f"BDJ-{n:06d}-{rng.randrange(36**3):03x}"
    return lambda n: f"{4_100_000 + n * 7}"
