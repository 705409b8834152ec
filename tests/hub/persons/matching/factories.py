from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from hub.persons.matching import FeatureRecord, build_features


def rec(
    key: str,
    family: str | None = "Martin",
    given: Sequence[str] = ("Lucas",),
    *,
    usage: str | None = None,
    birth: date | None = date(2005, 3, 14),
    sex: str | None = None,
    ine: str | None = None,
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    commune: str | None = "68224",
) -> FeatureRecord:
    return build_features(
        key,
        family_name=family,
        usage_name=usage,
        given_names=given,
        sex=sex,
        birth_date=birth,
        ine=ine,
        phones=phones,
        emails=emails,
        commune=commune,
    )
