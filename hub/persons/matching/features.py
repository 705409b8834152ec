"""Feature records: what matching needs of a source record, in matching form.

Built from a ``schemas.v1.Person`` (or its JSON form, as stored encrypted) once per record;
comparison and blocking then only read precomputed strings.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from hub.persons.matching.text import core_tokens, fold, nickname_groups, phonetic
from schemas.v1 import Person


@dataclass(frozen=True, slots=True)
class NameForm:
    """One name (a family name or one given name) in every matching form."""

    folded: str
    """Folded words: ``"el amrani"``."""
    joined: str
    """Words glued: ``"elamrani"`` (hyphen, space and glued variants compare equal)."""
    core: str
    """Without particles, glued: ``"amrani"``."""
    tokens: frozenset[str]
    """Words without particles: compound names partly dropped still overlap."""
    phonetic: str
    """Phonetic code of ``core``."""
    nicknames: frozenset[int]


@lru_cache(maxsize=262_144)
def name_form(folded: str) -> NameForm:
    tokens = core_tokens(folded)
    joined = folded.replace(" ", "")
    core = "".join(tokens)
    return NameForm(
        folded=folded,
        joined=joined,
        core=core,
        tokens=frozenset(tokens),
        phonetic=phonetic(core),
        nicknames=nickname_groups(joined),
    )


@dataclass(frozen=True, slots=True)
class Reading:
    """One way to read a record's name fields: family names and given names.

    The first reading of a record is the fields as the source filled them; the others are
    alternatives for names typed swapped or both in one field.
    """

    family: tuple[NameForm, ...]
    given: tuple[NameForm, ...]
    alternative: bool


@dataclass(frozen=True, slots=True)
class FeatureRecord:
    """A source record as matching sees it. ``key`` identifies the record to the caller."""

    key: Hashable
    readings: tuple[Reading, ...]
    sex: str | None
    birth_date: date | None
    ine: str | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    commune: str | None
    postal_code: str | None

    @property
    def name_tokens(self) -> tuple[str, ...]:
        """Every name word of the first reading (family and given, particles dropped)."""
        first = self.readings[0]
        seen: dict[str, None] = {}
        for form in (*first.family, *first.given):
            for token in sorted(form.tokens):
                seen.setdefault(token, None)
        return tuple(seen)

    @property
    def has_name(self) -> bool:
        first = self.readings[0]
        return bool(first.family or first.given)


def _forms(values: Iterable[str | None]) -> tuple[NameForm, ...]:
    forms: dict[str, NameForm] = {}
    for value in values:
        if not value:
            continue
        folded = fold(value)
        if folded and folded not in forms:
            forms[folded] = name_form(folded)
    return tuple(forms.values())


def _readings(family: tuple[NameForm, ...], given: tuple[NameForm, ...]) -> tuple[Reading, ...]:
    readings = [Reading(family=family, given=given, alternative=False)]
    if family and given:
        # Swapped: the family name typed as first name and the reverse.
        readings.append(Reading(family=given[:1], given=family[:1], alternative=True))
    elif family or given:
        # Both names in one field: every split of its words, in both orders.
        words = [w for form in (family or given) for w in form.folded.split()]
        if 2 <= len(words) <= 5:
            for cut in range(1, len(words)):
                head, tail = " ".join(words[:cut]), " ".join(words[cut:])
                readings.append(
                    Reading(family=(name_form(head),), given=(name_form(tail),), alternative=True)
                )
                readings.append(
                    Reading(family=(name_form(tail),), given=(name_form(head),), alternative=True)
                )
    return tuple(readings)


def build_features(
    key: Hashable,
    *,
    family_name: str | None,
    usage_name: str | None,
    given_names: Iterable[str],
    sex: str | None = None,
    birth_date: date | None = None,
    ine: str | None = None,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    commune: str | None = None,
    postal_code: str | None = None,
) -> FeatureRecord:
    family = _forms((family_name, usage_name))
    given = _forms(given_names)
    return FeatureRecord(
        key=key,
        readings=_readings(family, given),
        sex=sex or None,
        birth_date=birth_date,
        ine=(ine or "").replace(" ", "").upper() or None,
        phones=tuple(dict.fromkeys(p for p in phones if p)),
        emails=tuple(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip())),
        commune=commune or None,
        postal_code=postal_code or None,
    )


def features_from_person(key: Hashable, person: Person) -> FeatureRecord:
    """Features of a ``schemas.v1.Person``."""
    address = person.address
    return build_features(
        key,
        family_name=person.family_name,
        usage_name=person.usage_name,
        given_names=person.given_names,
        sex=person.sex.value if person.sex else None,
        birth_date=person.birth_date,
        ine=person.ine,
        phones=person.phones,
        emails=person.emails,
        commune=address.commune_insee if address else None,
        postal_code=address.postal_code if address else None,
    )


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def features_from_json(key: Hashable, data: Mapping[str, Any]) -> FeatureRecord:
    """Features of a person in its JSON form (``Person.model_dump(mode="json")``), without
    validating it again: this is how stored records are read back, many at a time."""
    address = data.get("address") or {}
    return build_features(
        key,
        family_name=data.get("family_name"),
        usage_name=data.get("usage_name"),
        given_names=data.get("given_names") or (),
        sex=data.get("sex"),
        birth_date=_as_date(data.get("birth_date")),
        ine=data.get("ine"),
        phones=data.get("phones") or (),
        emails=data.get("emails") or (),
        commune=address.get("commune_insee"),
        postal_code=address.get("postal_code"),
    )
