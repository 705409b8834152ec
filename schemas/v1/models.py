"""The shared schema, version 1: a young person as the sources describe them.

A connector emits :class:`SourceRecord` objects; the hub persists them, links them to
persons and routes them. Field values are *as the source wrote them* where they are for
display (names), and normalised where they are identifiers (INE, INSEE code, E.164 phone,
lower-case e-mail). Derived matching keys are not part of the contract.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from data_inclusion.schema.v1 import Categorie, Thematique
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from schemas.v1.enums import Dispositif, RecordFlag, Sex
from schemas.v1.validators import (
    E164_PATTERN,
    EMAIL_PATTERN,
    INE_PATTERN,
    INSEE_PATTERN,
    POSTAL_CODE_PATTERN,
    SLUG_PATTERN,
)

SCHEMA_VERSION = "1.0.0"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Ine = Annotated[str, StringConstraints(pattern=INE_PATTERN)]
InseeCode = Annotated[str, StringConstraints(pattern=INSEE_PATTERN)]
PostalCode = Annotated[str, StringConstraints(pattern=POSTAL_CODE_PATTERN)]
PhoneE164 = Annotated[str, StringConstraints(pattern=E164_PATTERN)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=EMAIL_PATTERN),
]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]


# A source often knows only the broad theme ("logement"): categories are accepted too.
_THEMATIQUES = sorted([c.value for c in Categorie] + [t.value for t in Thematique])
_KNOWN_THEMATIQUES = frozenset(_THEMATIQUES)


def _check_thematique(value: str) -> str:
    if value not in _KNOWN_THEMATIQUES:
        raise ValueError(f"unknown data·inclusion thématique {value!r}")
    return value


ThematiqueCode = Annotated[
    str,
    AfterValidator(_check_thematique),
    WithJsonSchema({"type": "string", "enum": _THEMATIQUES}),
]
"""A data·inclusion v1 thématique (``logement-hebergement--etre-accompagne-pour-se-loger``)
or one of its 16 categories (``logement-hebergement``)."""


def _check_birth_date(value: date) -> date:
    # A birth date before 1900 or in the future is an impossible value, never a person.
    if value.year < 1900 or value > date.today():  # noqa: DTZ011 - a calendar date, not an instant
        raise ValueError("birth date is outside any plausible range")
    return value


BirthDate = Annotated[date, AfterValidator(_check_birth_date)]


class _Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Address(_Contract):
    """Postal address of the young person; the commune code decides territory questions."""

    street: LongText | None = Field(default=None, description="Street line(s) as written.")
    postal_code: PostalCode | None = Field(default=None, description="Five-digit postal code.")
    town: Text | None = Field(default=None, description="Town as written by the source.")
    commune_insee: InseeCode | None = Field(
        default=None,
        description="Current (2021 geography) INSEE code of the commune, resolved by the hub's "
        "commune resolver. Territory membership (m2A) is decided on this code only.",
    )


class Person(_Contract):
    """A young person as one source describes them. Every field is optional: sources are partial."""

    family_name: Text | None = Field(default=None, description="Birth family name, as written.")
    usage_name: Text | None = Field(
        default=None, description="Usage name (e.g. married name), as written."
    )
    given_names: list[Text] = Field(
        default_factory=list,
        description="Given names as written, usual one first when the source says which.",
        max_length=10,
    )
    sex: Sex | None = None
    birth_date: BirthDate | None = None
    ine: Ine | None = Field(
        default=None,
        description="Identifiant national élève: 9 digits + 2 letters, 10 digits + 1 letter, "
        "or 4 digits + 'A' + 5 digits + 1 letter (apprentices).",
    )
    phones: list[PhoneE164] = Field(default_factory=list, max_length=5)
    emails: list[Email] = Field(default_factory=list, max_length=5)
    address: Address | None = None
    lives_in_qpv: bool | None = Field(
        default=None,
        description="Declared or established residence in a quartier prioritaire de la ville.",
    )

    def has_identity(self) -> bool:
        """True when something identifies a person: a name, an INE, a phone or an e-mail."""
        return bool(
            self.family_name
            or self.usage_name
            or self.given_names
            or self.ine
            or self.phones
            or self.emails
        )


class FollowUp(_Contract):
    """What the source says about the young person's follow-up by institutions."""

    known_to_mission_locale: bool | None = Field(
        default=None, description="A Mission Locale already follows (or followed) the person."
    )
    dispositif: Dispositif | None = None
    last_contact_on: date | None = None
    last_school: Text | None = None
    last_training: Text | None = None
    left_school_on: date | None = None
    campaign: Text | None = None


class SourceRecord(_Contract):
    """One row of one source, normalised. Keyed by ``(source, source_record_id)``."""

    schema_version: str = Field(default=SCHEMA_VERSION, description="Contract version.")
    source: Slug = Field(description="Name of the connector that read the record.")
    source_record_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        description="Identifier of the record in its source (stable across re-exports)."
    )
    received_at: datetime = Field(description="When the hub received the record (UTC).")
    recorded_on: date | None = Field(
        default=None, description="Date the source attached to the record (request, campaign)."
    )
    person: Person
    needs: list[ThematiqueCode] = Field(
        default_factory=list, description="Needs, as data·inclusion v1 thématiques."
    )
    follow_up: FollowUp = Field(default_factory=FollowUp)
    flags: list[RecordFlag] = Field(default_factory=list)
    attributes: dict[str, str] = Field(
        default_factory=dict,
        description="Raw source columns as read, including those the mapping does not use.",
    )
