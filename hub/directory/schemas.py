"""Directory shapes: the import file format and the API responses."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from data_inclusion.schema.v1 import ReseauPorteur
from pydantic import BaseModel, ConfigDict, Field

from hub.directory.models import DEFAULT_RESPONSE_DELAY_DAYS
from hub.organisations.models import OrganisationKind


class HubExtension(BaseModel):
    """The ``hub`` object of a service in an import file: what data·inclusion does not say.

    Every other key of the service is a data·inclusion v1 ``Service`` field.
    """

    model_config = ConfigDict(extra="forbid")

    organisation: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Name of the hub organisation receiving the referrals for this service "
        "(created if absent, with `organisation_kind`). Defaults to the import's "
        "`--organisation`.",
    )
    organisation_kind: OrganisationKind = Field(
        default=OrganisationKind.PARTNER,
        description="Kind of the organisation when the import creates it.",
    )
    reseaux_porteurs: list[ReseauPorteur] = Field(
        default_factory=list,
        description="data·inclusion networks of the structure (`mission-locale`, "
        "`france-travail`...): routing rules may target a network.",
    )
    capacity: int | None = Field(
        default=None,
        ge=0,
        description="How many open referrals the service can hold at once; empty: no limit.",
    )
    response_delay_days: int = Field(
        default=DEFAULT_RESPONSE_DELAY_DAYS,
        ge=1,
        le=365,
        description="Guaranteed response delay in days: a referral still `requested` after it "
        "is overdue.",
    )
    active: bool = Field(default=True, description="Inactive services are never routed to.")


class ServicePublic(BaseModel):
    """A service of the directory."""

    id: uuid.UUID
    external_id: str = Field(description="data·inclusion identifier of the service.")
    source: str
    structure_id: str
    organisation_id: uuid.UUID
    organisation_name: str
    name: str
    description: str
    type: str | None
    thematiques: list[str]
    publics: list[str] | None
    zone_eligibilite: list[str] | None
    reseaux_porteurs: list[str]
    commune_insee: str | None
    capacity: int | None
    response_delay_days: int
    details: dict[str, Any] = Field(
        description="Other data·inclusion fields: address, contact, modes d'accueil..."
    )
    updated_on: date
    active: bool


class ServicePage(BaseModel):
    items: list[ServicePublic]
    total: int = Field(description="Number of services matching the filters.")
    limit: int
    offset: int
