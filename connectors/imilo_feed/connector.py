"""The ``imilo-feed`` pull connector as the registry sees it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from connectors.imilo_feed.client import ImiloFeedClient, RetryPolicy
from connectors.imilo_feed.events import SOURCE


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ImiloFeedConnector:
    """Pulls a Mission Locale operator event feed (i-milo style) over HTTP; see README.md."""

    name: str = SOURCE
    formats: tuple[str, ...] = ("feed",)
    description: str = (
        "Mission Locale operator event feed (i-milo style, pulled over HTTP): lost-contact "
        "dossiers as they change"
    )

    def client(
        self,
        http: httpx.Client,
        base_url: str,
        api_key: str,
        *,
        page_size: int = 100,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], datetime] = _utcnow,
    ) -> ImiloFeedClient:
        """A client of the feed at ``base_url`` over ``http``."""
        return ImiloFeedClient(
            http, base_url, api_key, page_size=page_size, retry=retry, sleep=sleep, clock=clock
        )


connector = ImiloFeedConnector()
