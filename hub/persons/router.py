"""``/v1/persons``: a person's source records with link evidence, and manual corrections.

Persons aggregate every source, so reading and correcting them needs ``gdpr:admin`` (the
coordinator and the data protection officer); every read and correction is audited.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from consent.audit import Actor
from hub.auth.dependencies import Caller, require_scopes
from hub.dependencies import CryptoDep, SessionDep
from hub.persons import service
from hub.persons.schemas import DetachRequest, MergeRequest, PersonOut

router = APIRouter(prefix="/v1/persons", tags=["persons"])

PersonsAdmin = Annotated[Caller, Depends(require_scopes("gdpr:admin"))]


def _actor(caller: Caller) -> Actor:
    return Actor(client_id=caller.client_id, organisation_id=caller.organisation_id)


@router.get("/{person_id}", response_model=PersonOut)
def get_person(
    person_id: uuid.UUID, session: SessionDep, crypto: CryptoDep, caller: PersonsAdmin
) -> PersonOut:
    """A person: their source records (decrypted) and, for each, the evidence of its link."""
    return service.get_person_or_raise(session, crypto, person_id, reader=_actor(caller))


@router.post("/{person_id}/merge", response_model=PersonOut)
def merge_person(
    person_id: uuid.UUID,
    body: MergeRequest,
    session: SessionDep,
    crypto: CryptoDep,
    caller: PersonsAdmin,
) -> PersonOut:
    """Merge ``other_person_id`` into this person. The correction survives later imports and
    re-linking; the other person answers with status ``merged`` and ``merged_into_id``."""
    kept = service.merge_persons(session, person_id, body.other_person_id, actor=_actor(caller))
    return service.get_person_or_raise(session, crypto, kept.id, reader=_actor(caller))


@router.post("/{person_id}/detach", response_model=PersonOut, status_code=status.HTTP_201_CREATED)
def detach_record(
    person_id: uuid.UUID,
    body: DetachRequest,
    session: SessionDep,
    crypto: CryptoDep,
    caller: PersonsAdmin,
) -> PersonOut:
    """Move one record into a new person of its own (returned); it is never linked back to
    this person's other records by later imports or re-linking."""
    fresh = service.detach_record(session, person_id, body.source_record_id, actor=_actor(caller))
    return service.get_person_or_raise(session, crypto, fresh.id, reader=_actor(caller))
