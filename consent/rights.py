"""Rights requests (GDPR Art. 15-18, 21): receipt, deadline, extension, completion, Art. 19.

Lifecycle: ``received`` → (``extended``) → ``completed`` | ``refused``. Completing a request
with outcome ``done`` carries it out:

- access: the complete export is produced (``GET /v1/gdpr/requests/{id}/export``) and its
  section counts are kept as the completion record;
- rectification: the corrected values are applied to every source record of the person;
- erasure: :func:`consent.erasure.erase_person` (tombstone kept);
- restriction: the restriction started at receipt stays until lifted;
- objection: the restriction started at receipt (Art. 18(1)(d)) stays; ``refused`` (compelling
  legitimate grounds) lifts it.

Rectification, erasure and restriction notify every organisation the audit log shows as a
recipient of the person's data (Art. 19): a pull feed with acknowledgements.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from consent import adapters, audit, erasure, exports, repository
from consent.audit import Actor
from consent.deadlines import MAX_EXTENSION_MONTHS, RESPONSE_MONTHS, add_months, due_on
from consent.models import ProcessingRestriction, RecipientNotification, RightsRequest
from consent.schemas import (
    NotificationPublic,
    RequestComplete,
    RequestExtend,
    RestrictionPublic,
    RightsRequestCreate,
    RightsRequestPublic,
)
from consent.vocabulary import (
    AuditAction,
    Purpose,
    RequestStatus,
    RestrictionKind,
    RightsRequestKind,
)
from hub.crypto import Crypto
from hub.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError
from hub.models_base import new_id, utcnow
from hub.settings import Settings

TABLE = "rights_request"
RESTRICTION_TABLE = "processing_restriction"
NOTIFICATION_EVENT = "gdpr.notification"
OPEN_STATUSES = (RequestStatus.RECEIVED.value, RequestStatus.EXTENDED.value)
_NOTIFIED_KINDS = {
    RightsRequestKind.RECTIFICATION,
    RightsRequestKind.ERASURE,
    RightsRequestKind.RESTRICTION,
}


def _seal(crypto: Crypto, request: RightsRequest, field: str, value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        return crypto.cipher.encrypt_text(value, table=TABLE, row_id=str(request.id), field=field)
    return crypto.cipher.encrypt_json(value, table=TABLE, row_id=str(request.id), field=field)


def _open_text(crypto: Crypto, request: RightsRequest, field: str) -> str | None:
    blob: bytes | None = getattr(request, field)
    return crypto.cipher.decrypt_text(blob, table=TABLE, row_id=str(request.id), field=field)


def create_request(
    session: Session,
    crypto: Crypto,
    *,
    actor: Actor,
    data: RightsRequestCreate,
    now: datetime | None = None,
) -> RightsRequestPublic:
    now = now or utcnow()
    received_on = data.received_on or now.date()
    if received_on > now.date():
        raise UnprocessableError("received_on is in the future")
    if repository.tombstone_of_person(session, data.person_id) is not None:
        raise ConflictError("this person was erased; the hub holds no personal data on them")
    if not (
        adapters.person_exists(session, data.person_id)
        or repository.events_of_person(session, data.person_id)
    ):
        raise NotFoundError(f"no person {data.person_id}")
    request = RightsRequest(
        id=new_id(),
        person_id=data.person_id,
        kind=data.kind.value,
        status=RequestStatus.RECEIVED.value,
        received_on=received_on,
        due_on=due_on(received_on),
        purposes=[p.value for p in data.purposes] if data.purposes else None,
        created_at=now,
        created_by_client_id=actor.client_id,
    )
    request.details = _seal(crypto, request, "details", data.details)
    if data.rectification is not None:
        adapters.check_rectification(data.rectification)
        request.rectification = _seal(crypto, request, "rectification", data.rectification)
    session.add(request)
    session.flush()
    if data.kind in (RightsRequestKind.RESTRICTION, RightsRequestKind.OBJECTION):
        # Art. 18(1)(d): while an objection is examined, the data are not used either.
        session.add(
            ProcessingRestriction(
                person_id=data.person_id,
                kind=(
                    RestrictionKind.RESTRICTION
                    if data.kind is RightsRequestKind.RESTRICTION
                    else RestrictionKind.OBJECTION
                ).value,
                purposes=request.purposes,
                request_id=request.id,
                started_at=now,
            )
        )
        session.flush()
    return _written(session, crypto, actor, request, now)


def _written(
    session: Session, crypto: Crypto, actor: Actor, request: RightsRequest, now: datetime
) -> RightsRequestPublic:
    """Audit a change of ``request`` and return its view."""
    audit.record(
        session,
        actor=actor,
        action=AuditAction.WRITE,
        person_id=request.person_id,
        fields=("rights_request",),
        reference=str(request.id),
        now=now,
    )
    return view(session, crypto, request, now)


def get_or_raise(session: Session, request_id: uuid.UUID) -> RightsRequest:
    request = session.get(RightsRequest, request_id)
    if request is None:
        raise NotFoundError(f"no rights request {request_id}")
    return request


def view(
    session: Session, crypto: Crypto, request: RightsRequest, now: datetime
) -> RightsRequestPublic:
    notifications = repository.notifications_of_request(session, request.id)
    return RightsRequestPublic(
        id=request.id,
        person_id=request.person_id,
        kind=RightsRequestKind(request.kind),
        status=RequestStatus(request.status),
        received_on=request.received_on,
        due_on=request.due_on,
        overdue=request.status in OPEN_STATUSES and now.date() > request.due_on,
        extended_months=request.extended_months,
        extension_reason=_open_text(crypto, request, "extension_reason"),
        details=_open_text(crypto, request, "details"),
        purposes=[Purpose(p) for p in request.purposes] if request.purposes else None,
        created_at=request.created_at,
        completed_at=request.completed_at,
        completion_note=_open_text(crypto, request, "completion_note"),
        completion_summary=request.completion_summary,
        notifications=[notification_view(n) for n in notifications],
    )


def list_requests(
    session: Session,
    crypto: Crypto,
    *,
    status: RequestStatus | None = None,
    overdue: bool = False,
    person_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> list[RightsRequestPublic]:
    now = now or utcnow()
    statuses: list[str] | None = [status.value] if status else None
    if overdue:
        statuses = [s for s in (statuses or OPEN_STATUSES) if s in OPEN_STATUSES]
        if not statuses:
            return []
    rows = repository.list_requests(
        session,
        statuses=statuses,
        due_before=now if overdue else None,
        person_id=person_id,
    )
    return [view(session, crypto, row, now) for row in rows]


def extend(
    session: Session,
    crypto: Crypto,
    *,
    actor: Actor,
    request_id: uuid.UUID,
    data: RequestExtend,
    now: datetime | None = None,
) -> RightsRequestPublic:
    now = now or utcnow()
    request = _open_or_raise(session, request_id)
    total = request.extended_months + data.months
    if total > MAX_EXTENSION_MONTHS:
        raise UnprocessableError(
            f"the deadline can be extended by {MAX_EXTENSION_MONTHS} months at most "
            f"(already {request.extended_months})"
        )
    first_deadline = add_months(request.received_on, RESPONSE_MONTHS)
    if now.date() > first_deadline:
        raise UnprocessableError(
            "an extension must be decided and told to the person within one month of "
            f"receipt (by {first_deadline.isoformat()})"
        )
    request.extended_months = total
    request.due_on = due_on(request.received_on, total)
    request.status = RequestStatus.EXTENDED.value
    previous = _open_text(crypto, request, "extension_reason")
    reason = data.reason if previous is None else f"{previous}\n{data.reason}"
    request.extension_reason = _seal(crypto, request, "extension_reason", reason)
    session.add(request)
    session.flush()
    return _written(session, crypto, actor, request, now)


def _open_or_raise(session: Session, request_id: uuid.UUID) -> RightsRequest:
    request = get_or_raise(session, request_id)
    if request.status not in OPEN_STATUSES:
        raise ConflictError(f"this request is already {request.status}")
    return request


def complete(
    session: Session,
    crypto: Crypto,
    *,
    actor: Actor,
    request_id: uuid.UUID,
    data: RequestComplete,
    settings: Settings,
    now: datetime | None = None,
) -> RightsRequestPublic:
    now = now or utcnow()
    request = _open_or_raise(session, request_id)
    kind = RightsRequestKind(request.kind)
    summary: dict[str, Any] = {"outcome": data.outcome}
    if data.outcome == "refused":
        for restriction in repository.restrictions_of_request(session, request.id):
            _lift(crypto, restriction, "request refused", now)
            session.add(restriction)
    elif kind is RightsRequestKind.ACCESS:
        export = exports.export_person(session, crypto, settings, request.person_id, now)
        summary["export_sections"] = exports.section_counts(export)
    elif kind is RightsRequestKind.RECTIFICATION:
        changes = _rectification_of(crypto, request)
        result = adapters.rectify_person(session, crypto, request.person_id, changes)
        summary["records_rectified"] = len(result.record_ids)
        summary["fields"] = sorted(result.fields)
        request.rectification = None  # applied: the corrected values live in the records now
        audit.record(
            session,
            actor=actor,
            action=AuditAction.RECTIFY,
            person_id=request.person_id,
            fields=result.fields,
            reference=str(request.id),
            now=now,
        )
    elif kind is RightsRequestKind.ERASURE:
        summary["erased"] = erasure.erase_person(
            session, crypto, actor=actor, person_id=request.person_id, request=request, now=now
        )
    if data.outcome == "done" and kind in _NOTIFIED_KINDS:
        fields = summary.get("fields", [])
        summary["recipients_notified"] = _notify_recipients(session, request, kind, fields, now)
    request.status = (
        RequestStatus.COMPLETED.value if data.outcome == "done" else RequestStatus.REFUSED.value
    )
    request.completed_at = now
    request.completed_by_client_id = actor.client_id
    request.completion_note = _seal(crypto, request, "completion_note", data.note)
    request.completion_summary = summary
    session.add(request)
    session.flush()
    return _written(session, crypto, actor, request, now)


def _rectification_of(crypto: Crypto, request: RightsRequest) -> dict[str, Any]:
    if request.rectification is None:
        raise ConflictError("this rectification request holds no corrected values")
    changes = crypto.cipher.decrypt_json(
        request.rectification, table=TABLE, row_id=str(request.id), field="rectification"
    )
    assert isinstance(changes, dict)
    return changes


def _notify_recipients(
    session: Session,
    request: RightsRequest,
    kind: RightsRequestKind,
    fields: list[str],
    now: datetime,
) -> int:
    recipients = audit.recipients_of_person(session, request.person_id)
    for organisation_id in recipients:
        notification = RecipientNotification(
            request_id=request.id,
            person_id=request.person_id,
            recipient_organisation_id=organisation_id,
            kind=kind.value,
            fields=fields,
            created_at=now,
        )
        session.add(notification)
        session.flush()
        # Pushed too, through the outbox feed the recipient already reads.
        adapters.notify_organisation(
            session,
            organisation_id,
            NOTIFICATION_EVENT,
            {
                "notification_id": str(notification.id),
                "request_id": str(request.id),
                "kind": kind.value,
                "person_id": str(request.person_id),
                "fields": fields,
            },
            now=now,
        )
    return len(recipients)


# -- restrictions ---------------------------------------------------------------------------------


def _lift(crypto: Crypto, restriction: ProcessingRestriction, reason: str, now: datetime) -> None:
    restriction.lifted_at = now
    restriction.lift_reason = crypto.cipher.encrypt_text(
        reason, table=RESTRICTION_TABLE, row_id=str(restriction.id), field="lift_reason"
    )


def restrictions_of_person(session: Session, person_id: uuid.UUID) -> list[RestrictionPublic]:
    return [restriction_view(r) for r in repository.active_restrictions(session, person_id)]


def restriction_view(restriction: ProcessingRestriction) -> RestrictionPublic:
    return RestrictionPublic(
        id=restriction.id,
        person_id=restriction.person_id,
        kind=RestrictionKind(restriction.kind),
        purposes=[Purpose(p) for p in restriction.purposes] if restriction.purposes else None,
        request_id=restriction.request_id,
        started_at=restriction.started_at,
        lifted_at=restriction.lifted_at,
    )


def lift_restriction(
    session: Session,
    crypto: Crypto,
    *,
    actor: Actor,
    restriction_id: uuid.UUID,
    reason: str,
    now: datetime | None = None,
) -> RestrictionPublic:
    """End a restriction (Art. 18(3): the person is told beforehand; ``reason`` says so)."""
    now = now or utcnow()
    restriction = session.get(ProcessingRestriction, restriction_id)
    if restriction is None:
        raise NotFoundError(f"no restriction {restriction_id}")
    if restriction.lifted_at is not None:
        raise ConflictError("this restriction was already lifted")
    _lift(crypto, restriction, reason, now)
    session.add(restriction)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.WRITE,
        person_id=restriction.person_id,
        fields=("restriction",),
        reference=str(restriction.id),
        now=now,
    )
    return restriction_view(restriction)


# -- Art. 19 notifications ------------------------------------------------------------------------


def notification_view(notification: RecipientNotification) -> NotificationPublic:
    return NotificationPublic(
        id=notification.id,
        request_id=notification.request_id,
        person_id=notification.person_id,
        recipient_organisation_id=notification.recipient_organisation_id,
        kind=RightsRequestKind(notification.kind),
        fields=list(notification.fields or []),
        created_at=notification.created_at,
        acknowledged_at=notification.acknowledged_at,
    )


def notifications_for(
    session: Session, organisation_id: uuid.UUID, *, include_acknowledged: bool = False
) -> list[NotificationPublic]:
    rows = repository.notifications_for(
        session, organisation_id, include_acknowledged=include_acknowledged
    )
    return [notification_view(n) for n in rows]


def acknowledge(
    session: Session,
    *,
    actor: Actor,
    notification_id: uuid.UUID,
    now: datetime | None = None,
) -> NotificationPublic:
    now = now or utcnow()
    notification = session.get(RecipientNotification, notification_id)
    if notification is None or (
        actor.organisation_id is not None
        and notification.recipient_organisation_id != actor.organisation_id
    ):
        raise NotFoundError(f"no notification {notification_id} for this organisation")
    if actor.organisation_id is None:
        raise ForbiddenError("only the recipient organisation acknowledges a notification")
    if notification.acknowledged_at is None:
        notification.acknowledged_at = now
        notification.acknowledged_by_client_id = actor.client_id
        session.add(notification)
        session.flush()
    return notification_view(notification)
