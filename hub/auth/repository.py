"""Queries on signing keys, revoked tokens and client assertions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from hub.auth.models import ClientAssertion, RevokedToken, SigningKey


def current_signing_key(session: Session) -> SigningKey | None:
    """The newest key not retired: the one new tokens are signed with."""
    return session.exec(
        select(SigningKey)
        .where(col(SigningKey.retired_at).is_(None))
        .order_by(col(SigningKey.created_at).desc(), col(SigningKey.kid))
    ).first()


def active_signing_keys(session: Session) -> Sequence[SigningKey]:
    return session.exec(select(SigningKey).where(col(SigningKey.retired_at).is_(None))).all()


def published_signing_keys(session: Session, retired_after: datetime) -> Sequence[SigningKey]:
    """Keys whose tokens may still be valid: active ones and those retired after the cut-off."""
    return session.exec(
        select(SigningKey)
        .where(
            or_(
                col(SigningKey.retired_at).is_(None),
                col(SigningKey.retired_at) > retired_after,
            )
        )
        .order_by(col(SigningKey.created_at).desc())
    ).all()


def all_signing_keys(session: Session) -> Sequence[SigningKey]:
    return session.exec(select(SigningKey).order_by(col(SigningKey.created_at))).all()


def delete_signing_keys_retired_before(session: Session, cutoff: datetime) -> int:
    result = session.execute(
        delete(SigningKey).where(
            col(SigningKey.retired_at).is_not(None), col(SigningKey.retired_at) <= cutoff
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def get_revoked(session: Session, jti: str) -> RevokedToken | None:
    return session.get(RevokedToken, jti)


def delete_revoked_expired(session: Session, now: datetime) -> int:
    result = session.execute(delete(RevokedToken).where(col(RevokedToken.expires_at) < now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def get_assertion(session: Session, client_id: str, jti: str) -> ClientAssertion | None:
    return session.get(ClientAssertion, (client_id, jti))


def delete_assertions_expired(session: Session, now: datetime) -> int:
    result = session.execute(delete(ClientAssertion).where(col(ClientAssertion.expires_at) < now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
