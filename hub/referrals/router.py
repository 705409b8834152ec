"""``/v1/referrals``, ``/v1/matches`` and ``/v1/events``: thin HTTP layer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse

from hub.auth.dependencies import Caller, require_scopes
from hub.dependencies import CryptoDep, SessionDep, SettingsDep
from hub.errors import ForbiddenError
from hub.referrals import feed, intake, outbox, service
from hub.referrals.context import RoutingContext
from hub.referrals.lifecycle import Role
from hub.referrals.schemas import (
    AckRequest,
    AckResult,
    EventItem,
    EventPage,
    MatchPage,
    ReferralCreate,
    ReferralCreated,
    ReferralPage,
    ReferralPublic,
    TransitionCreate,
)
from hub.referrals.vocabulary import ReferralStatus

router = APIRouter(tags=["referrals"])

CursorQuery = Annotated[
    str | None, Query(max_length=200, description="Opaque cursor from the previous page.")
]
LimitQuery = Annotated[int, Query(ge=1, le=500)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Retry-safe creation: the same key with the same body gives the same "
        "answer for 24 hours; with another body, 422.",
    ),
]


def _context(settings: SettingsDep) -> RoutingContext:
    return RoutingContext.from_settings(settings)


ContextDep = Annotated[RoutingContext, Depends(_context)]


@router.post(
    "/v1/referrals",
    status_code=201,
    response_model=ReferralCreated,
    summary="Refer a young person",
)
def create_referral(
    body: ReferralCreate,
    session: SessionDep,
    crypto: CryptoDep,
    context: ContextDep,
    caller: Annotated[Caller, Depends(require_scopes("referrals:write"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    stored = intake.create(session, crypto, context, caller, body, idempotency_key=idempotency_key)
    return JSONResponse(stored.body, status_code=stored.status_code)


@router.get("/v1/referrals", summary="Referrals the organisation sent or received")
def list_referrals(
    session: SessionDep,
    crypto: CryptoDep,
    caller: Annotated[Caller, Depends(require_scopes("referrals:read"))],
    role: Annotated[Role | None, Query(description="`sender` or `receiver`; default both.")] = None,
    status: Annotated[list[ReferralStatus] | None, Query()] = None,
    overdue: Annotated[
        bool, Query(description="Only referrals still requested after the response delay.")
    ] = False,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> ReferralPage:
    return service.list_referrals(
        session,
        crypto,
        caller,
        role=role,
        statuses=status,
        overdue=overdue,
        cursor=cursor,
        limit=limit,
    )


@router.get("/v1/referrals/{referral_id}", summary="A referral's status and history")
def get_referral(
    referral_id: uuid.UUID,
    session: SessionDep,
    crypto: CryptoDep,
    caller: Annotated[Caller, Depends(require_scopes("referrals:read"))],
) -> ReferralPublic:
    return service.read(session, crypto, caller, referral_id)


@router.post(
    "/v1/referrals/{referral_id}/transitions", summary="Move a referral along its lifecycle"
)
def transition_referral(
    referral_id: uuid.UUID,
    body: TransitionCreate,
    session: SessionDep,
    crypto: CryptoDep,
    caller: Annotated[Caller, Depends(require_scopes("referrals:write"))],
) -> ReferralPublic:
    return service.transition(session, crypto, caller, referral_id, body)


@router.get("/v1/matches", summary="Referrals addressed to the organisation (leased)")
def read_matches(
    session: SessionDep,
    crypto: CryptoDep,
    context: ContextDep,
    caller: Annotated[Caller, Depends(require_scopes("matches:read"))],
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> MatchPage:
    return feed.read(session, crypto, context, caller, cursor=cursor, limit=limit)


@router.post("/v1/matches/ack", summary="Acknowledge matches: they are not delivered again")
def ack_matches(
    body: AckRequest,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_scopes("matches:read"))],
) -> AckResult:
    return feed.acknowledge(session, caller, body.ids)


def _organisation(caller: Caller) -> uuid.UUID:
    if caller.organisation_id is None:
        raise ForbiddenError("the events feed belongs to an organisation's client")
    return caller.organisation_id


@router.get("/v1/events", summary="Notifications for the organisation (leased)")
def read_events(
    session: SessionDep,
    context: ContextDep,
    caller: Annotated[Caller, Depends(require_scopes("matches:read"))],
    cursor: CursorQuery = None,
    limit: LimitQuery = 100,
) -> EventPage:
    events, next_cursor = outbox.read(
        session,
        _organisation(caller),
        cursor=cursor,
        limit=limit,
        visibility=context.visibility,
    )
    return EventPage(
        items=[
            EventItem(
                id=event.id,
                event_type=event.event_type,
                payload=dict(event.payload),
                created_at=event.created_at,
                delivery_count=event.delivery_count,
            )
            for event in events
        ],
        next_cursor=next_cursor,
        visibility_timeout_seconds=int(context.visibility.total_seconds()),
    )


@router.post("/v1/events/ack", summary="Acknowledge notifications")
def ack_events(
    body: AckRequest,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_scopes("matches:read"))],
) -> AckResult:
    acknowledged, unknown = outbox.acknowledge(session, _organisation(caller), body.ids)
    return AckResult(acknowledged=acknowledged, unknown=unknown)
