"""Organisations and their API clients. Services take the session first and never commit."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from hub.auth.client_keys import InvalidClientKeysError, validate_public_jwks
from hub.auth.client_secrets import generate_secret, hash_secret
from hub.auth.scopes import UnknownScopeError, format_scopes, parse_scopes
from hub.errors import ConflictError, NotFoundError, UnprocessableError
from hub.models_base import utcnow
from hub.organisations import repository
from hub.organisations.models import ApiClient, Organisation, OrganisationKind


def create(session: Session, *, name: str, kind: OrganisationKind) -> Organisation:
    name = name.strip()
    if not name:
        raise UnprocessableError("an organisation needs a name")
    if repository.get_by_name(session, name) is not None:
        raise ConflictError(f"an organisation named {name!r} already exists")
    organisation = Organisation(name=name, kind=kind)
    session.add(organisation)
    session.flush()
    return organisation


def ensure(session: Session, *, name: str, kind: OrganisationKind) -> tuple[Organisation, bool]:
    """The organisation called ``name``, created if absent; the flag says whether it was."""
    existing = repository.get_by_name(session, name)
    if existing is not None:
        return existing, False
    return create(session, name=name, kind=kind), True


def get_or_raise(session: Session, organisation_id: uuid.UUID) -> Organisation:
    organisation = repository.get(session, organisation_id)
    if organisation is None:
        raise NotFoundError(f"no organisation {organisation_id}")
    return organisation


def list_organisations(session: Session) -> Sequence[Organisation]:
    return repository.list_all(session)


def disable(session: Session, organisation_id: uuid.UUID) -> Organisation:
    """Disable an organisation: its clients get no new token and their tokens stop working."""
    organisation = get_or_raise(session, organisation_id)
    organisation.disabled = True
    session.add(organisation)
    session.flush()
    return organisation


# -- API clients ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedClient:
    """A client as just created (or re-keyed): the secret exists only here, never stored."""

    client: ApiClient
    client_secret: str | None


def _new_client_id() -> str:
    return "hub-" + secrets.token_hex(12)


def create_client(
    session: Session,
    *,
    organisation_id: uuid.UUID,
    scopes: str | Iterable[str],
    name: str | None = None,
    jwks: dict[str, Any] | None = None,
    credentials: tuple[str, str] | None = None,
) -> IssuedClient:
    """Register a client for an organisation.

    With ``jwks`` (public keys) the client authenticates by ``private_key_jwt`` and gets no
    secret; otherwise a secret is generated, returned once and stored hashed.
    ``credentials`` (client id, secret) are for the local demo only: they restore
    credentials kept in the demo file instead of generating new ones."""
    organisation = get_or_raise(session, organisation_id)
    if organisation.disabled:
        raise ConflictError(f"organisation {organisation_id} is disabled")
    try:
        granted = parse_scopes(scopes)
    except UnknownScopeError as exc:
        raise UnprocessableError(str(exc)) from exc
    if not granted:
        raise UnprocessableError("a client needs at least one scope")
    jwks_json = None
    if jwks is not None:
        try:
            jwks_json = validate_public_jwks(jwks)
        except InvalidClientKeysError as exc:
            raise UnprocessableError(str(exc)) from exc
    client_id, generated = credentials or (_new_client_id(), generate_secret())
    secret = None if jwks_json is not None else generated
    if repository.get_client(session, client_id) is not None:
        raise ConflictError(f"a client {client_id!r} already exists")
    client = ApiClient(
        client_id=client_id,
        organisation_id=organisation.id,
        name=(name or "").strip() or f"{organisation.name} client",
        scopes=format_scopes(granted),
        secret_hash=hash_secret(secret) if secret is not None else None,
        jwks=jwks_json,
    )
    session.add(client)
    session.flush()
    return IssuedClient(client=client, client_secret=secret)


def get_client_or_raise(session: Session, client_id: str) -> ApiClient:
    client = repository.get_client(session, client_id)
    if client is None:
        raise NotFoundError(f"no client {client_id!r}")
    return client


def list_clients(session: Session, organisation_id: uuid.UUID | None = None) -> Sequence[ApiClient]:
    return repository.list_clients(session, organisation_id)


def disable_client(session: Session, client_id: str) -> ApiClient:
    """Disable a client: no new token, and its current tokens are refused at once."""
    client = get_client_or_raise(session, client_id)
    client.disabled = True
    session.add(client)
    session.flush()
    return client


def rotate_client_secret(
    session: Session, client_id: str, *, secret: str | None = None
) -> IssuedClient:
    """Replace a client's secret; the old one stops working when the session commits.
    (``secret`` is for the local demo only, which restores the one kept in its file.)"""
    client = get_client_or_raise(session, client_id)
    if client.jwks is not None:
        raise ConflictError(
            f"client {client_id!r} authenticates with keys (private_key_jwt); it has no secret"
        )
    secret = secret or generate_secret()
    client.secret_hash = hash_secret(secret)
    client.secret_rotated_at = utcnow()
    session.add(client)
    session.flush()
    return IssuedClient(client=client, client_secret=secret)
