"""Synthetic young people, in households (siblings, twins), with their true identity."""

from __future__ import annotations

import random
import string
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from hub.synthetic import names
from schemas.territory import Commune, default_resolver

PUBLIC_MIN_AGE = 16
PUBLIC_MAX_AGE = 29


@dataclass(frozen=True, slots=True)
class SyntheticPerson:
    """One synthetic young person: the truth that the source rows distort."""

    person_id: str
    household_id: str
    sex: str
    family_name: str
    """Birth family name, properly written."""
    usage_name: str | None
    """Usage (married) name, if any."""
    given_names: tuple[str, ...]
    """Every given name, in civil order."""
    usual_index: int
    """Index in ``given_names`` of the name the person uses."""
    birth_date: date
    ine: str | None
    mobile: str | None
    """Personal mobile, 10 national digits."""
    old_mobile: str | None
    """A previous personal mobile that older records may still carry."""
    household_phone: str
    """The family's phone (a parent's mobile), shared by siblings."""
    email: str | None
    old_email: str | None
    household_email: str | None
    street: str
    postal_code: str
    commune_insee: str
    twin_of: str | None

    @property
    def usual_given(self) -> str:
        return self.given_names[self.usual_index]


@lru_cache(maxsize=1)
def territory_communes() -> tuple[tuple[Commune, ...], tuple[float, ...]]:
    """The communes people live in: m2A ones weighted by population, and a few outside."""
    resolver = default_resolver()
    inside = [c for c in resolver.communes if c.in_m2a]
    outside = [c for c in resolver.communes if not c.in_m2a and (c.population or 0) > 5000]
    weights = [float(c.population or 1) for c in inside]
    total = sum(weights)
    # About 4% of people live just outside m2A (the lists are departmental).
    weights += [total * 0.04 / len(outside)] * len(outside)
    return tuple(inside + outside), tuple(weights)


@lru_cache(maxsize=200_000)
def strip_accents(text: str) -> str:
    """``text`` without diacritics (the letters of other alphabets folded to Latin ones)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return out.replace("ı", "i").replace("ø", "o").replace("ß", "ss").replace("đ", "d")


@lru_cache(maxsize=50_000)
def _ascii_slug(text: str) -> str:
    return "".join(ch for ch in strip_accents(text).lower() if ch.isalnum())


class _Identities:
    """Unique phones, e-mails and INEs drawn from one random stream."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._phones: set[str] = set()
        self._emails: set[str] = set()
        self._ines: set[str] = set()

    def mobile(self) -> str:
        while True:
            # Metropolitan mobiles: 06 (but not the overseas 0639, 069x) and 073 to 078.
            if self._rng.random() < 0.6:
                number = f"06{self._rng.randrange(10**8):08d}"
                if number[2:4] in {"39", "90", "91", "92", "93", "94", "95", "96", "97"}:
                    continue
            else:
                number = f"07{self._rng.randrange(3, 9)}{self._rng.randrange(10**7):07d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def ine(self) -> str:
        rng = self._rng
        while True:
            shape = rng.random()
            if shape < 0.75:
                value = f"{rng.randrange(10**9):09d}" + "".join(
                    rng.choices(string.ascii_uppercase, k=2)
                )
            elif shape < 0.95:
                value = f"{rng.randrange(10**10):010d}" + rng.choice(string.ascii_uppercase)
            else:
                value = f"{rng.randrange(10**4):04d}A{rng.randrange(10**5):05d}" + rng.choice(
                    string.ascii_uppercase
                )
            if value not in self._ines:
                self._ines.add(value)
                return value

    def email(self, given: str, family: str, birth_date: date) -> str:
        rng = self._rng
        g, f = _ascii_slug(given), _ascii_slug(family)
        domain = rng.choice(names.MAIL_DOMAINS)
        pattern = rng.randrange(6)
        if pattern == 0:
            local = f"{g}.{f}"
        elif pattern == 1:
            local = f"{g}{f}{birth_date.year % 100:02d}"
        elif pattern == 2:
            local = f"{g[:1]}{f}{rng.randrange(100)}"
        elif pattern == 3:
            local = f"{f}.{g}{birth_date.day:02d}"
        elif pattern == 4:
            local = f"{g}_{rng.choice(['68', 'mlh', 'du68', 'off', 'pro'])}{rng.randrange(1000)}"
        else:
            local = f"{g}.{f}{birth_date.year}"
        while True:
            address = f"{local}@{domain}"
            if address not in self._emails:
                self._emails.add(address)
                return address
            local = f"{local}{rng.randrange(10)}"


def _pick_given_names(
    rng: random.Random, sex: str, avoid: list[str]
) -> tuple[tuple[str, ...], int]:
    pool = names.MALE_GIVEN if sex == "M" else names.FEMALE_GIVEN
    while True:
        compound = rng.random() < 0.06
        first = rng.choice(names.COMPOUND_GIVEN[sex] if compound else pool)
        key = _ascii_slug(first)
        # Parents do not give two children names one typo apart (Léa/Léo is left to sex).
        if all(Levenshtein.distance(key, _ascii_slug(other)) > 2 for other in avoid):
            break
    count = rng.choices((1, 2, 3), cum_weights=(0.5, 0.85, 1.0))[0]
    given = [first]
    while len(given) < count:
        extra = rng.choice(pool)
        if extra not in given:
            given.append(extra)
    usual = 1 if count > 1 and rng.random() < 0.05 else 0
    return tuple(given), usual


def _family_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.07:
        return rng.choice(names.PARTICLE_FAMILY)
    first = rng.choice(names.FAMILY_NAMES)
    if roll < 0.12:
        second = rng.choice(names.FAMILY_NAMES)
        if second != first:
            return f"{first}-{second}" if rng.random() < 0.7 else f"{first} {second}"
    return first


def _birth_date(rng: random.Random, reference_date: date) -> date:
    roll = rng.random()
    if roll < 0.015:
        age_days = rng.randrange(14 * 365, 16 * 365 - 10)
    elif roll < 0.03:
        age_days = rng.randrange(30 * 365 + 10, 33 * 365)
    else:
        age_days = rng.randrange(PUBLIC_MIN_AGE * 365 + 5, (PUBLIC_MAX_AGE + 1) * 365 - 5)
    return reference_date - timedelta(days=age_days)


def generate_persons(
    rng: random.Random, n_persons: int, reference_date: date
) -> list[SyntheticPerson]:
    communes, weights = territory_communes()
    cum: list[float] = []
    total = 0.0
    for weight in weights:
        total += weight
        cum.append(total)
    ids = _Identities(rng)
    persons: list[SyntheticPerson] = []
    household_no = 0
    while len(persons) < n_persons:
        household_no += 1
        household_id = f"H{household_no:07d}"
        size = rng.choices((1, 2, 3, 4), cum_weights=(0.78, 0.94, 0.99, 1.0))[0]
        size = min(size, n_persons - len(persons))
        family = _family_name(rng)
        commune = rng.choices(communes, cum_weights=cum)[0]
        street = f"{rng.randrange(1, 120)} {rng.choice(names.STREET_NAMES)}"
        if rng.random() < 0.2:
            street += f", apt {rng.randrange(1, 60)}"
        household_phone = ids.mobile()
        household_email = (
            ids.email("famille", family, reference_date) if rng.random() < 0.06 else None
        )
        taken: list[str] = []
        previous: SyntheticPerson | None = None
        for _ in range(size):
            sex = "M" if rng.random() < 0.5 else "F"
            given, usual = _pick_given_names(rng, sex, taken)
            taken.append(given[0])
            twin = previous is not None and rng.random() < 0.15
            if previous is not None and twin:
                birth = previous.birth_date
            elif previous is not None:
                birth = previous.birth_date - timedelta(days=rng.randrange(330, 6 * 365))
                if (reference_date - birth).days > 33 * 365:
                    birth = previous.birth_date + timedelta(days=rng.randrange(330, 3 * 365))
            else:
                birth = _birth_date(rng, reference_date)
            age = (reference_date - birth).days / 365.25
            usage = None
            if sex == "F" and age >= 21 and rng.random() < 0.18:
                usage = _family_name(rng)
                if usage == family:
                    usage = None
            mobile = ids.mobile() if rng.random() < 0.93 else None
            person = SyntheticPerson(
                person_id=f"P{len(persons) + 1:07d}",
                household_id=household_id,
                sex=sex,
                family_name=family,
                usage_name=usage,
                given_names=given,
                usual_index=usual,
                birth_date=birth,
                ine=ids.ine() if rng.random() < 0.85 else None,
                mobile=mobile,
                old_mobile=ids.mobile() if mobile and rng.random() < 0.25 else None,
                household_phone=household_phone,
                email=ids.email(given[usual], usage or family, birth)
                if rng.random() < 0.88
                else None,
                old_email=None,
                household_email=household_email,
                street=street,
                postal_code=rng.choice(commune.postal_codes),
                commune_insee=commune.insee,
                twin_of=previous.person_id if previous is not None and twin else None,
            )
            if person.email and rng.random() < 0.2:
                person = replace(person, old_email=ids.email(given[usual], family, birth))
            persons.append(person)
            previous = person
    return persons
