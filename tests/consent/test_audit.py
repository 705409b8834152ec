"""The audit log is append-only and tamper-evident."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from sqlalchemy import Engine, text, update
from sqlmodel import Session, col

from consent import audit
from consent.audit import Actor
from consent.models import AuditEvent
from consent.vocabulary import AuditAction
from hub.db import unit_of_work
from tests.consent.conftest import NOW

ACTOR = Actor(client_id="worker-app")


def _log(session: Session, n: int, *, start_days_ago: int = 0) -> list[uuid.UUID]:
    ids = []
    for i in range(n):
        entry = audit.record(
            session,
            actor=ACTOR,
            action=AuditAction.READ,
            person_id=uuid.uuid4(),
            fields=["person.emails", "person.phones"],
            now=NOW - timedelta(days=start_days_ago) + timedelta(minutes=i),
        )
        ids.append(entry.id)
    session.commit()
    return ids


def test_entries_chain_and_verify(session: Session) -> None:
    _log(session, 5)
    report = audit.verify_chain(session)
    assert report.ok
    assert report.checked == 5


def test_an_empty_log_verifies(session: Session) -> None:
    report = audit.verify_chain(session)
    assert report.ok
    assert report.checked == 0


def test_a_changed_entry_is_named(session: Session) -> None:
    ids = _log(session, 5)
    session.execute(update(AuditEvent).where(col(AuditEvent.id) == ids[2]).values(purpose="x"))
    session.commit()
    report = audit.verify_chain(session)
    assert not report.ok
    assert report.first_break is not None
    assert report.first_break.seq == 3
    assert report.first_break.entry_id == ids[2]
    assert "changed" in report.first_break.problem


def test_a_removed_entry_is_detected(session: Session) -> None:
    _log(session, 5)
    session.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    session.commit()
    report = audit.verify_chain(session)
    assert report.first_break is not None
    assert report.first_break.seq == 3
    assert "#2 is missing" in report.first_break.problem


def test_removing_the_last_entries_is_detected(session: Session) -> None:
    _log(session, 5)
    session.execute(text("DELETE FROM audit_event WHERE seq >= 4"))
    session.commit()
    report = audit.verify_chain(session)
    assert report.first_break is not None
    assert "removed from the end" in report.first_break.problem


def test_a_rehashed_entry_breaks_the_next_link(session: Session) -> None:
    ids = _log(session, 4)
    entry = session.get(AuditEvent, ids[1])
    assert entry is not None
    entry.reason = "forged"
    entry.hash = audit.entry_hash(entry)  # the forger recomputes this entry's own hash
    session.add(entry)
    session.commit()
    report = audit.verify_chain(session)
    assert report.first_break is not None
    assert report.first_break.seq == 3
    assert "prev_hash" in report.first_break.problem


def test_purging_old_entries_keeps_the_rest_verifiable(session: Session) -> None:
    _log(session, 3, start_days_ago=1200)
    _log(session, 2)
    assert audit.count_before(session, NOW - timedelta(days=365)) == 3
    purged = audit.purge_before(session, NOW - timedelta(days=365))
    session.commit()
    assert purged == 3
    report = audit.verify_chain(session)
    assert report.ok, report.first_break
    assert report.checked == 2
    # and the chain goes on after the purge
    _log(session, 1)
    assert audit.verify_chain(session).checked == 3


def test_no_personal_value_is_logged(session: Session) -> None:
    entry = audit.record(
        session, actor=ACTOR, action=AuditAction.READ, person_id=uuid.uuid4(), fields=["person"]
    )
    values = [str(v) for v in entry.model_dump().values()]
    assert not any("@" in v for v in values)


def test_concurrent_appends_keep_one_chain(engine: Engine) -> None:
    """Writers in parallel transactions queue on the head row: no fork, no duplicate seq."""

    def append(n: int) -> None:
        for _ in range(n):
            with unit_of_work(engine) as session:
                audit.record(session, actor=ACTOR, action=AuditAction.READ, person_id=uuid.uuid4())

    threads = [threading.Thread(target=append, args=(5,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Session(engine) as session:
        report = audit.verify_chain(session)
    assert report.ok, report.first_break
    assert report.checked == 20
