"""The HTTP side of the i-milo feed: one page, one acknowledgement, bounded retries.

Nothing here knows the hub: the caller hands over an ``httpx.Client``, the feed's base URL,
its API key and a cursor; it gets back a :class:`~connectors.imilo_feed.events.FeedPage`
or a :class:`~connectors.imilo_feed.errors.FeedError`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from connectors.imilo_feed.errors import (
    FeedRefusedError,
    FeedUnavailableError,
)
from connectors.imilo_feed.events import FeedPage, parse_page

API_KEY_HEADER = "X-Api-Key"
EVENTS_PATH = "/events"
ACK_PATH = "/events/ack"
MAX_ACK_BATCH = 1000
"""Event ids per acknowledgement request at most (the feed's documented limit)."""

_jitter_source = random.SystemRandom()


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter.

    The delay after the ``n``-th failed attempt is ``cap / 2 + U(0, cap / 2)`` where
    ``cap = min(max_backoff_seconds, backoff_seconds * 2 ** (n - 1))`` ("equal jitter": never
    less than half the exponential delay, so a busy feed really gets room). A ``Retry-After``
    given by the feed replaces the computed delay; one longer than ``max_backoff_seconds``
    ends the attempts at once (the next scheduled poll will try again)."""

    max_attempts: int = 5
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.backoff_seconds < 0 or self.max_backoff_seconds < 0:
            raise ValueError("backoff delays cannot be negative")

    def delay(self, failed_attempts: int, jitter: float) -> float:
        """Seconds to wait after ``failed_attempts`` failures; ``jitter`` is in [0, 1)."""
        exponential: float = self.backoff_seconds * 2.0 ** (failed_attempts - 1)
        cap = min(self.max_backoff_seconds, exponential)
        return cap / 2 + jitter * cap / 2


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AckResult:
    """What the feed said about an acknowledgement."""

    acknowledged: int
    """Event ids the feed recorded as acknowledged (now or before)."""
    unknown: int
    """Event ids the feed did not know (already purged, or never delivered)."""


class ImiloFeedClient:
    """Reads pages of the feed and acknowledges events, retrying what is worth retrying.

    ``sleep``, ``jitter`` and ``clock`` are injectable so that tests do not wait; ``sleep``
    may raise to abandon a poll (e.g. at shutdown): the exception propagates unchanged."""

    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        api_key: str,
        *,
        page_size: int = 100,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], object] = time.sleep,
        jitter: Callable[[], float] = _jitter_source.random,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        if not base_url.startswith(("https://", "http://")):
            raise ValueError("the feed URL must be an http(s) URL")
        if not api_key:
            raise ValueError("the feed needs an API key")
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.page_size = page_size
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter
        self._clock = clock

    def fetch_page(self, cursor: str | None, *, received_at: datetime) -> FeedPage:
        """The events after ``cursor`` (from the oldest retained one when ``None``)."""
        params: dict[str, str | int] = {"limit": self.page_size}
        if cursor is not None:
            params["cursor"] = cursor
        response = self._send("GET", EVENTS_PATH, "reading the feed", params=params)
        return parse_page(response.content, cursor=cursor, received_at=received_at)

    def acknowledge(self, event_ids: Sequence[str]) -> AckResult:
        """Tell the feed these events are stored; idempotent, so safe to repeat."""
        acknowledged = unknown = 0
        for start in range(0, len(event_ids), MAX_ACK_BATCH):
            batch = list(event_ids[start : start + MAX_ACK_BATCH])
            response = self._send(
                "POST", ACK_PATH, "acknowledging events", json={"event_ids": batch}
            )
            batch_unknown = _unknown_count(response)
            unknown += batch_unknown
            acknowledged += len(batch) - batch_unknown
        return AckResult(acknowledged=acknowledged, unknown=unknown)

    def _send(self, method: str, path: str, what: str, **kwargs: object) -> httpx.Response:
        url = self._base_url + path
        headers = {API_KEY_HEADER: self._api_key, "Accept": "application/json"}
        policy = self.retry
        for attempt in range(1, policy.max_attempts + 1):
            retry_after: float | None = None
            try:
                response = self._http.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.UnsupportedProtocol as exc:
                raise FeedRefusedError(f"{what}: unsupported URL scheme", 0) from exc
            except httpx.TransportError as exc:
                problem = f"connection failed ({type(exc).__name__})"
            else:
                status = response.status_code
                if response.is_success:
                    return response
                if status != 429 and status < 500:
                    raise FeedRefusedError(_refusal(what, status), status)
                problem = f"HTTP {status}"
                retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock())
            if attempt == policy.max_attempts:
                raise FeedUnavailableError(f"{what}: {problem}; gave up after {attempt} attempt(s)")
            if retry_after is not None and retry_after > policy.max_backoff_seconds:
                raise FeedUnavailableError(
                    f"{what}: {problem}, the feed asks to wait {retry_after:.0f} s "
                    f"(more than the {policy.max_backoff_seconds:.0f} s allowed); "
                    "stopped until the next poll"
                )
            delay = (
                retry_after if retry_after is not None else policy.delay(attempt, self._jitter())
            )
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def _refusal(what: str, status: int) -> str:
    hints = {
        400: "the feed rejected the request (cursor or parameters)",
        401: "the API key was refused",
        403: "the API key is not allowed to read this feed",
        404: "no feed at this URL",
        410: "the cursor is older than what the feed retains",
    }
    if 300 <= status < 400:
        return f"{what}: unexpected redirect (HTTP {status}); check the feed URL"
    return f"{what}: HTTP {status}, {hints.get(status, 'request refused')}"


def _unknown_count(response: httpx.Response) -> int:
    """Number of ``unknown`` ids in an acknowledgement answer; an empty or 204 answer means none."""
    if not response.content:
        return 0
    try:
        body = response.json()
    except ValueError:
        return 0
    if isinstance(body, dict):
        unknown = body.get("unknown")
        if isinstance(unknown, list):
            return len(unknown)
    return 0
