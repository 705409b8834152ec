"""The imilo-feed pull connector: pages, events, acknowledgements and retries (respx only)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx

from connectors.base import SourceConnector
from connectors.imilo_feed import (
    API_KEY_HEADER,
    EVENT_TYPES,
    FeedProtocolError,
    FeedRefusedError,
    FeedUnavailableError,
    ImiloFeedClient,
    RetryPolicy,
    connector,
    map_event,
    parse_page,
    parse_retry_after,
)
from connectors.registry import load_connectors

BASE = "https://feed.example.test/imilo/v1"
KEY = "test-key-123"
NOW = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)


def dossier(number: int = 1, **overrides: Any) -> dict[str, Any]:
    """A synthetic i-milo dossier snapshot."""
    values: dict[str, Any] = {
        "identifiant_ml": f"ML68-{number:07d}",
        "nom": "FONTAINE",
        "nom_usage": None,
        "prenom": "Inès",
        "sexe": "F",
        "date_naissance": "2004-05-17",
        "commune": "Mulhouse",
        "code_postal": "68100",
        "telephone": "06 11 22 33 44",
        "courriel": "ines.fontaine@example.org",
        "ine": None,
        "date_dernier_contact": "2024-10-02",
        "conseiller_referent": "A. Roux",
        "dispositif": "PACEA",
        "situation": "Demandeur d'emploi",
    }
    values.update(overrides)
    return values


def event(
    number: int = 1, *, dossier_number: int | None = None, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"evt-{number:04d}",
        "type": "dossier.perdu_de_vue",
        "occurred_at": "2025-03-04T09:15:00+01:00",
        "dossier": dossier(dossier_number if dossier_number is not None else number),
    }
    body.update(overrides)
    return body


def page(events: list[Any], next_cursor: str | None, has_more: bool = False) -> dict[str, Any]:
    return {"events": events, "next_cursor": next_cursor, "has_more": has_more}


class Sleeper:
    """Records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeper() -> Sleeper:
    return Sleeper()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(5.0)) as client:
        yield client


def make_client(
    http: httpx.Client, sleeper: Sleeper, *, max_attempts: int = 4, max_backoff: float = 60.0
) -> ImiloFeedClient:
    return connector.client(
        http,
        BASE,
        KEY,
        page_size=2,
        retry=RetryPolicy(
            max_attempts=max_attempts, backoff_seconds=1.0, max_backoff_seconds=max_backoff
        ),
        sleep=sleeper,
        clock=lambda: NOW,
    )


# --- registration and the mapping of events -----------------------------------------------


def test_the_connector_is_registered_as_a_pull_connector() -> None:
    entries = {entry.name: entry for entry in load_connectors()}
    entry = entries["imilo-feed"]
    assert entry.ok, entry.error
    assert isinstance(entry.connector, SourceConnector)
    assert entry.connector.formats == ("feed",)
    assert entry.file_connector is None


def test_a_dossier_event_becomes_a_record_of_the_feed() -> None:
    row, event_id = map_event(event(7), row=3, received_at=NOW)
    assert event_id == "evt-0007"
    assert row.row == 3
    record = row.record
    assert record is not None, row.errors
    assert record.source == "imilo-feed"
    assert record.source_record_id == "ML68-0000007"
    assert record.received_at == NOW
    assert record.person.family_name == "FONTAINE"
    assert record.person.given_names == ["Inès"]
    assert record.person.phones == ["+33611223344"]
    assert record.person.emails == ["ines.fontaine@example.org"]
    assert record.person.birth_date is not None
    assert record.follow_up.known_to_mission_locale is True
    assert record.follow_up.dispositif == "PACEA"
    assert record.attributes["Type événement"] == "dossier.perdu_de_vue"
    assert record.attributes["Situation"] == "Demandeur d'emploi"
    # The raw row is the whole event, for the encrypted quarantine store.
    assert json.loads(row.raw["event"])["id"] == "evt-0007"


def test_every_documented_event_type_is_accepted() -> None:
    for event_type in sorted(EVENT_TYPES):
        row, _ = map_event(event(1, type=event_type), row=1, received_at=NOW)
        assert row.record is not None, (event_type, row.errors)


def test_extra_dossier_fields_are_kept_as_attributes() -> None:
    row, _ = map_event(
        event(1, dossier=dossier(1, antenne="Mulhouse Nord")), row=1, received_at=NOW
    )
    assert row.record is not None
    assert row.record.attributes["antenne"] == "Mulhouse Nord"


@pytest.mark.parametrize(
    ("payload", "column", "reason", "acked"),
    [
        ("just a string", "event", "not a JSON object", False),
        ([1, 2], "event", "not a JSON object", False),
        ({k: v for k, v in event(1).items() if k != "id"}, "id", "missing event id", False),
        (event(1, id=42), "id", "not a string", False),
        (event(1, id=""), "id", "not a string", False),
        ({k: v for k, v in event(1).items() if k != "type"}, "type", "missing event type", True),
        (event(1, type="dossier.supprime"), "type", "unsupported event type", True),
        (event(1, occurred_at="yesterday"), "occurred_at", "ISO 8601", True),
        (event(1, occurred_at="2025-03-04T09:15:00"), "occurred_at", "offset", True),
        ({k: v for k, v in event(1).items() if k != "dossier"}, "dossier", "missing", True),
        (event(1, dossier="ML68-1"), "dossier", "not a JSON object", True),
        (event(1, dossier=dossier(1, nom=["A", "B"])), "dossier.nom", "string or null", True),
        (event(1, dossier=dossier(1, code_postal=68100)), "dossier.code_postal", "string", True),
        (
            event(1, dossier=dossier(1, identifiant_ml=None)),
            "dossier.identifiant_ml",
            "missing",
            True,
        ),
        (event(1, dossier=dossier(1, prenom="x" * 1001)), "dossier.prenom", "longer than", True),
    ],
)
def test_a_malformed_event_is_a_row_error_never_an_exception(
    payload: object, column: str, reason: str, acked: bool
) -> None:
    row, event_id = map_event(payload, row=5, received_at=NOW)
    assert row.record is None
    assert row.quarantined
    assert any(e.column == column and reason in e.reason and e.row == 5 for e in row.errors), (
        row.errors
    )
    assert (event_id is not None) is acked
    assert "event" in row.raw  # kept whole for the quarantine


def test_row_errors_never_quote_personal_values() -> None:
    bad = event(1, occurred_at="Inès FONTAINE", dossier=dossier(1, nom=12, courriel=["x@y.fr"]))
    row, _ = map_event(bad, row=1, received_at=NOW)
    reasons = " ".join(f"{e.column} {e.reason}" for e in row.errors)
    assert "FONTAINE" not in reasons
    assert "x@y.fr" not in reasons


def test_a_page_maps_its_events_and_deduplicates_the_ids_to_acknowledge() -> None:
    body = json.dumps(
        page([event(1), event(2), event(1), {"type": "dossier.mis_a_jour"}], "c-4", True)
    ).encode()
    mapped = parse_page(body, cursor="c-0", received_at=NOW)
    assert mapped.events == 4
    assert [r.row for r in mapped.rows] == [1, 2, 3, 4]
    assert [r.quarantined for r in mapped.rows] == [False, False, False, True]
    assert mapped.ack_ids == ("evt-0001", "evt-0002")
    assert mapped.next_cursor == "c-4"
    assert mapped.has_more is True
    assert mapped.cursor == "c-0"
    assert len(mapped.body_sha256) == 64


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Service Unavailable</html>", "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b"[]", "not a JSON object"),
        (b'{"next_cursor": "c-1"}', "'events'"),
        (b'{"events": {}, "next_cursor": "c-1"}', "'events'"),
        (b'{"events": [], "next_cursor": 12}', "'next_cursor'"),
        (b'{"events": [], "next_cursor": "c-1", "has_more": "yes"}', "'has_more'"),
        (json.dumps(page([event(1)], None)).encode(), "without a 'next_cursor'"),
        (json.dumps(page([], "c-0", True)).encode(), "does not move"),
    ],
)
def test_an_unusable_page_is_refused_as_a_whole(body: bytes, message: str) -> None:
    with pytest.raises(FeedProtocolError, match=message):
        parse_page(body, cursor="c-0", received_at=NOW)


def test_an_empty_feed_is_an_empty_page() -> None:
    mapped = parse_page(json.dumps(page([], None)).encode(), cursor=None, received_at=NOW)
    assert mapped.events == 0
    assert mapped.next_cursor is None
    assert not mapped.has_more


# --- HTTP: paging, authentication, acknowledgement ------------------------------------------


@respx.mock
def test_pages_are_read_with_the_api_key_cursor_and_limit(
    http: httpx.Client, sleeper: Sleeper
) -> None:
    route = respx.get(f"{BASE}/events").mock(
        side_effect=[
            httpx.Response(200, json=page([event(1), event(2)], "c-2", True)),
            httpx.Response(200, json=page([event(3)], "c-3", False)),
        ]
    )
    client = make_client(http, sleeper)

    first = client.fetch_page(None, received_at=NOW)
    second = client.fetch_page(first.next_cursor, received_at=NOW)

    assert first.ack_ids == ("evt-0001", "evt-0002")
    assert (second.cursor, second.next_cursor, second.has_more) == ("c-2", "c-3", False)
    sent = [call.request for call in route.calls]
    assert all(request.headers[API_KEY_HEADER] == KEY for request in sent)
    assert dict(sent[0].url.params) == {"limit": "2"}
    assert dict(sent[1].url.params) == {"limit": "2", "cursor": "c-2"}
    assert sleeper.delays == []


@respx.mock
def test_acknowledgement_posts_the_ids_and_counts_unknown_ones(
    http: httpx.Client, sleeper: Sleeper
) -> None:
    route = respx.post(f"{BASE}/events/ack").mock(
        side_effect=[
            httpx.Response(200, json={"acknowledged": ["evt-0001"], "unknown": ["evt-0002"]}),
            httpx.Response(204),
        ]
    )
    client = make_client(http, sleeper)
    result = client.acknowledge(["evt-0001", "evt-0002"])
    assert (result.acknowledged, result.unknown) == (1, 1)
    assert json.loads(route.calls[0].request.content) == {"event_ids": ["evt-0001", "evt-0002"]}
    assert route.calls[0].request.headers[API_KEY_HEADER] == KEY
    again = client.acknowledge(["evt-0003"])
    assert (again.acknowledged, again.unknown) == (1, 0)


@respx.mock
def test_large_acknowledgements_are_split_in_batches(http: httpx.Client, sleeper: Sleeper) -> None:
    route = respx.post(f"{BASE}/events/ack").mock(return_value=httpx.Response(204))
    ids = [f"evt-{n}" for n in range(2500)]
    result = make_client(http, sleeper).acknowledge(ids)
    assert result.acknowledged == 2500
    sizes = [len(json.loads(call.request.content)["event_ids"]) for call in route.calls]
    assert sizes == [1000, 1000, 500]


# --- retries ----------------------------------------------------------------------------------


@respx.mock
def test_5xx_is_retried_with_exponential_backoff_and_jitter(
    http: httpx.Client, sleeper: Sleeper
) -> None:
    route = respx.get(f"{BASE}/events").mock(
        side_effect=[
            httpx.Response(500),
            httpx.Response(502),
            httpx.Response(503),
            httpx.Response(200, json=page([event(1)], "c-1")),
        ]
    )
    mapped = make_client(http, sleeper).fetch_page(None, received_at=NOW)
    assert mapped.ack_ids == ("evt-0001",)
    assert route.call_count == 4
    assert len(sleeper.delays) == 3
    for attempt, delay in enumerate(sleeper.delays, start=1):
        cap = 2.0 ** (attempt - 1)
        assert cap / 2 <= delay <= cap


@respx.mock
def test_429_honours_retry_after_in_seconds(http: httpx.Client, sleeper: Sleeper) -> None:
    respx.get(f"{BASE}/events").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json=page([], None)),
        ]
    )
    make_client(http, sleeper).fetch_page(None, received_at=NOW)
    assert sleeper.delays == [7.0]


@respx.mock
def test_429_honours_retry_after_as_an_http_date(http: httpx.Client, sleeper: Sleeper) -> None:
    when = format_datetime(NOW + timedelta(seconds=12), usegmt=True)
    respx.get(f"{BASE}/events").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": when}),
            httpx.Response(200, json=page([], None)),
        ]
    )
    make_client(http, sleeper).fetch_page(None, received_at=NOW)
    assert sleeper.delays == [12.0]


@respx.mock
def test_a_retry_after_longer_than_allowed_stops_without_waiting(
    http: httpx.Client, sleeper: Sleeper
) -> None:
    route = respx.get(f"{BASE}/events").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"})
    )
    with pytest.raises(FeedUnavailableError, match="asks to wait 3600 s"):
        make_client(http, sleeper, max_backoff=60).fetch_page(None, received_at=NOW)
    assert route.call_count == 1
    assert sleeper.delays == []


@respx.mock
def test_a_timeout_is_retried(http: httpx.Client, sleeper: Sleeper) -> None:
    route = respx.get(f"{BASE}/events").mock(
        side_effect=[
            httpx.ReadTimeout("slow"),
            httpx.ConnectTimeout("slower"),
            httpx.Response(200, json=page([event(1)], "c-1")),
        ]
    )
    mapped = make_client(http, sleeper).fetch_page(None, received_at=NOW)
    assert mapped.events == 1
    assert route.call_count == 3
    assert len(sleeper.delays) == 2


@respx.mock
def test_retries_are_bounded_then_the_feed_is_unavailable(
    http: httpx.Client, sleeper: Sleeper
) -> None:
    route = respx.get(f"{BASE}/events").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(FeedUnavailableError, match="gave up after 4 attempt") as caught:
        make_client(http, sleeper, max_attempts=4).fetch_page("c-9", received_at=NOW)
    assert caught.value.retryable
    assert route.call_count == 4
    assert len(sleeper.delays) == 3


@respx.mock
def test_errors_never_quote_the_response_body(http: httpx.Client, sleeper: Sleeper) -> None:
    leak = "Inès FONTAINE 06 11 22 33 44"
    respx.get(f"{BASE}/events").mock(return_value=httpx.Response(503, text=leak))
    respx.post(f"{BASE}/events/ack").mock(return_value=httpx.Response(400, text=leak))
    client = make_client(http, sleeper, max_attempts=2)
    with pytest.raises(FeedUnavailableError) as unavailable:
        client.fetch_page(None, received_at=NOW)
    with pytest.raises(FeedRefusedError) as refused:
        client.acknowledge(["evt-1"])
    for error in (unavailable.value, refused.value):
        assert "FONTAINE" not in str(error)
        assert "06 11" not in str(error)


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (400, "rejected"),
        (401, "API key was refused"),
        (403, "not allowed"),
        (404, "no feed"),
        (410, "older than"),
        (302, "redirect"),
    ],
)
@respx.mock
def test_client_errors_are_not_retried(
    http: httpx.Client, sleeper: Sleeper, status: int, hint: str
) -> None:
    route = respx.get(f"{BASE}/events").mock(
        return_value=httpx.Response(status, headers={"Location": "https://elsewhere.test/"})
    )
    with pytest.raises(FeedRefusedError, match=hint) as caught:
        make_client(http, sleeper).fetch_page(None, received_at=NOW)
    assert caught.value.status_code == status
    assert not caught.value.retryable
    assert route.call_count == 1
    assert sleeper.delays == []


@respx.mock
def test_acknowledgements_are_retried_like_reads(http: httpx.Client, sleeper: Sleeper) -> None:
    route = respx.post(f"{BASE}/events/ack").mock(
        side_effect=[httpx.Response(503), httpx.ReadTimeout("slow"), httpx.Response(204)]
    )
    assert make_client(http, sleeper).acknowledge(["evt-1"]).acknowledged == 1
    assert route.call_count == 3


@respx.mock
def test_sleep_may_abandon_the_attempts(http: httpx.Client) -> None:
    class StopError(Exception):
        pass

    def stopping(_seconds: float) -> None:
        raise StopError

    respx.get(f"{BASE}/events").mock(return_value=httpx.Response(503))
    client = connector.client(http, BASE, KEY, sleep=stopping)
    with pytest.raises(StopError):
        client.fetch_page(None, received_at=NOW)


# --- small pieces -------------------------------------------------------------------------------


def test_retry_after_parsing() -> None:
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after(" 30 ", NOW) == 30.0
    assert parse_retry_after("not a date", NOW) is None
    past = format_datetime(NOW - timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(past, NOW) == 0.0


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(max_attempts=10, backoff_seconds=1.0, max_backoff_seconds=8.0)
    assert policy.delay(1, 0.0) == 0.5
    assert policy.delay(1, 1.0) == 1.0
    assert policy.delay(10, 1.0) == 8.0
    assert policy.delay(10, 0.0) == 4.0
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(max_attempts=0)


def test_the_client_refuses_a_bad_configuration(http: httpx.Client) -> None:
    with pytest.raises(ValueError, match="http"):
        ImiloFeedClient(http, "ftp://feed.example.test", KEY)
    with pytest.raises(ValueError, match="API key"):
        ImiloFeedClient(http, BASE, "")
