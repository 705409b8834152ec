"""Directory logic: import data·inclusion-shaped services, list them with filters.

Services take the session first and never commit.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data_inclusion.schema.v1 import Service
from pydantic import ValidationError
from sqlmodel import Session

from hub.directory import repository
from hub.directory.matching import thematique_filter_matches
from hub.directory.models import DirectoryService
from hub.directory.schemas import HubExtension, ServicePublic
from hub.directory.zones import place_of, zone_covers
from hub.errors import UnprocessableError
from hub.models_base import utcnow
from hub.organisations import service as organisations
from hub.organisations.models import Organisation

HUB_KEY = "hub"

# data·inclusion fields kept for display; the named contact person is deliberately dropped.
_DETAIL_FIELDS = (
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune",
    "telephone",
    "courriel",
    "modes_accueil",
    "modes_mobilisation",
    "mobilisable_par",
    "mobilisation_precisions",
    "lien_mobilisation",
    "lien_source",
    "frais",
    "frais_precisions",
    "horaires_accueil",
    "conditions_acces",
    "publics_precisions",
    "longitude",
    "latitude",
)


class InvalidDirectoryFileError(UnprocessableError):
    """The file is not a JSON list of valid services; nothing was imported."""

    code = "invalid-directory-file"
    title = "Invalid directory file"

    def __init__(self, problems: list[str]) -> None:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__(f"{len(problems)} problem(s): {shown}{more}", extra={"problems": problems})
        self.problems = problems


@dataclass(frozen=True)
class ServiceEntry:
    """One service of an import file: the data·inclusion part and the hub's extension."""

    service: Service
    hub: HubExtension


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    organisations_created: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _describe(errors: ValidationError) -> str:
    parts = []
    for error in errors.errors()[:3]:
        location = ".".join(str(p) for p in error.get("loc", ())) or "(service)"
        parts.append(f"{location}: {error.get('msg', 'invalid')}")
    return ", ".join(parts)


def parse_services(data: object) -> list[ServiceEntry]:
    """Validate a decoded JSON document: a list of data·inclusion v1 services, each with an
    optional ``hub`` object (:class:`HubExtension`). Every problem is collected before raising
    :class:`InvalidDirectoryFileError`."""
    if not isinstance(data, list):
        raise InvalidDirectoryFileError(["the file must hold a JSON list of services"])
    problems: list[str] = []
    entries: list[ServiceEntry] = []
    seen: set[str] = set()
    for index, item in enumerate(data, start=1):
        label = f"service #{index}"
        if not isinstance(item, dict):
            problems.append(f"{label}: not a JSON object")
            continue
        if isinstance(item.get("id"), str):
            label += f" ({item['id']})"
        body = {key: value for key, value in item.items() if key != HUB_KEY}
        try:
            service = Service.model_validate(body)
            extension = HubExtension.model_validate(item.get(HUB_KEY) or {})
        except ValidationError as exc:
            problems.append(f"{label}: {_describe(exc)}")
            continue
        if service.id in seen:
            problems.append(f"{label}: identifier listed twice")
            continue
        seen.add(service.id)
        entries.append(ServiceEntry(service, extension))
    if problems:
        raise InvalidDirectoryFileError(problems)
    return entries


def read_services_file(path: Path) -> list[ServiceEntry]:
    """Read and validate an import file (see :func:`parse_services`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InvalidDirectoryFileError([f"cannot read {path}: {exc.strerror or exc}"]) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidDirectoryFileError([f"{path.name} is not valid UTF-8 JSON: {exc}"]) from exc
    return parse_services(data)


def _values(entry: ServiceEntry, organisation_id: uuid.UUID) -> dict[str, Any]:
    service = entry.service
    details = service.model_dump(mode="json", include=set(_DETAIL_FIELDS), exclude_none=True)
    for key, value in details.items():
        if isinstance(value, list):
            details[key] = sorted(value)
    return {
        "source": service.source,
        "structure_id": service.structure_id,
        "organisation_id": organisation_id,
        "name": service.nom,
        "description": service.description,
        "type": service.type.value if service.type else None,
        "thematiques": sorted(t.value for t in service.thematiques or ()),
        "publics": sorted(p.value for p in service.publics) if service.publics else None,
        "zone_eligibilite": list(service.zone_eligibilite) if service.zone_eligibilite else None,
        "reseaux_porteurs": sorted(r.value for r in entry.hub.reseaux_porteurs),
        "commune_insee": service.code_insee,
        "capacity": entry.hub.capacity,
        "response_delay_days": entry.hub.response_delay_days,
        "details": details,
        "updated_on": service.date_maj,
        "active": entry.hub.active,
    }


def import_services(
    session: Session,
    entries: Sequence[ServiceEntry],
    *,
    default_organisation: str | None = None,
) -> ImportSummary:
    """Create or update (by data·inclusion id) every service of ``entries``.

    The receiving organisation is the entry's ``hub.organisation`` or ``default_organisation``;
    it is created when absent. Services absent from ``entries`` are left as they are.
    """
    missing = [e.service.id for e in entries if not (e.hub.organisation or default_organisation)]
    if missing:
        raise InvalidDirectoryFileError(
            [f"service {sid}: no receiving organisation (hub.organisation)" for sid in missing]
        )
    summary = ImportSummary()
    organisations_by_name: dict[str, Organisation] = {}
    for entry in entries:
        name = entry.hub.organisation or default_organisation
        assert name is not None
        organisation = organisations_by_name.get(name)
        if organisation is None:
            organisation, created = organisations.ensure(
                session, name=name, kind=entry.hub.organisation_kind
            )
            organisations_by_name[name] = organisation
            if created:
                summary.organisations_created.append(name)
        values = _values(entry, organisation.id)
        existing = repository.get_by_external_id(session, entry.service.id)
        if existing is None:
            session.add(DirectoryService(external_id=entry.service.id, **values))
            summary.created += 1
            continue
        changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
        if not changed:
            summary.unchanged += 1
            continue
        for key, value in changed.items():
            setattr(existing, key, value)
        existing.updated_at = utcnow()
        session.add(existing)
        summary.updated += 1
    session.flush()
    return summary


@dataclass(frozen=True)
class ServiceFilters:
    thematiques: tuple[str, ...] = ()
    """Each wanted thématique or category must be offered."""
    public: str | None = None
    commune: str | None = None
    organisation_id: uuid.UUID | None = None
    reseau: str | None = None
    include_inactive: bool = False


def to_public(service: DirectoryService, organisation: Organisation) -> ServicePublic:
    return ServicePublic(
        id=service.id,
        external_id=service.external_id,
        source=service.source,
        structure_id=service.structure_id,
        organisation_id=service.organisation_id,
        organisation_name=organisation.name,
        name=service.name,
        description=service.description,
        type=service.type,
        thematiques=list(service.thematiques),
        publics=list(service.publics) if service.publics is not None else None,
        zone_eligibilite=(
            list(service.zone_eligibilite) if service.zone_eligibilite is not None else None
        ),
        reseaux_porteurs=list(service.reseaux_porteurs),
        commune_insee=service.commune_insee,
        capacity=service.capacity,
        response_delay_days=service.response_delay_days,
        details=dict(service.details),
        updated_on=service.updated_on,
        active=service.active,
    )


def _matches(service: DirectoryService, filters: ServiceFilters) -> bool:
    if not all(thematique_filter_matches(service.thematiques, t) for t in filters.thematiques):
        return False
    if (
        filters.public is not None
        and service.publics is not None
        and not {filters.public, "tous-publics"} & set(service.publics)
    ):
        return False
    if filters.reseau is not None and filters.reseau not in service.reseaux_porteurs:
        return False
    return filters.commune is None or zone_covers(
        service.zone_eligibilite, place_of(filters.commune)
    )


def search(
    session: Session, filters: ServiceFilters, *, limit: int, offset: int
) -> tuple[list[ServicePublic], int]:
    """Services matching ``filters`` (a page of them, and how many match in all)."""
    rows = repository.list_with_organisations(
        session,
        active_only=not filters.include_inactive,
        organisation_id=filters.organisation_id,
    )
    matching = [(s, o) for s, o in rows if _matches(s, filters)]
    page = matching[offset : offset + limit]
    return [to_public(s, o) for s, o in page], len(matching)


DEMO_SERVICES_FILE = Path(__file__).with_name("demo_services.json")
"""Synthetic services of the demo (``hub serve --demo``)."""


def seed_demo_directory(session: Session) -> str:
    """Load the demo services (idempotent); a one-line note for the demo summary."""
    summary = import_services(session, read_services_file(DEMO_SERVICES_FILE))
    return (
        f"Demo directory: {summary.created} service(s) created, "
        f"{summary.updated + summary.unchanged} already present."
    )
