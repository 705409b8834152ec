"""Queries on the directory."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import Session, col, select

from hub.directory.models import DirectoryService
from hub.organisations.models import Organisation


def get(session: Session, service_id: uuid.UUID) -> DirectoryService | None:
    return session.get(DirectoryService, service_id)


def get_by_external_id(session: Session, external_id: str) -> DirectoryService | None:
    return session.exec(
        select(DirectoryService).where(DirectoryService.external_id == external_id)
    ).first()


def list_with_organisations(
    session: Session,
    *,
    active_only: bool = True,
    organisation_id: uuid.UUID | None = None,
) -> Sequence[tuple[DirectoryService, Organisation]]:
    """Services with their organisation, by name then id (stable paging)."""
    query = select(DirectoryService, Organisation).join(
        Organisation, col(Organisation.id) == col(DirectoryService.organisation_id)
    )
    if active_only:
        query = query.where(
            col(DirectoryService.active).is_(True), col(Organisation.disabled).is_(False)
        )
    if organisation_id is not None:
        query = query.where(DirectoryService.organisation_id == organisation_id)
    query = query.order_by(col(DirectoryService.name), col(DirectoryService.id))
    return session.exec(query).all()


def by_ids(session: Session, service_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, DirectoryService]:
    if not service_ids:
        return {}
    rows = session.exec(
        select(DirectoryService).where(col(DirectoryService.id).in_(list(service_ids)))
    ).all()
    return {row.id: row for row in rows}
