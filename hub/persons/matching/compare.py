"""Comparing two records: deterministic rules first, then a scored comparison.

The score adds log-likelihood-like weights per field (agreement levels below); hard
disagreements on the given name veto a link whatever else agrees, which is what keeps
siblings and twins (same family name, address, household phone and e-mail, even birth
date) apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rapidfuzz.distance import JaroWinkler, Levenshtein

from hub.persons.matching.features import FeatureRecord, NameForm, Reading

RULES_VERSION = "linkage-rules/1"
"""Version of the rules and weights below; stored with every automatic link."""

MATCH_THRESHOLD = 8.0
"""A scored comparison at or above this links two records."""
CONFLICT_THRESHOLD = 0.0
"""Below this (or on a veto), two records must not end in the same person, even through
others (anti-chaining)."""

# -- name similarity ---------------------------------------------------------------------

EXACT = 1.0
VARIANT = 0.95  # another written form: particle dropped, usual vs all given names
PARTIAL = 0.92  # compound partly dropped, nickname, phonetic equality


def family_similarity(a: tuple[NameForm, ...], b: tuple[NameForm, ...]) -> float | None:
    """Best similarity between any family name of ``a`` (birth, usage) and any of ``b``."""
    if not a or not b:
        return None
    best = 0.0
    for x in a:
        for y in b:
            best = max(best, _family_pair(x, y))
            if best == EXACT:
                return best
    return best


def _family_pair(x: NameForm, y: NameForm) -> float:
    if x.joined == y.joined:
        return EXACT
    if x.core == y.core:
        return VARIANT
    if x.tokens <= y.tokens or y.tokens <= x.tokens:
        return PARTIAL
    if x.phonetic == y.phonetic and len(x.phonetic) >= 3:
        return PARTIAL
    fuzzy = max(
        JaroWinkler.normalized_similarity(x.joined, y.joined),
        JaroWinkler.normalized_similarity(x.core, y.core),
    )
    return min(fuzzy, 0.91)


def given_similarity(a: tuple[NameForm, ...], b: tuple[NameForm, ...]) -> float | None:
    """Similarity of the given names: usual vs usual, usual vs any other given name (sources
    listing all given names), compound names partly dropped, nicknames, typos."""
    if not a or not b:
        return None
    x, y = a[0], b[0]
    if x.joined == y.joined:
        return EXACT
    if (len(a) > 1 and any(y.joined == other.joined for other in a)) or (
        len(b) > 1 and any(x.joined == other.joined for other in b)
    ):
        return VARIANT
    if x.tokens < y.tokens or y.tokens < x.tokens:
        # "Jean-Pierre" / "Jean"; but "Marie-Claire" / "Marie-Anne" are two names.
        return PARTIAL
    if len(x.tokens) > 1 and len(y.tokens) > 1 and x.tokens & y.tokens:
        # Two compound names sharing a part ("Marie-Claire" / "Marie-Anne"): the other parts
        # decide.
        rest_x = "".join(sorted(x.tokens - y.tokens))
        rest_y = "".join(sorted(y.tokens - x.tokens))
        return min(JaroWinkler.normalized_similarity(rest_x, rest_y), 0.91)
    if x.nicknames & y.nicknames:
        return PARTIAL
    if x.phonetic == y.phonetic and len(x.phonetic) >= 3:
        return PARTIAL
    fuzzy = JaroWinkler.normalized_similarity(x.joined, y.joined)
    if len(a) > 1 or len(b) > 1:
        for other in a[1:]:
            fuzzy = max(fuzzy, JaroWinkler.normalized_similarity(other.joined, y.joined) - 0.02)
        for other in b[1:]:
            fuzzy = max(fuzzy, JaroWinkler.normalized_similarity(x.joined, other.joined) - 0.02)
    return min(fuzzy, 0.91)


# -- weights ---------------------------------------------------------------------------------


def family_weight(similarity: float | None) -> float:
    if similarity is None:
        return 0.0
    if similarity >= EXACT:
        return 3.0
    if similarity >= PARTIAL:
        return 2.5
    if similarity >= 0.88:
        return 1.5
    if similarity >= 0.8:
        return 0.0
    return -2.5


GIVEN_VETO = 0.8
"""Given names less similar than this are different people (siblings), unless the INE says
otherwise."""


def given_weight(similarity: float | None) -> float:
    if similarity is None:
        return 0.0
    if similarity >= EXACT:
        return 3.5
    if similarity >= PARTIAL:
        return 2.5
    if similarity >= 0.86:
        return 1.0
    if similarity >= GIVEN_VETO:
        return -1.5
    return -6.0


def birth_level(a: date | None, b: date | None) -> str:
    if a is None or b is None:
        return "missing"
    if a == b:
        return "exact"
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return "swapped"
    # A slip of one digit (or two swapped digits) in JJMMAAAA, or a day off by one.
    if abs((a - b).days) <= 1 or _one_slip(f"{a:%d%m%Y}", f"{b:%d%m%Y}"):
        return "near"
    return "different"


def _one_slip(x: str, y: str) -> bool:
    positions = [i for i in range(len(x)) if x[i] != y[i]]
    if len(positions) == 1:
        return True
    return (
        len(positions) == 2
        and positions[1] == positions[0] + 1
        and x[positions[0]] == y[positions[1]]
        and x[positions[1]] == y[positions[0]]
    )


BIRTH_WEIGHTS = {"exact": 4.0, "swapped": 2.5, "near": 1.0, "different": -4.5, "missing": 0.0}


def ine_level(a: str | None, b: str | None) -> str:
    if a is None or b is None:
        return "missing"
    if a == b:
        return "same"
    if len(a) == len(b) and Levenshtein.distance(a, b) == 1:
        return "near"  # one mistyped character
    return "different"


INE_WEIGHTS = {"same": 7.0, "near": 2.5, "different": -1.5, "missing": 0.0}
PHONE_WEIGHT = 2.5  # a shared phone may be the household's
EMAIL_WEIGHT = 3.5
SEX_WEIGHTS = {"same": 0.3, "different": -2.5, "missing": 0.0}
COMMUNE_WEIGHTS = {"same": 0.5, "different": -0.3, "missing": 0.0}
ALTERNATIVE_READING_PENALTY = 0.5


@dataclass(frozen=True, slots=True)
class PairScore:
    """The outcome of comparing two records, with its evidence (no personal data)."""

    score: float
    rule: str
    """``ine``, ``email+name+birth``, ``phone+name+birth``, ``score``, or ``no-match``."""
    family: float | None
    given: float | None
    birth: str
    ine: str
    phone: bool
    email: bool
    sex: str
    commune: str
    alternative_reading: bool
    veto: bool

    @property
    def is_match(self) -> bool:
        return self.rule != "no-match"

    @property
    def is_conflict(self) -> bool:
        """True when the two records must not be the same person, even through others."""
        return self.veto or (self.rule == "no-match" and self.score < CONFLICT_THRESHOLD)

    def evidence(self) -> dict[str, Any]:
        """A JSON-ready account of the comparison: levels and scores, no value compared."""
        return {
            "rule": self.rule,
            "score": round(self.score, 2),
            "family_name": None if self.family is None else round(self.family, 3),
            "given_name": None if self.given is None else round(self.given, 3),
            "birth_date": self.birth,
            "ine": self.ine,
            "phone": self.phone,
            "email": self.email,
            "sex": self.sex,
            "commune": self.commune,
            "alternative_reading": self.alternative_reading,
        }


def _names(ra: Reading, rb: Reading) -> tuple[float | None, float | None, float]:
    fs = family_similarity(ra.family, rb.family)
    gs = given_similarity(ra.given, rb.given)
    return fs, gs, family_weight(fs) + given_weight(gs)


def _best_names(
    a: FeatureRecord, b: FeatureRecord
) -> tuple[float | None, float | None, float, bool]:
    fs, gs, weight = _names(a.readings[0], b.readings[0])
    if fs is not None and gs is not None and fs >= PARTIAL and gs >= PARTIAL:
        return fs, gs, weight, False
    best = (fs, gs, weight, False)
    # One side read otherwise (swapped, or split out of one field), never both: two
    # alternative readings would let any name stand for any other.
    for ra, rb in [(ra, b.readings[0]) for ra in a.readings[1:]] + [
        (a.readings[0], rb) for rb in b.readings[1:]
    ]:
        rfs, rgs, rweight = _names(ra, rb)
        rweight -= ALTERNATIVE_READING_PENALTY
        # Prefer a reading that compares both names over one that leaves one out.
        if rfs is not None and rgs is not None and rweight > best[2]:
            best = (rfs, rgs, rweight, True)
    return best


def _level(a: str | None, b: str | None) -> str:
    if a is None or b is None:
        return "missing"
    return "same" if a == b else "different"


def compare(a: FeatureRecord, b: FeatureRecord) -> PairScore:
    """Compare two records; see the module docstring for the rules."""
    fs, gs, name_weight, alternative = _best_names(a, b)
    birth = birth_level(a.birth_date, b.birth_date)
    ine = ine_level(a.ine, b.ine)
    phone = bool(a.phones and b.phones and not set(a.phones).isdisjoint(b.phones))
    email = bool(a.emails and b.emails and not set(a.emails).isdisjoint(b.emails))
    sex = _level(a.sex, b.sex)
    commune = _level(a.commune, b.commune)
    if commune == "missing" and a.postal_code and b.postal_code and a.postal_code == b.postal_code:
        commune = "same"
    score = (
        name_weight
        + BIRTH_WEIGHTS[birth]
        + INE_WEIGHTS[ine]
        + (PHONE_WEIGHT if phone else 0.0)
        + (EMAIL_WEIGHT if email else 0.0)
        + SEX_WEIGHTS[sex]
        + COMMUNE_WEIGHTS[commune]
    )
    # Different given names, or a different sex with given names that are not the same,
    # mean different people (siblings, twins) unless the national student id says otherwise.
    veto = ine != "same" and (
        (gs is not None and gs < GIVEN_VETO) or (sex == "different" and (gs is None or gs < EXACT))
    )
    if not a.has_name or not b.has_name:
        veto = veto or ine != "same"
    rule = "no-match"
    if ine == "same" and (birth != "different" or (gs is not None and gs >= PARTIAL)):
        rule = "ine"
    elif not veto and gs is not None and gs >= 0.86 and birth in {"exact", "swapped", "missing"}:
        if email:
            # A shared e-mail and first name: a married name may differ, the birth date may
            # be missing; a household's e-mail shared by siblings fails on the first name.
            rule = "email+name+birth"
        elif phone and birth != "missing" and (fs is None or fs >= 0.8):
            rule = "phone+name+birth"
    if rule == "no-match" and not veto and score >= MATCH_THRESHOLD:
        rule = "score"
    return PairScore(
        score=score,
        rule=rule,
        family=fs,
        given=gs,
        birth=birth,
        ine=ine,
        phone=phone,
        email=email,
        sex=sex,
        commune=commune,
        alternative_reading=alternative,
        veto=veto,
    )
