"""Matching forms of French identity data: folding, particles, phonetics, nicknames.

Everything here is pure and cached: the same names repeat endlessly across records.
"""

from __future__ import annotations

import re
from functools import lru_cache

from connectors.normalise import fold as _fold

PARTICLES = frozenset(
    {"de", "du", "des", "d", "la", "le", "l", "van", "von", "der", "den", "el", "al", "ben",
     "bin", "ibn", "abd", "abou", "abu", "ait", "da", "di", "dos", "das", "do", "del", "della",
     "ter", "ten", "mac", "mc"}
)  # fmt: skip
"""Particles of family names: sources keep, drop or glue them ("El Amrani", "Elamrani",
"Amrani"). "Le" and "La" are particles too ("Le Gall" / "Legall" / "Gall")."""

_CACHE = 262_144


@lru_cache(maxsize=_CACHE)
def fold(text: str) -> str:
    """Accents, case, hyphens, apostrophes and spaces folded: ``"D'Hôte-Ébersold"`` ->
    ``"d hote ebersold"``."""
    return _fold(text)


@lru_cache(maxsize=_CACHE)
def core_tokens(folded: str) -> tuple[str, ...]:
    """The words of a folded family name without particles (all of them if only particles)."""
    tokens = folded.split()
    kept = tuple(t for t in tokens if t not in PARTICLES)
    return kept or tuple(tokens)


_PHONETIC_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"[^a-z]", ""),
        (r"sch", "ch"),
        (r"ph", "f"),
        (r"gh", "g"),
        (r"th", "t"),
        (r"ck", "k"),
        (r"qu", "k"),
        (r"q", "k"),
        (r"c([eiy])", r"s\1"),
        (r"ch", "%"),  # keep "ch" apart from "c" -> "k"
        (r"c", "k"),
        (r"%", "ch"),
        (r"gu([eiy])", r"g\1"),
        (r"g([eiy])", r"j\1"),
        (r"w", "v"),
        (r"y", "i"),
        (r"z", "s"),
        (r"x", "ks"),
        (r"dt", "t"),
        (r"bv", "v"),
        (r"(?<![cs])h", ""),
        (r"eau", "o"),
        (r"au", "o"),
        (r"ue", "u"),
        (r"oe", "e"),
        (r"ae", "e"),
        (r"[ae]i", "e"),
        (r"ou", "u"),
        (r"([a-z])\1+", r"\1"),
        (r"(?<=.)[estdx]+$", ""),
        (r"(?<=.)e", "e"),
    )
)


@lru_cache(maxsize=_CACHE)
def phonetic(token: str) -> str:
    """A coarse French phonetic code of one folded word: "Muller", "Mueller" and "Müller",
    "Schmitt" and "Schmidt", "Kevin" and "Kévyn", "Rayan" and "Rayane" share a code."""
    code = token
    for pattern, replacement in _PHONETIC_RULES:
        code = pattern.sub(replacement, code)
    return code or token


# Diminutives and spelling variants of given names (folded). A name may belong to several
# groups ("alex"). The table is the matcher's own and deliberately small: a nickname it
# does not know costs a link, never a false one.
_NICKNAME_GROUPS: tuple[tuple[str, ...], ...] = (
    ("alexandre", "alex", "alexis"),
    ("alexandra", "alex", "sandra"),
    ("alexis", "alex"),
    ("maxime", "max", "maximilien"),
    ("nicolas", "nico", "nicola"),
    ("thomas", "tom", "tommy", "thom"),
    ("anthony", "tony", "antony", "anthonin"),
    ("antoine", "tony", "toine"),
    ("christopher", "chris", "christophe"),
    ("christophe", "chris"),
    ("christelle", "chris"),
    ("frederic", "fred", "freddy"),
    ("stephanie", "steph", "fanny"),
    ("stephane", "steph"),
    ("benjamin", "ben", "benji"),
    ("samuel", "sam", "samy"),
    ("samir", "samy"),
    ("emmanuel", "manu"),
    ("emmanuelle", "manue", "manu"),
    ("sebastien", "seb", "sebastian"),
    ("jeremy", "jerem", "jeremie"),
    ("charlotte", "charlie", "lotte"),
    ("caroline", "caro", "carole"),
    ("victoria", "vicky", "victoire"),
    ("jennifer", "jenny", "jenifer"),
    ("mohamed", "mohammed", "mohamad", "mohammad", "muhammad", "mohamet", "momo", "med"),
    ("mathis", "mathys", "matis", "mattis"),
    ("mathieu", "matthieu", "matt", "math"),
    ("kevin", "kev"),
    ("theo", "teo", "theodore"),
    ("rayan", "rayane", "ryan", "raian"),
    ("yanis", "yannis", "ianis", "yaniss"),
    ("ines", "inesse", "inez"),
    ("valentin", "val", "valentino"),
    ("valentine", "val"),
    ("raphael", "raph", "rafael"),
    ("gabriel", "gaby", "gabi"),
    ("gabrielle", "gaby", "gabi"),
    ("elisabeth", "elizabeth", "babeth", "lisa", "lise", "elisa"),
    ("maelys", "maelis", "maelisse"),
    ("leila", "layla", "leyla", "laila"),
    ("aicha", "aisha", "aischa"),
    ("yusuf", "youssef", "youcef", "yousef", "joseph"),
    ("ibrahim", "brahim", "ibrahima"),
    ("ismael", "ismail", "smail"),
    ("younes", "younis", "yunus"),
    ("jonathan", "johnny", "jo", "jonatan"),
    ("margaux", "margot", "margaud", "margo"),
    ("amandine", "mandy", "amanda"),
    ("florian", "flo"),
    ("florence", "flo"),
    ("killian", "kilian", "kylian", "kyllian"),
    ("mehdi", "medhi"),
    ("nathan", "natan"),
    ("enzo", "enso"),
    ("lucas", "luka", "luca", "lukas"),
    ("guillaume", "will", "guigui"),
    ("william", "will", "willy"),
    ("dominique", "dom"),
    ("catherine", "cathy", "katia", "cat"),
    ("isabelle", "isa", "isabel"),
    ("virginie", "virgi"),
    ("nathalie", "nath", "natalia"),
    ("sabrina", "sab", "sabri"),
    ("julien", "juju", "julian"),
    ("julie", "juju"),
    ("coralie", "cora"),
    ("patricia", "patou", "pat"),
    ("patrick", "pat"),
    ("fatima", "fatma", "fatim", "fatou"),
    ("khadija", "khadidja", "kadija"),
    ("meryem", "maryam", "myriam", "meriem", "mariam"),
)

_NICKNAMES: dict[str, frozenset[int]] = {}
for _group_id, _group in enumerate(_NICKNAME_GROUPS):
    for _name in _group:
        _NICKNAMES[_name] = _NICKNAMES.get(_name, frozenset()) | {_group_id}


def nickname_groups(joined_given: str) -> frozenset[int]:
    """The nickname groups a folded given name (spaces removed) belongs to (often none)."""
    return _NICKNAMES.get(joined_given, frozenset())
