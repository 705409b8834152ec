"""Queries on organisations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import Session, select

from hub.organisations.models import Organisation


def get(session: Session, organisation_id: uuid.UUID) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def get_by_name(session: Session, name: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.name == name)).first()


def list_all(session: Session) -> Sequence[Organisation]:
    return session.exec(select(Organisation).order_by(Organisation.name)).all()
