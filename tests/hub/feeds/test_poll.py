"""Polling the i-milo feed end to end: read -> store (commit) -> acknowledge -> move the cursor."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from hub.crypto import Crypto
from hub.feeds import jobs, service
from hub.feeds.jobs import FeedNotConfiguredError, poll_imilo_feed
from hub.feeds.models import FeedCursor
from hub.ingest.models import ImportRun, QuarantinedRow, SourceRecordRow
from hub.models_base import utcnow
from hub.scheduler import JobContext, JobInterruptedError, set_job_context
from hub.settings import Environment, Settings
from tests.hub.feeds.fake_feed import FakeFeed, dossier, event


class Sleeper:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def poll(settings: Settings, engine: Engine, crypto: Crypto, **kwargs: Any) -> jobs.PollSummary:
    kwargs.setdefault("sleep", Sleeper())
    return poll_imilo_feed(settings, engine, crypto, **kwargs)


def cursor_row(engine: Engine) -> FeedCursor | None:
    with Session(engine) as session:
        return session.get(FeedCursor, "imilo-feed")


def records(engine: Engine) -> list[str]:
    with Session(engine) as session:
        rows = session.exec(
            select(SourceRecordRow.source_record_id)
            .where(SourceRecordRow.source == "imilo-feed")
            .order_by(col(SourceRecordRow.source_record_id))
        ).all()
    return list(rows)


def count(engine: Engine, model: type[Any]) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_happy_path_over_several_pages(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [event(n) for n in range(1, 6)]
    observed: list[tuple[int, str | None]] = []

    def before_ack(ids: list[str]) -> None:
        # Acknowledged only once stored: another connection already sees the records, and
        # the cursor has not moved yet.
        state = cursor_row(engine)
        observed.append((len(records(engine)), state.cursor if state else None))

    feed.before_ack = before_ack
    summary = poll(feed_settings, engine, crypto)

    assert summary.ok, summary.error
    assert (summary.pages, summary.events, summary.created, summary.acknowledged) == (3, 5, 5, 5)
    assert (summary.cursor_before, summary.cursor_after) == (None, "c-5")
    assert len(summary.import_ids) == 3
    assert feed.read_cursors == [None, "c-2", "c-4"]
    assert feed.ack_batches == [["evt-0001", "evt-0002"], ["evt-0003", "evt-0004"], ["evt-0005"]]
    assert observed == [(2, None), (4, "c-2"), (5, "c-4")]
    assert records(engine) == [f"ML68-{n:07d}" for n in range(1, 6)]
    state = cursor_row(engine)
    assert state is not None
    assert (state.cursor, state.events_consumed, state.last_poll_ok) == ("c-5", 5, True)
    assert state.last_error is None
    with Session(engine) as session:
        runs = session.exec(select(ImportRun).where(ImportRun.source == "imilo-feed")).all()
    assert sorted(run.rows for run in runs) == [1, 2, 2]
    assert all(run.actor == "scheduler" for run in runs)

    # Nothing new: one empty read, no import run, nothing acknowledged, the cursor stays.
    idle = poll(feed_settings, engine, crypto)
    assert idle.ok
    assert (idle.pages, idle.events, idle.acknowledged) == (1, 0, 0)
    assert idle.cursor_after == "c-5"
    assert count(engine, ImportRun) == 3

    # New events: the next poll goes on from the cursor.
    feed.events.append(event(6))
    later = poll(feed_settings, engine, crypto)
    assert (later.created, later.cursor_after) == (1, "c-6")
    assert feed.read_cursors[-1] == "c-5"


def test_an_empty_feed_read_from_the_start_keeps_no_cursor(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    summary = poll(feed_settings, engine, crypto)
    assert summary.ok
    assert summary.events == 0
    state = cursor_row(engine)
    assert state is not None
    assert state.cursor is None
    assert state.last_poll_ok is True


def test_5xx_then_success(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [event(1)]
    feed.get_failures = [httpx.Response(503), httpx.Response(500)]
    sleeper = Sleeper()
    summary = poll(feed_settings, engine, crypto, sleep=sleeper)
    assert summary.ok, summary.error
    assert summary.created == 1
    assert len(sleeper.delays) == 2
    assert 0.5 <= sleeper.delays[0] <= 1.0
    assert 1.0 <= sleeper.delays[1] <= 2.0


def test_429_with_retry_after(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [event(1)]
    feed.get_failures = [httpx.Response(429, headers={"Retry-After": "4"})]
    feed.ack_failures = [httpx.Response(429, headers={"Retry-After": "2"})]
    sleeper = Sleeper()
    summary = poll(feed_settings, engine, crypto, sleep=sleeper)
    assert summary.ok, summary.error
    assert sleeper.delays == [4.0, 2.0]
    assert feed.acked == ["evt-0001"]


def test_timeout_then_success(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [event(1), event(2)]
    feed.get_failures = [httpx.ReadTimeout("slow feed")]
    summary = poll(feed_settings, engine, crypto)
    assert summary.ok, summary.error
    assert summary.created == 2
    assert cursor_row(engine).cursor == "c-2"  # type: ignore[union-attr]


def test_retries_exhausted_leave_the_cursor_and_acknowledge_nothing(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [event(1), event(2)]
    feed.get_failures = [httpx.Response(503)] * 3
    sleeper = Sleeper()
    summary = poll(feed_settings, engine, crypto, sleep=sleeper)

    assert not summary.ok
    assert summary.error == "reading the feed: HTTP 503; gave up after 3 attempt(s)"
    assert len(sleeper.delays) == 2
    assert feed.acked == []
    assert records(engine) == []
    state = cursor_row(engine)
    assert state is not None
    assert (state.cursor, state.version, state.last_poll_ok) == (None, 0, False)
    assert state.last_error == summary.error
    assert "Cursor unchanged." in str(summary)
    assert "Stopped: reading the feed" in str(summary)


def test_a_failure_on_a_later_page_keeps_what_was_done_before_it(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [event(n) for n in range(1, 5)]

    def feed_goes_down(_ids: list[str]) -> None:
        feed.get_failures = [httpx.ConnectError("down")] * 3

    feed.before_ack = feed_goes_down
    summary = poll(feed_settings, engine, crypto)
    assert not summary.ok
    assert "connection failed" in (summary.error or "")
    assert summary.cursor_after == "c-2"
    assert feed.acked == ["evt-0001", "evt-0002"]
    assert cursor_row(engine).cursor == "c-2"  # type: ignore[union-attr]


def test_duplicates_are_harmless(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [
        event(1),
        event(2),
        event(1),  # the same event delivered again
        event(3, dossier_number=1),  # the same dossier in another event, same content
        event(4, dossier_number=2, type_="dossier.recontacte"),  # the dossier changed state
    ]
    summary = poll(feed_settings, engine, crypto)
    assert summary.ok, summary.error
    assert (summary.created, summary.unchanged, summary.updated) == (2, 2, 1)
    assert records(engine) == ["ML68-0000001", "ML68-0000002"]
    assert feed.acked == ["evt-0001", "evt-0002", "evt-0001", "evt-0003", "evt-0004"]


def test_an_acknowledgement_failure_leaves_the_cursor_then_the_page_is_read_again(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [event(1), event(2)]
    feed.ack_failures = [httpx.Response(503)] * 3
    first = poll(feed_settings, engine, crypto)

    assert not first.ok
    assert "acknowledging events: HTTP 503; gave up after 3 attempt(s)" in (first.error or "")
    assert "2 stored event(s) were not acknowledged" in (first.error or "")
    assert first.created == 2
    assert first.acknowledged == 0
    assert cursor_row(engine).cursor is None  # type: ignore[union-attr]
    assert feed.acked == []

    second = poll(feed_settings, engine, crypto)
    assert second.ok, second.error
    assert (second.created, second.unchanged, second.acknowledged) == (0, 2, 2)
    assert second.cursor_after == "c-2"
    assert feed.read_cursors == [None, None]
    assert records(engine) == ["ML68-0000001", "ML68-0000002"]


def test_a_refused_acknowledgement_stops_the_poll_too(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [event(1)]
    feed.ack_failures = [httpx.Response(403)]
    summary = poll(feed_settings, engine, crypto)
    assert "HTTP 403" in (summary.error or "")
    assert cursor_row(engine).cursor is None  # type: ignore[union-attr]


def test_a_page_that_is_not_json_stores_and_acknowledges_nothing(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [event(1)]
    feed.get_failures = [httpx.Response(200, text="<html>maintenance</html>")]
    summary = poll(feed_settings, engine, crypto)
    assert summary.error == "malformed page: the body is not JSON"
    assert count(engine, ImportRun) == 0
    assert feed.acked == []
    assert cursor_row(engine).cursor is None  # type: ignore[union-attr]


def test_malformed_events_are_quarantined_encrypted_and_acknowledged(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    no_id = {"type": "dossier.perdu_de_vue", "dossier": dossier(8)}
    wrong_types = event(3) | {"dossier": dossier(3, nom=["LAMBERT"], code_postal=68270)}
    feed.events = [event(1), no_id, wrong_types, "not an object"]
    summary = poll(feed_settings, engine, crypto)

    assert summary.ok, summary.error
    assert (summary.created, summary.quarantined) == (1, 3)
    assert feed.acked == ["evt-0001", "evt-0003"]  # events without an id cannot be
    assert cursor_row(engine).cursor == "c-4"  # type: ignore[union-attr]
    with Session(engine) as session:
        quarantined = session.exec(select(QuarantinedRow)).all()
    # Row numbers are positions in their page (one import run per page).
    assert {(q.row, q.column) for q in quarantined} == {(2, "id"), (1, "dossier.nom"), (2, "event")}
    for row in quarantined:
        assert b"LAMBERT" not in row.raw
        assert "LAMBERT" not in row.reason
    wrong = next(q for q in quarantined if q.column == "dossier.nom")
    assert wrong.reason == (
        "dossier.nom must be a string or null; dossier.code_postal must be a string or null"
    )
    raw = crypto.cipher.decrypt_json(
        wrong.raw, table="quarantined_row", row_id=str(wrong.id), field="raw"
    )
    assert json.loads(raw["event"])["id"] == "evt-0003"


def test_a_storage_failure_acknowledges_nothing(
    feed_settings: Settings,
    engine: Engine,
    crypto: Crypto,
    feed: FakeFeed,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed.events = [event(1)]

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("disk full for LAMBERT")

    monkeypatch.setattr(service, "run_import", broken)
    summary = poll(feed_settings, engine, crypto)
    assert summary.error == "unexpected RuntimeError while storing; nothing acknowledged"
    assert feed.acked == []
    assert count(engine, ImportRun) == 0
    assert cursor_row(engine).cursor is None  # type: ignore[union-attr]


def test_a_cursor_moved_by_another_poll_stops_this_one(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [event(1), event(2), event(3)]

    def concurrent_poll(_ids: list[str]) -> None:
        if len(feed.ack_batches) == 0:
            with Session(engine) as session:
                service.advance_cursor(
                    session,
                    "imilo-feed",
                    from_version=0,
                    cursor="c-2",
                    events=2,
                    now=utcnow(),
                )
                session.commit()

    feed.before_ack = concurrent_poll
    summary = poll(feed_settings, engine, crypto)
    assert "moved by another poll" in (summary.error or "")
    assert cursor_row(engine).version == 1  # type: ignore[union-attr]


def test_a_stopping_scheduler_interrupts_a_poll_waiting_to_retry(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [event(1)]
    feed.get_failures = [httpx.Response(503)]

    def stopping(_seconds: float) -> None:
        raise JobInterruptedError("stopping")

    summary = poll(feed_settings, engine, crypto, sleep=stopping)
    assert summary.error == "interrupted: the hub is stopping"
    assert cursor_row(engine).cursor is None  # type: ignore[union-attr]


def test_the_page_limit_leaves_the_rest_for_the_next_poll(
    feed_settings: Settings, engine: Engine, crypto: Crypto, feed: FakeFeed
) -> None:
    feed.events = [event(n) for n in range(1, 6)]
    limited = feed_settings.model_copy(update={"imilo_feed_max_pages": 1})
    first = poll(limited, engine, crypto)
    assert first.ok
    assert first.more_to_read
    assert first.cursor_after == "c-2"
    assert "the next poll continues" in str(first)


def test_the_feed_must_be_configured(
    settings: Settings, feed_settings: Settings, engine: Engine, crypto: Crypto
) -> None:
    with pytest.raises(FeedNotConfiguredError, match="HUB_IMILO_FEED_URL"):
        poll(settings, engine, crypto)
    plain_http = feed_settings.model_copy(
        update={
            "environment": Environment.PRODUCTION,
            "imilo_feed_url": "http://feed.example.test/",
        }
    )
    with pytest.raises(FeedNotConfiguredError, match="https"):
        poll(plain_http, engine, crypto)


def test_the_scheduled_job_logs_counts_never_personal_data(
    feed_settings: Settings,
    engine: Engine,
    feed: FakeFeed,
    caplog: pytest.LogCaptureFixture,
) -> None:
    feed.events = [event(1), {"dossier": dossier(2)}]
    set_job_context(JobContext(settings=feed_settings, engine=engine))
    try:
        with caplog.at_level(logging.INFO, logger="hub.feeds"):
            summary = jobs.poll_imilo_feed_job()
    finally:
        set_job_context(None)
    assert summary.ok
    assert summary.created == 1
    logged = [r for r in caplog.records if r.name == "hub.feeds"]
    assert [r.getMessage() for r in logged] == ["feed polled"]
    dumped = json.dumps([vars(r) for r in logged], default=str)
    for personal in ("LAMBERT", "Yanis", "yanis.lambert", "07 21", "2003-09-21", "ML68-"):
        assert personal not in dumped
    assert logged[0].records_created == 1  # type: ignore[attr-defined]
