"""The audit log: append-only, hash-chained entries about who touched whose personal data.

Entries hold ids, purposes, field *names*, decisions and reasons, never a personal value.
Each entry's ``hash`` is SHA-256 over its content and the previous entry's hash, so changing
or removing an entry breaks the chain from that point; :func:`verify_chain` finds the first
break. Appending first updates the single ``audit_chain_head`` row, which makes concurrent
appends queue on its lock (PostgreSQL row lock, SQLite database lock) instead of forking the
chain.

The only deletion path is the retention rule (:func:`purge_before`): it removes the oldest
entries and moves the head's anchor to the first retained one, so the rest still verifies.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from consent.models import AuditChainHead, AuditEvent
from consent.vocabulary import AuditAction, Channel
from hub.models_base import new_id, utcnow

GENESIS = "0" * 64
_HEAD_ID = 1


@dataclass(frozen=True)
class Actor:
    """Who acts: an API client (and its organisation), an operator's CLI run, or a job."""

    client_id: str
    organisation_id: uuid.UUID | None = None
    channel: Channel = Channel.API


SYSTEM_JOB = Actor(client_id="hub-scheduler", channel=Channel.JOB)


def entry_hash(entry: AuditEvent) -> str:
    """SHA-256 of the entry's content (everything but ``hash``) chained to ``prev_hash``."""
    content = {
        "id": str(entry.id),
        "seq": entry.seq,
        "occurred_at": entry.occurred_at.isoformat(),
        "channel": entry.channel,
        "actor_client_id": entry.actor_client_id,
        "actor_organisation_id": _opt(entry.actor_organisation_id),
        "action": entry.action,
        "person_id": _opt(entry.person_id),
        "purpose": entry.purpose,
        "fields": list(entry.fields or []),
        "recipient_organisation_id": _opt(entry.recipient_organisation_id),
        "recipient_kind": entry.recipient_kind,
        "decision": entry.decision,
        "reason": entry.reason,
        "lawful_basis": entry.lawful_basis,
        "reference": entry.reference,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _opt(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _advance_head(session: Session, step: int = 1) -> AuditChainHead:
    """Take the head's lock by moving its sequence number ``step`` ahead (an update, so the
    lock is taken before anything is read); create the head on an empty log."""
    for _attempt in range(2):
        result = session.execute(
            update(AuditChainHead)
            .where(col(AuditChainHead.id) == _HEAD_ID)
            .values(last_seq=col(AuditChainHead.last_seq) + step)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            existing = session.get(AuditChainHead, _HEAD_ID, populate_existing=True)
            assert existing is not None
            return existing
        head = AuditChainHead(
            id=_HEAD_ID, last_seq=step, last_hash=GENESIS, anchor_seq=1, anchor_hash=GENESIS
        )
        try:
            with session.begin_nested():
                session.add(head)
        except IntegrityError:
            # Another transaction created the head first (the very first entries): its row
            # is committed now, so the update finds it.
            continue
        return head
    raise RuntimeError("the audit chain head could not be created")


def record(
    session: Session,
    *,
    actor: Actor,
    action: AuditAction,
    person_id: uuid.UUID | None = None,
    purpose: str | None = None,
    fields: Iterable[str] = (),
    recipient_organisation_id: uuid.UUID | None = None,
    recipient_kind: str | None = None,
    decision: str | None = None,
    reason: str | None = None,
    lawful_basis: str | None = None,
    reference: str | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append one entry. ``fields`` are field *names*; ``reference`` an id (request, consent)."""
    head = _advance_head(session)
    entry = AuditEvent(
        id=new_id(),
        seq=head.last_seq,
        occurred_at=now or utcnow(),
        channel=actor.channel.value,
        actor_client_id=actor.client_id,
        actor_organisation_id=actor.organisation_id,
        action=action.value,
        person_id=person_id,
        purpose=purpose,
        fields=sorted(set(fields)),
        recipient_organisation_id=recipient_organisation_id,
        recipient_kind=recipient_kind,
        decision=decision,
        reason=reason,
        lawful_basis=lawful_basis,
        reference=reference,
        prev_hash=head.last_hash,
        hash="",
    )
    entry.hash = entry_hash(entry)
    head.last_hash = entry.hash
    session.add(entry)
    session.add(head)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    entry_id: uuid.UUID | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None

    def as_dict(self) -> dict[str, Any]:
        """The report as served by the API and printed by ``hub audit verify --json``."""
        first = self.first_break
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head_hash": self.head_hash,
            "first_bad_entry": None
            if first is None
            else {
                "seq": first.seq,
                "id": str(first.entry_id) if first.entry_id else None,
                "problem": first.problem,
            },
        }


def verify_chain(session: Session, *, batch: int = 1000) -> ChainReport:
    """Walk the retained chain from its anchor and report the first entry that does not fit."""
    head = session.get(AuditChainHead, _HEAD_ID, populate_existing=True)
    expected_seq = head.anchor_seq if head else 1
    prev = head.anchor_hash if head else GENESIS
    checked = 0
    last_seq = 0
    while True:
        entries = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.seq) > last_seq)
            .order_by(col(AuditEvent.seq))
            .limit(batch)
        ).all()
        if not entries:
            break
        for entry in entries:
            problem = _check(entry, expected_seq, prev)
            if problem is not None:
                return ChainReport(checked, prev, ChainBreak(entry.seq, entry.id, problem))
            checked += 1
            prev = entry.hash
            expected_seq = entry.seq + 1
            last_seq = entry.seq
    if head is None:
        return ChainReport(checked, prev, None)
    if head.last_seq != expected_seq - 1 or head.last_hash != prev:
        problem = (
            f"the head says the last entry is #{head.last_seq}, the log ends at "
            f"#{expected_seq - 1}: entries were removed from the end"
            if head.last_seq != expected_seq - 1
            else "the head's hash does not match the last entry: the last entry was changed"
        )
        return ChainReport(checked, prev, ChainBreak(expected_seq, None, problem))
    return ChainReport(checked, prev, None)


def _check(entry: AuditEvent, expected_seq: int, prev: str) -> str | None:
    if entry.seq != expected_seq:
        return f"entry #{expected_seq} is missing (found #{entry.seq} next): an entry was removed"
    if entry.prev_hash != prev:
        return "its prev_hash does not match the previous entry's hash: one of them was changed"
    if entry_hash(entry) != entry.hash:
        return "its content does not match its hash: the entry was changed"
    return None


def entries_for_person(session: Session, person_id: uuid.UUID) -> Sequence[AuditEvent]:
    return session.exec(
        select(AuditEvent).where(AuditEvent.person_id == person_id).order_by(col(AuditEvent.seq))
    ).all()


def recipients_of_person(
    session: Session,
    person_id: uuid.UUID,
    *,
    purpose: str | None = None,
    organisation_id: uuid.UUID | None = None,
    recipient_kind: str | None = None,
) -> list[uuid.UUID]:
    """Organisations that were released this person's data (Art. 19), from the log;
    optionally only for ``purpose`` and only this organisation or this kind."""
    query = select(AuditEvent.recipient_organisation_id).where(
        AuditEvent.person_id == person_id,
        AuditEvent.action == AuditAction.RELEASE.value,
        AuditEvent.decision == "allowed",
        col(AuditEvent.recipient_organisation_id).is_not(None),
    )
    if purpose is not None:
        query = query.where(AuditEvent.purpose == purpose)
    if organisation_id is not None:
        query = query.where(AuditEvent.recipient_organisation_id == organisation_id)
    if recipient_kind is not None:
        query = query.where(AuditEvent.recipient_kind == recipient_kind)
    rows = session.exec(query.distinct()).all()
    return sorted((row for row in rows if row is not None), key=str)


def count_before(session: Session, cutoff: datetime) -> int:
    """How many entries :func:`purge_before` would remove."""
    boundary = _purge_boundary(session, cutoff)
    if boundary is None:
        return 0
    return int(
        session.exec(
            select(func.count()).select_from(AuditEvent).where(col(AuditEvent.seq) <= boundary)
        ).one()
    )


def _purge_boundary(session: Session, cutoff: datetime) -> int | None:
    """Last seq of the oldest run of entries older than ``cutoff`` (a prefix of the chain)."""
    first_kept = session.exec(
        select(func.min(AuditEvent.seq)).where(col(AuditEvent.occurred_at) >= cutoff)
    ).one()
    if first_kept is not None:
        boundary = int(first_kept) - 1
    else:
        last = session.exec(select(func.max(AuditEvent.seq))).one()
        if last is None:
            return None
        boundary = int(last)
    oldest = session.exec(select(func.min(AuditEvent.seq))).one()
    if oldest is None or boundary < int(oldest):
        return None
    return boundary


def purge_before(session: Session, cutoff: datetime) -> int:
    """Delete the chain's prefix older than ``cutoff`` and anchor the head after it."""
    boundary = _purge_boundary(session, cutoff)
    if boundary is None:
        return 0
    head = _advance_head(session, step=0)
    last_purged = session.exec(select(AuditEvent).where(AuditEvent.seq == boundary)).one()
    result = session.execute(delete(AuditEvent).where(col(AuditEvent.seq) <= boundary))
    head.anchor_seq = boundary + 1
    head.anchor_hash = last_purged.hash
    session.add(head)
    session.flush()
    return int(getattr(result, "rowcount", 0))
