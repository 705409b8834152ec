"""Organisation tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String, Text
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


class ApiClient(SQLModel, table=True):
    """A partner system allowed to obtain tokens for its organisation.

    It authenticates either with a secret (stored only as a salted scrypt hash) or, when it
    registered public keys (``jwks``), with signed assertions (``private_key_jwt``)."""

    __tablename__ = "api_client"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    client_id: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    scopes: str = Field(sa_column=Column(String(500), nullable=False))
    secret_hash: str | None = Field(default=None, sa_column=Column(String(255)))
    jwks: str | None = Field(default=None, sa_column=Column(Text))
    disabled: bool = Field(default=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    secret_rotated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


def auth_method(client: ApiClient) -> str:
    """The token endpoint authentication method a client must use."""
    return "private_key_jwt" if client.jwks is not None else "client_secret_basic"
