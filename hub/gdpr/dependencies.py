"""Who may call the consent and GDPR endpoints, and the audit actor of a request."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from consent.access import may_manage_person
from consent.audit import Actor
from consent.vocabulary import Channel
from hub.auth.dependencies import Caller, not_found, require_scopes
from hub.errors import ForbiddenError

CONSENTS_WRITE = "consents:write"
GDPR_ADMIN = "gdpr:admin"

# Module-level dependency callables, so that tests can override them by identity.
authenticated = require_scopes()
dpo = require_scopes(GDPR_ADMIN)

AnyCaller = Annotated[Caller, Depends(authenticated)]
DpoCaller = Annotated[Caller, Depends(dpo)]


def actor_of(caller: Caller) -> Actor:
    return Actor(
        client_id=caller.client_id, organisation_id=caller.organisation_id, channel=Channel.API
    )


def consent_caller(caller: AnyCaller) -> Caller:
    """``consents:write`` (for the persons the organisation referred) or ``gdpr:admin``."""
    if not (caller.has(CONSENTS_WRITE) or caller.has(GDPR_ADMIN)):
        raise ForbiddenError(f"this needs the scope {CONSENTS_WRITE} or {GDPR_ADMIN}")
    return caller


ConsentCaller = Annotated[Caller, Depends(consent_caller)]


def check_person_access(
    session: Session,
    caller: Caller,
    person_id: uuid.UUID,
    *,
    what: str = "person",
    object_id: object | None = None,
) -> None:
    """The DPO reaches everyone; an organisation only the persons it referred. Anything else
    is the very 404 of an object that does not exist (nothing leaks about the person)."""
    if caller.has(GDPR_ADMIN):
        return
    if caller.organisation_id is None or not may_manage_person(
        session, caller.organisation_id, person_id
    ):
        raise not_found(what, object_id if object_id is not None else person_id)
