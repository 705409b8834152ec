"""Authorisation logic on stored state. Services take the session first and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from hub.auth import repository
from hub.auth.models import ClientAssertion, RevokedToken
from hub.auth.scopes import ADMIN
from hub.auth.tokens import AccessToken
from hub.models_base import utcnow
from hub.organisations import repository as organisations


@dataclass(frozen=True)
class LiveToken:
    """A verified token that is still honoured: not revoked, client and organisation enabled."""

    token: AccessToken
    #: The token's scopes still held by the client (a scope removed since is not honoured).
    scopes: frozenset[str]


class TokenNotLiveError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_live(session: Session, token: AccessToken) -> LiveToken:
    """Refuse revoked tokens and those of disabled clients or organisations, at once."""
    if repository.get_revoked(session, token.jti) is not None:
        raise TokenNotLiveError("the token has been revoked")
    found = organisations.get_client_with_organisation(session, token.client_id)
    if found is None:
        raise TokenNotLiveError("the token's client no longer exists")
    client, organisation = found
    if client.disabled:
        raise TokenNotLiveError("the token's client is disabled")
    if organisation.disabled or organisation.id != token.organisation_id:
        raise TokenNotLiveError("the token's organisation is disabled")
    held = frozenset(client.scopes.split())
    scopes = token.scopes if ADMIN in held else token.scopes & held
    return LiveToken(token=token, scopes=scopes)


def is_revoked(session: Session, jti: str) -> bool:
    return repository.get_revoked(session, jti) is not None


def revoke(session: Session, token: AccessToken) -> bool:
    """Record ``token`` as revoked until it expires; False if it already was."""
    now = utcnow()
    repository.delete_revoked_expired(session, now)
    if repository.get_revoked(session, token.jti) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                RevokedToken(
                    jti=token.jti,
                    client_id=token.client_id,
                    expires_at=token.expires_at,
                    revoked_at=now,
                )
            )
    except IntegrityError:
        return False  # revoked concurrently: the outcome is the same
    return True


def record_assertion(session: Session, *, client_id: str, jti: str, expires_at: datetime) -> bool:
    """Remember a client assertion's ``jti`` until ``expires_at`` (its ``exp`` plus the clock
    leeway, after which the assertion itself is refused); False if it was seen before.

    A savepoint keeps a concurrent duplicate (unique key violation) from spoiling the
    request's transaction."""
    now = utcnow()
    repository.delete_assertions_expired(session, now)
    if repository.get_assertion(session, client_id, jti) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ClientAssertion(client_id=client_id, jti=jti, expires_at=expires_at))
    except IntegrityError:
        return False
    return True
