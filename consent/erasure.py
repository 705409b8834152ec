"""Erasure (Art. 17) and what stops an erased person from silently coming back.

:func:`erase_person` removes the person's personal data wherever the hub holds it at that
moment (through :mod:`consent.adapters` for the other domains' tables; here: the consent
events' free text and the rights requests' free text) and leaves a tombstone holding no
personal data: the person id, dates, counts, and blind indexes of the erased records'
``(source, source_record_id)``.

:func:`flag_reimports` runs after every import (ingest post-import hook): an imported record
whose source key matches a tombstone is flagged for the DPO (``GET /v1/gdpr/flags``), and
:func:`consent.decisions.may_release` denies any release touching it until the DPO resolves
the flag.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import Session, col

from consent import adapters, audit, repository
from consent.audit import Actor
from consent.models import (
    ConsentEvent,
    ErasedSourceKey,
    ErasureTombstone,
    ProcessingRestriction,
    ReimportFlag,
    RightsRequest,
)
from consent.schemas import FlagPublic
from consent.vocabulary import AuditAction, FlagStatus
from hub.crypto import Crypto
from hub.errors import ConflictError, NotFoundError
from hub.models_base import utcnow

logger = logging.getLogger("consent.erasure")

SOURCE_KEY_PURPOSE = "erased-source-key"


def source_key_index(crypto: Crypto, source: str, source_record_id: str) -> str:
    return crypto.blind.index(SOURCE_KEY_PURPOSE, f"{source}\x1f{source_record_id}")


def erase_person(
    session: Session,
    crypto: Crypto,
    *,
    actor: Actor,
    person_id: uuid.UUID,
    request: RightsRequest | None = None,
    now: datetime | None = None,
    tombstone: bool = True,
) -> dict[str, int]:
    """Remove every personal datum of the person; return what was removed, by kind.

    ``tombstone=False`` is for retention purges: the person's time is up, they did not object,
    and a later list that names them again is a new, lawful collection."""
    now = now or utcnow()
    keys = adapters.source_keys_of_person(session, person_id)
    counts = adapters.erase_person_data(session, crypto, person_id)
    counts["consent_events_redacted"] = redact_consent_free_text(session, [person_id], now=now)
    counts["rights_requests_redacted"] = _redact_requests(session, person_id)
    if tombstone:
        stone = ErasureTombstone(
            person_id=person_id,
            request_id=request.id if request else None,
            erased_at=now,
            counts=counts,
        )
        session.add(stone)
        session.flush()
        for key in sorted({source_key_index(crypto, source, sid) for source, sid in keys}):
            session.add(ErasedSourceKey(tombstone_id=stone.id, key=key))
        session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.ERASE if tombstone else AuditAction.PURGE,
        person_id=person_id,
        fields=sorted(name for name, count in counts.items() if count),
        reference=str(request.id) if request else None,
        now=now,
    )
    return counts


def redact_consent_free_text(
    session: Session,
    person_ids: Sequence[uuid.UUID] = (),
    *,
    consent_ids: Sequence[uuid.UUID] = (),
    now: datetime,
) -> int:
    """The one UPDATE path on consent events: blank their encrypted free text (who collected,
    evidence) and mark them redacted. Everything else of the history stays as it was."""
    targets = []
    if person_ids:
        targets.append(col(ConsentEvent.person_id).in_(list(person_ids)))
    if consent_ids:
        targets.append(col(ConsentEvent.consent_id).in_(list(consent_ids)))
    if not targets:
        return 0
    result = session.execute(
        update(ConsentEvent)
        .where(
            or_(*targets),
            or_(
                col(ConsentEvent.collected_by).is_not(None),
                col(ConsentEvent.evidence).is_not(None),
            ),
        )
        .values(collected_by=None, evidence=None, redacted_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def _redact_requests(session: Session, person_id: uuid.UUID) -> int:
    result = session.execute(
        update(RightsRequest)
        .where(col(RightsRequest.person_id) == person_id)
        .values(details=None, rectification=None, extension_reason=None, completion_note=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(ProcessingRestriction)
        .where(col(ProcessingRestriction.person_id) == person_id)
        .values(lift_reason=None)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return int(getattr(result, "rowcount", 0))


# -- re-imports of erased records -----------------------------------------------------------------


def flag_reimports(session: Session, crypto: Crypto, changed_record_ids: list[uuid.UUID]) -> None:
    """Post-import hook: see :func:`count_reimports`."""
    count_reimports(session, crypto, changed_record_ids)


def count_reimports(
    session: Session, crypto: Crypto, changed_record_ids: Sequence[uuid.UUID]
) -> int:
    """Flag imported records whose source key was erased; return how many were flagged."""
    records = adapters.source_keys_of_records(session, changed_record_ids)
    if not records:
        return 0
    by_key = {source_key_index(crypto, r.source, r.source_record_id): r for r in records}
    tombstones = repository.tombstones_by_key(session, list(by_key))
    already = repository.flagged_record_ids(session, [r.record_id for r in records])
    now = utcnow()
    flagged = 0
    for key, tombstone_id in tombstones.items():
        record = by_key[key]
        if record.record_id in already:
            continue
        session.add(
            ReimportFlag(
                tombstone_id=tombstone_id,
                source_record_id=record.record_id,
                person_id=record.person_id,
                detected_at=now,
                status=FlagStatus.OPEN.value,
            )
        )
        flagged += 1
    if flagged:
        session.flush()
        logger.warning(
            "records of erased persons were imported again; the DPO must review them",
            extra={"flagged": flagged},
        )
    return flagged


def list_flags(session: Session, *, status: FlagStatus | None) -> list[FlagPublic]:
    flags = repository.list_flags(session, status=status.value if status else None)
    return [_flag_view(session, flag) for flag in flags]


def _flag_view(session: Session, flag: ReimportFlag) -> FlagPublic:
    stone = session.get(ErasureTombstone, flag.tombstone_id)
    assert stone is not None
    return FlagPublic(
        id=flag.id,
        tombstone_id=flag.tombstone_id,
        erased_person_id=stone.person_id,
        source_record_id=flag.source_record_id,
        person_id=flag.person_id or adapters.person_of_record(session, flag.source_record_id),
        detected_at=flag.detected_at,
        status=FlagStatus(flag.status),
        resolution=flag.resolution,
        resolved_at=flag.resolved_at,
    )


def resolve_flag(
    session: Session,
    crypto: Crypto,
    *,
    actor: Actor,
    flag_id: uuid.UUID,
    resolution: str,
    now: datetime | None = None,
) -> FlagPublic:
    """``kept``: releases may resume; ``erased``: the person the record now belongs to is
    erased too (with a tombstone of their own)."""
    now = now or utcnow()
    flag = session.get(ReimportFlag, flag_id)
    if flag is None:
        raise NotFoundError(f"no flag {flag_id}")
    if flag.status != FlagStatus.OPEN.value:
        raise ConflictError("this flag was already resolved")
    person_id = flag.person_id or adapters.person_of_record(session, flag.source_record_id)
    flag.status = FlagStatus.RESOLVED.value
    flag.resolution = resolution
    flag.resolved_at = now
    flag.resolved_by_client_id = actor.client_id
    flag.person_id = person_id
    session.add(flag)
    session.flush()
    if resolution == "erased":
        if person_id is not None and repository.tombstone_of_person(session, person_id) is None:
            erase_person(session, crypto, actor=actor, person_id=person_id, now=now)
        elif person_id is None:
            adapters.erase_records(session, crypto, [flag.source_record_id])
    audit.record(
        session,
        actor=actor,
        action=AuditAction.WRITE,
        person_id=person_id,
        fields=("reimport_flag",),
        reference=str(flag.id),
        now=now,
    )
    return _flag_view(session, flag)
