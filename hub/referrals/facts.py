"""Gathering what routing reads: facts about the young person and the directory's services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session

from hub.directory import repository as directory
from hub.directory.zones import place_of
from hub.referrals import repository
from hub.referrals.context import RoutingContext
from hub.referrals.routing import Candidate, Facts
from schemas.territory import in_m2a, is_rural, resolve_commune
from schemas.v1.models import Address, Person


def age_on(birth_date: date | None, day: date) -> int | None:
    """Age in full years on ``day``."""
    if birth_date is None:
        return None
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def with_commune(person: Person) -> Person:
    """``person`` with ``address.commune_insee`` filled from the town and postal code when
    the commune resolver is confident; unchanged otherwise."""
    address = person.address
    if address is None or address.commune_insee or not (address.town or address.postal_code):
        return person
    resolution = resolve_commune(address.town, address.postal_code)
    if resolution is None:
        return person
    resolved = Address(**{**address.model_dump(), "commune_insee": resolution.insee})
    return person.model_copy(update={"address": resolved})


def facts_for(
    person: Person,
    *,
    source: str,
    needs: Sequence[str],
    on: date,
    context: RoutingContext,
    known_to_mission_locale: bool | None = None,
) -> Facts:
    insee = person.address.commune_insee if person.address else None
    return Facts(
        source=source,
        age=age_on(person.birth_date, on),
        known_to_mission_locale=known_to_mission_locale,
        lives_in_qpv=person.lives_in_qpv,
        rural=is_rural(insee, context.rurality) if insee else None,
        in_m2a=in_m2a(insee) if insee else None,
        sex=person.sex.value if person.sex else None,
        place=place_of(insee) if insee else None,
        needs=tuple(dict.fromkeys(needs)),
    )


def candidates(session: Session) -> list[Candidate]:
    """Every active service of an enabled organisation, with its open referrals."""
    open_counts = repository.open_counts_by_service(session)
    return [
        Candidate(
            service_id=service.id,
            external_id=service.external_id,
            name=service.name,
            organisation_id=service.organisation_id,
            organisation_kind=str(organisation.kind),
            reseaux_porteurs=tuple(service.reseaux_porteurs),
            thematiques=tuple(service.thematiques),
            publics=tuple(service.publics) if service.publics is not None else None,
            zone=tuple(service.zone_eligibilite) if service.zone_eligibilite else None,
            capacity=service.capacity,
            open_referrals=open_counts.get(service.id, 0),
            response_delay_days=service.response_delay_days,
        )
        for service, organisation in directory.list_with_organisations(session)
    ]
