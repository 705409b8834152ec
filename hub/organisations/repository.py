"""Queries on organisations and their API clients."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import Session, col, select

from hub.organisations.models import ApiClient, Organisation


def get(session: Session, organisation_id: uuid.UUID) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def get_by_name(session: Session, name: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.name == name)).first()


def list_all(session: Session) -> Sequence[Organisation]:
    return session.exec(select(Organisation).order_by(Organisation.name)).all()


def get_client(session: Session, client_id: str) -> ApiClient | None:
    return session.exec(select(ApiClient).where(ApiClient.client_id == client_id)).first()


def get_client_with_organisation(
    session: Session, client_id: str
) -> tuple[ApiClient, Organisation] | None:
    row = session.exec(
        select(ApiClient, Organisation)
        .join(Organisation, col(Organisation.id) == col(ApiClient.organisation_id))
        .where(ApiClient.client_id == client_id)
    ).first()
    return (row[0], row[1]) if row is not None else None


def list_clients(session: Session, organisation_id: uuid.UUID | None = None) -> Sequence[ApiClient]:
    query = select(ApiClient)
    if organisation_id is not None:
        query = query.where(ApiClient.organisation_id == organisation_id)
    return session.exec(query.order_by(col(ApiClient.created_at), col(ApiClient.client_id))).all()


def get_client_by_name(session: Session, organisation_id: uuid.UUID, name: str) -> ApiClient | None:
    return session.exec(
        select(ApiClient)
        .where(ApiClient.organisation_id == organisation_id)
        .where(ApiClient.name == name)
        .order_by(col(ApiClient.created_at))
    ).first()
