"""Wrapped data keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, String
from sqlmodel import Field, SQLModel

from hub.models_base import UTCDateTime, utcnow


class DataKey(SQLModel, table=True):
    """A data-encryption key, wrapped (AES-GCM) by the key-encryption key."""

    __tablename__ = "data_key"

    kid: str = Field(sa_column=Column(String(32), primary_key=True))
    wrapped_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    kek_id: str = Field(sa_column=Column(String(32), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    retired_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
