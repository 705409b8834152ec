"""Consent registry and GDPR rights endpoints (thin: auth, then one ``consent`` call)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, status
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlmodel import Session

from consent import audit, erasure, exports, receipts, registry, retention, rights
from consent.register import build_register, render_markdown
from consent.schemas import (
    ConsentCreate,
    ConsentPublic,
    ConsentReceipt,
    ConsentWithdraw,
    FlagPublic,
    FlagResolve,
    NotificationPublic,
    RequestComplete,
    RequestExtend,
    RestrictionLift,
    RestrictionPublic,
    RightsRequestCreate,
    RightsRequestPublic,
)
from consent.vocabulary import AuditAction, FlagStatus, RequestStatus, RightsRequestKind
from hub.auth.dependencies import Caller
from hub.dependencies import CryptoDep, SessionDep, SettingsDep
from hub.errors import ForbiddenError, UnprocessableError
from hub.gdpr.dependencies import (
    AnyCaller,
    ConsentCaller,
    DpoCaller,
    actor_of,
    check_person_access,
)
from hub.models_base import utcnow

consents_router = APIRouter(prefix="/v1", tags=["consents"])
gdpr_router = APIRouter(prefix="/v1/gdpr", tags=["gdpr"])

# -- consents -------------------------------------------------------------------------------------


@consents_router.post(
    "/persons/{person_id}/consents",
    status_code=status.HTTP_201_CREATED,
    summary="Record a consent (grant)",
)
def grant_consent(
    person_id: uuid.UUID,
    data: ConsentCreate,
    caller: ConsentCaller,
    session: SessionDep,
    crypto: CryptoDep,
) -> ConsentPublic:
    check_person_access(session, caller, person_id)
    return registry.grant(session, crypto, actor=actor_of(caller), person_id=person_id, data=data)


@consents_router.get("/persons/{person_id}/consents", summary="A person's consents and history")
def list_consents(
    person_id: uuid.UUID, caller: ConsentCaller, session: SessionDep, crypto: CryptoDep
) -> list[ConsentPublic]:
    check_person_access(session, caller, person_id)
    return registry.list_for_person(session, crypto, actor=actor_of(caller), person_id=person_id)


@consents_router.post("/consents/{consent_id}/withdraw", summary="Withdraw a consent (one call)")
def withdraw_consent(
    consent_id: uuid.UUID,
    caller: ConsentCaller,
    session: SessionDep,
    crypto: CryptoDep,
    data: Annotated[ConsentWithdraw | None, Body()] = None,
) -> ConsentPublic:
    consent = registry.get_grant_or_raise(session, consent_id)
    check_person_access(session, caller, consent.person_id, what="consent", object_id=consent_id)
    return registry.withdraw(
        session,
        crypto,
        actor=actor_of(caller),
        consent_id=consent_id,
        data=data or ConsentWithdraw(),
    )


@consents_router.get("/consents/{consent_id}", summary="One consent and its history")
def get_consent(
    consent_id: uuid.UUID, caller: ConsentCaller, session: SessionDep, crypto: CryptoDep
) -> ConsentPublic:
    consent = registry.get_grant_or_raise(session, consent_id)
    check_person_access(session, caller, consent.person_id, what="consent", object_id=consent_id)
    _audit_read(session, caller, consent.person_id, registry.CONSENT_FIELDS, consent_id)
    return registry.get_view(session, crypto, consent_id, utcnow())


def _receipt(
    consent_id: uuid.UUID,
    caller: ConsentCaller,
    session: SessionDep,
    crypto: CryptoDep,
    settings: SettingsDep,
) -> ConsentReceipt:
    consent = registry.get_grant_or_raise(session, consent_id)
    check_person_access(session, caller, consent.person_id, what="consent", object_id=consent_id)
    _audit_read(session, caller, consent.person_id, ("consent_receipt",), consent_id)
    return receipts.build_receipt(session, crypto, settings, consent_id, utcnow())


def _audit_read(
    session: Session,
    caller: Caller,
    person_id: uuid.UUID,
    fields: tuple[str, ...],
    reference: uuid.UUID | None = None,
) -> None:
    audit.record(
        session,
        actor=actor_of(caller),
        action=AuditAction.READ,
        person_id=person_id,
        fields=fields,
        reference=str(reference) if reference else None,
    )


@consents_router.get(
    "/consents/{consent_id}/receipt",
    summary="Consent receipt for the young person (JSON, or HTML with ?format=html)",
    response_model=ConsentReceipt,
    responses={200: {"content": {"text/html": {}}}},
)
def get_receipt(
    consent_id: uuid.UUID,
    caller: ConsentCaller,
    session: SessionDep,
    crypto: CryptoDep,
    settings: SettingsDep,
    response_format: Annotated[Literal["json", "html"], Query(alias="format")] = "json",
) -> Any:
    receipt = _receipt(consent_id, caller, session, crypto, settings)
    if response_format == "html":
        return HTMLResponse(receipts.render_html(receipt))
    return receipt


@consents_router.get(
    "/consents/{consent_id}/receipt.html",
    summary="Consent receipt as a printable HTML page",
    response_class=HTMLResponse,
)
def get_receipt_html(
    consent_id: uuid.UUID,
    caller: ConsentCaller,
    session: SessionDep,
    crypto: CryptoDep,
    settings: SettingsDep,
) -> HTMLResponse:
    return HTMLResponse(
        receipts.render_html(_receipt(consent_id, caller, session, crypto, settings))
    )


# -- rights requests ------------------------------------------------------------------------------


@gdpr_router.post(
    "/requests", status_code=status.HTTP_201_CREATED, summary="Register a rights request"
)
def create_request(
    data: RightsRequestCreate, caller: DpoCaller, session: SessionDep, crypto: CryptoDep
) -> RightsRequestPublic:
    return rights.create_request(session, crypto, actor=actor_of(caller), data=data)


@gdpr_router.get("/requests", summary="Rights requests, soonest due first")
def list_requests(
    caller: DpoCaller,
    session: SessionDep,
    crypto: CryptoDep,
    request_status: Annotated[RequestStatus | None, Query(alias="status")] = None,
    overdue: bool = False,
    person_id: uuid.UUID | None = None,
) -> list[RightsRequestPublic]:
    requests = rights.list_requests(
        session, crypto, status=request_status, overdue=overdue, person_id=person_id
    )
    for request in requests:
        _audit_read(session, caller, request.person_id, ("rights_request",), request.id)
    return requests


@gdpr_router.get("/requests/{request_id}", summary="One rights request")
def get_request(
    request_id: uuid.UUID, caller: DpoCaller, session: SessionDep, crypto: CryptoDep
) -> RightsRequestPublic:
    request = rights.get_or_raise(session, request_id)
    _audit_read(session, caller, request.person_id, ("rights_request",), request.id)
    return rights.view(session, crypto, request, utcnow())


@gdpr_router.post("/requests/{request_id}/extend", summary="Extend the deadline (Art. 12(3))")
def extend_request(
    request_id: uuid.UUID,
    data: RequestExtend,
    caller: DpoCaller,
    session: SessionDep,
    crypto: CryptoDep,
) -> RightsRequestPublic:
    return rights.extend(session, crypto, actor=actor_of(caller), request_id=request_id, data=data)


@gdpr_router.post("/requests/{request_id}/complete", summary="Carry out and close a request")
def complete_request(
    request_id: uuid.UUID,
    data: RequestComplete,
    caller: DpoCaller,
    session: SessionDep,
    crypto: CryptoDep,
    settings: SettingsDep,
) -> RightsRequestPublic:
    return rights.complete(
        session,
        crypto,
        actor=actor_of(caller),
        request_id=request_id,
        data=data,
        settings=settings,
    )


@gdpr_router.get(
    "/requests/{request_id}/export",
    summary="Access request: everything held on the person (Art. 15)",
)
def export_request(
    request_id: uuid.UUID,
    caller: DpoCaller,
    session: SessionDep,
    crypto: CryptoDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    request = rights.get_or_raise(session, request_id)
    if request.kind != RightsRequestKind.ACCESS.value:
        raise UnprocessableError("only an access request has an export")
    now = utcnow()
    export = exports.export_person(session, crypto, settings, request.person_id, now)
    audit.record(
        session,
        actor=actor_of(caller),
        action=AuditAction.EXPORT,
        person_id=request.person_id,
        fields=exports.SECTIONS,
        reference=str(request.id),
        now=now,
    )
    return export


@gdpr_router.get(
    "/persons/{person_id}/restrictions", summary="Restrictions and objections in force"
)
def list_restrictions(
    person_id: uuid.UUID, caller: DpoCaller, session: SessionDep
) -> list[RestrictionPublic]:
    return rights.restrictions_of_person(session, person_id)


@gdpr_router.post("/restrictions/{restriction_id}/lift", summary="Lift a restriction")
def lift_restriction(
    restriction_id: uuid.UUID,
    data: RestrictionLift,
    caller: DpoCaller,
    session: SessionDep,
    crypto: CryptoDep,
) -> RestrictionPublic:
    return rights.lift_restriction(
        session, crypto, actor=actor_of(caller), restriction_id=restriction_id, reason=data.reason
    )


# -- re-imports of erased persons -----------------------------------------------------------------


@gdpr_router.get("/flags", summary="Re-imported records of erased persons, for the DPO")
def list_flags(
    caller: DpoCaller,
    session: SessionDep,
    flag_status: Annotated[FlagStatus | None, Query(alias="status")] = FlagStatus.OPEN,
) -> list[FlagPublic]:
    return erasure.list_flags(session, status=flag_status)


@gdpr_router.post("/flags/{flag_id}/resolve", summary="Decide on a re-imported record")
def resolve_flag(
    flag_id: uuid.UUID,
    data: FlagResolve,
    caller: DpoCaller,
    session: SessionDep,
    crypto: CryptoDep,
) -> FlagPublic:
    return erasure.resolve_flag(
        session, crypto, actor=actor_of(caller), flag_id=flag_id, resolution=data.resolution
    )


# -- Art. 19 notifications (pull feed of the recipient organisation) ------------------------------


@gdpr_router.get(
    "/notifications",
    summary="Rectifications, erasures and restrictions of data your organisation received",
)
def list_notifications(
    caller: AnyCaller, session: SessionDep, include_acknowledged: bool = False
) -> list[NotificationPublic]:
    if caller.organisation_id is None:
        raise ForbiddenError("notifications are addressed to an organisation")
    return rights.notifications_for(
        session, caller.organisation_id, include_acknowledged=include_acknowledged
    )


@gdpr_router.post("/notifications/{notification_id}/ack", summary="Acknowledge a notification")
def acknowledge_notification(
    notification_id: uuid.UUID, caller: AnyCaller, session: SessionDep
) -> NotificationPublic:
    return rights.acknowledge(session, actor=actor_of(caller), notification_id=notification_id)


# -- accountability -------------------------------------------------------------------------------


@gdpr_router.get(
    "/register",
    summary="Record of processing activities (Art. 30), JSON or Markdown",
    responses={200: {"content": {"text/markdown": {}}}},
)
def get_register(
    caller: DpoCaller,
    settings: SettingsDep,
    response_format: Annotated[Literal["json", "md"], Query(alias="format")] = "json",
) -> Response:
    register = build_register(settings)
    if response_format == "md":
        return PlainTextResponse(render_markdown(register), media_type="text/markdown")
    return Response(content=register.model_dump_json(), media_type="application/json")


@gdpr_router.get("/audit/verify", summary="Check the audit log's hash chain")
def verify_audit(caller: DpoCaller, session: SessionDep) -> dict[str, Any]:
    return audit.verify_chain(session).as_dict()


@gdpr_router.get("/retention/proofs", summary="Proofs of the latest retention purges")
def list_retention_proofs(caller: DpoCaller, session: SessionDep) -> list[dict[str, Any]]:
    return [
        {
            "run_id": str(p.run_id),
            "ran_at": p.ran_at.isoformat(),
            "rule": p.rule,
            "cutoff": p.cutoff,
            "purged": p.purged,
            "details": p.details or {},
        }
        for p in retention.proofs(session)
    ]
