"""Organisation tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from hub.models_base import UTCDateTime, new_id, utcnow


class OrganisationKind(StrEnum):
    MISSION_LOCALE = "mission_locale"
    PARTNER = "partner"
    OUTREACH = "outreach"
    PSAD = "psad"
    DPO = "dpo"


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    kind: OrganisationKind = Field(sa_column=Column(String(32), nullable=False, index=True))
    disabled: bool = Field(default=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
