"""``/v1/referrals``, ``/v1/matches`` and ``/v1/events``: thin HTTP layer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse

from hub.auth.dependencies import Caller, not_found, require_scopes
from hub.dependencies import CryptoDep, SessionDep, SettingsDep
from hub.errors import ForbiddenError
from hub.referrals import feed, imports, intake, outbox, service, webhooks
from hub.referrals.context import RoutingContext
from hub.referrals.lifecycle import Role
from hub.referrals.models import WebhookEndpoint
from hub.referrals.schemas import (
    AckRequest,
    AckResult,
    DeliveryPublic,
    EventItem,
    EventPage,
    MatchPage,
    PhasePublic,
    ReferralCreate,
    ReferralCreated,
    ReferralPage,
    ReferralPublic,
    TransitionCreate,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
)
from hub.referrals.vocabulary import ReferralStatus

router = APIRouter(tags=["referrals"])

# Importing the routing of imported records registers its post-import hook.
_ = imports.route_after_import

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


@router.get("/v1/persons/{person_id}/phase", summary="A young person's programme phase")
def get_phase(
    person_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_scopes("referrals:read"))],
) -> PhasePublic:
    return service.phase_for(session, caller, person_id)


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


def _webhook_view(endpoint: WebhookEndpoint) -> WebhookPublic:
    return WebhookPublic(
        id=endpoint.id,
        url=endpoint.url,
        event_types=list(endpoint.event_types),
        active=endpoint.active,
        created_at=endpoint.created_at,
    )


@router.post(
    "/v1/webhooks",
    status_code=201,
    summary="Register an endpoint for the organisation's events (secret shown once)",
)
def create_webhook(
    body: WebhookCreate,
    session: SessionDep,
    crypto: CryptoDep,
    settings: SettingsDep,
    caller: Annotated[Caller, Depends(require_scopes("matches:read"))],
) -> WebhookCreated:
    endpoint, secret = webhooks.register(
        session,
        crypto,
        _organisation(caller),
        url=body.url,
        event_types=body.event_types,
        production=settings.is_production,
    )
    return WebhookCreated(**_webhook_view(endpoint).model_dump(), secret=secret)


@router.get("/v1/webhooks", summary="The organisation's webhook endpoints")
def list_webhooks(
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_scopes("matches:read"))],
) -> list[WebhookPublic]:
    return [_webhook_view(e) for e in webhooks.endpoints_of(session, _organisation(caller))]


def _own_endpoint(session: SessionDep, caller: Caller, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    endpoint = webhooks.get_own(session, _organisation(caller), endpoint_id)
    if endpoint is None:
        raise not_found("webhook", endpoint_id)
    return endpoint


@router.delete("/v1/webhooks/{endpoint_id}", status_code=204, summary="Stop an endpoint")
def delete_webhook(
    endpoint_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_scopes("matches:read"))],
) -> None:
    webhooks.disable(session, _own_endpoint(session, caller, endpoint_id))


@router.get(
    "/v1/webhooks/{endpoint_id}/deliveries", summary="Delivery state of an endpoint's events"
)
def list_deliveries(
    endpoint_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_scopes("matches:read"))],
    limit: LimitQuery = 100,
) -> list[DeliveryPublic]:
    endpoint = _own_endpoint(session, caller, endpoint_id)
    return [
        DeliveryPublic(
            id=delivery.id,
            event_id=event.id,
            event_type=event.event_type,
            status=delivery.status,
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at,
            last_attempt_at=delivery.last_attempt_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
        )
        for delivery, event in webhooks.deliveries_of(session, endpoint.id, limit=limit)
    ]
