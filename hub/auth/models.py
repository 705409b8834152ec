"""Authorisation server state: signing keys, revoked tokens, client assertions seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, String, Text
from sqlmodel import Field, SQLModel

from hub.crypto.registry import EncryptedTable, register_encrypted
from hub.models_base import UTCDateTime, utcnow


class SigningKey(SQLModel, table=True):
    """A key the hub signs access tokens with. The private half is encrypted at rest
    (``hub.crypto``); the public half is published in the JWKS while tokens it signed may
    still be valid."""

    __tablename__ = "signing_key"

    kid: str = Field(sa_column=Column(String(64), primary_key=True))
    alg: str = Field(sa_column=Column(String(16), nullable=False))
    public_jwk: str = Field(sa_column=Column(Text, nullable=False))
    private_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    retired_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


register_encrypted(EncryptedTable(table="signing_key", key_column="kid", columns=("private_key",)))


class RevokedToken(SQLModel, table=True):
    """An access token revoked before its expiry (RFC 7009); kept until it would expire."""

    __tablename__ = "revoked_token"

    jti: str = Field(sa_column=Column(String(128), primary_key=True))
    client_id: str = Field(sa_column=Column(String(64), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    revoked_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ClientAssertion(SQLModel, table=True):
    """A ``private_key_jwt`` assertion already used: its ``jti`` is never accepted twice.
    Kept until the assertion expires."""

    __tablename__ = "client_assertion"

    client_id: str = Field(sa_column=Column(String(64), primary_key=True))
    jti: str = Field(sa_column=Column(String(255), primary_key=True))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
