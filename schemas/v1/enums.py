"""Closed vocabularies of the v1 contract."""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    """Sex as recorded by the sources (``M`` / ``F``)."""

    MALE = "M"
    FEMALE = "F"


class RecordFlag(StrEnum):
    """Facts about a record that do not make it unusable but that users must see."""

    OUT_OF_PUBLIC_AGE = "out_of_public_age"
    """The person is outside the programme's public (16-29) on the record's date."""
    COMMUNE_UNRESOLVED = "commune_unresolved"
    """The town could not be resolved to an INSEE code."""
    OUTSIDE_M2A = "outside_m2a"
    """The commune is outside Mulhouse Alsace Agglomération."""
    INE_INVALID = "ine_invalid"
    """An INE was given but does not have one of the three valid shapes; it was dropped."""
    BIRTH_DATE_UNREADABLE = "birth_date_unreadable"
    """A birth date was given but could not be read; it was dropped."""
    PHONE_INVALID = "phone_invalid"
    """A phone number was given but is not a valid French number; it was dropped."""
    EMAIL_INVALID = "email_invalid"
    """An e-mail address was given but is not well formed; it was dropped."""
    FORMULA_NEUTRALISED = "formula_neutralised"
    """A cell started like a spreadsheet formula; it was kept as inert text."""


class Dispositif(StrEnum):
    """Mission Locale programmes a young person may be enrolled in."""

    PACEA = "PACEA"
    GARANTIE_JEUNES = "GJ"
    CEJ = "CEJ"
