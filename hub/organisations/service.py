"""Organisation logic. Services take the session first and never commit."""

from __future__ import annotations

from sqlmodel import Session

from hub.errors import ConflictError, UnprocessableError
from hub.organisations import repository
from hub.organisations.models import Organisation, OrganisationKind


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
