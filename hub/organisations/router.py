"""``/v1/organisations``: who am I, and (operators) the organisations of the network."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from hub.auth.dependencies import Caller, ensure_owner, not_found, require_scopes
from hub.dependencies import SessionDep
from hub.organisations import repository, service
from hub.organisations.schemas import OrganisationPublic

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])

AnyCaller = Annotated[Caller, Depends(require_scopes())]
AdminCaller = Annotated[Caller, Depends(require_scopes("admin"))]


@router.get(
    "/me",
    response_model=OrganisationPublic,
    summary="The caller's organisation",
    description="Any valid access token: the organisation its client acts for.",
)
def get_mine(caller: AnyCaller, session: SessionDep) -> OrganisationPublic:
    assert caller.organisation_id is not None
    return OrganisationPublic.of(service.get_or_raise(session, caller.organisation_id))


@router.get(
    "/{organisation_id}",
    response_model=OrganisationPublic,
    summary="One organisation",
    description="The caller's own organisation (any organisation with `admin`); 404 otherwise.",
)
def get_one(
    organisation_id: uuid.UUID, caller: AnyCaller, session: SessionDep
) -> OrganisationPublic:
    ensure_owner(caller, organisation_id, what="organisation", object_id=organisation_id)
    organisation = repository.get(session, organisation_id)
    if organisation is None:
        raise not_found("organisation", organisation_id)
    return OrganisationPublic.of(organisation)


@router.get(
    "",
    response_model=list[OrganisationPublic],
    summary="Every organisation (operators)",
    description="Needs the `admin` scope.",
)
def list_all(caller: AdminCaller, session: SessionDep) -> list[OrganisationPublic]:
    return [OrganisationPublic.of(o) for o in service.list_organisations(session)]
