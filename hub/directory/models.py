"""Directory tables (persistence only)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from hub.models_base import UTCDateTime, new_id, utcnow

DEFAULT_RESPONSE_DELAY_DAYS = 14
"""The Boussole des jeunes promise: an answer within at most 14 days."""


class DirectoryService(SQLModel, table=True):
    """A service published by an organisation, as described by data·inclusion v1.

    Lists (thématiques, publics, zone, réseaux) are small JSON arrays: the directory of one
    territory holds hundreds of services, and filtering happens in Python (see repository).
    No personal data here: a service's contact is a professional, published one.
    """

    __tablename__ = "directory_service"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    external_id: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    source: str = Field(sa_column=Column(String(100), nullable=False))
    structure_id: str = Field(sa_column=Column(String(200), nullable=False))
    organisation_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("organisation.id"), nullable=False, index=True)
    )
    name: str = Field(sa_column=Column(String(150), nullable=False))
    description: str = Field(sa_column=Column(Text, nullable=False))
    type: str | None = Field(default=None, sa_column=Column(String(32)))
    thematiques: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    publics: list[str] | None = Field(default=None, sa_column=Column(JSON))
    zone_eligibilite: list[str] | None = Field(default=None, sa_column=Column(JSON))
    reseaux_porteurs: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    commune_insee: str | None = Field(default=None, sa_column=Column(String(5)))
    capacity: int | None = Field(default=None, sa_column=Column(Integer))
    response_delay_days: int = Field(
        default=DEFAULT_RESPONSE_DELAY_DAYS, sa_column=Column(Integer, nullable=False)
    )
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_on: date = Field(sa_column=Column(Date, nullable=False))
    active: bool = Field(default=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
