"""An in-process sliding-window rate limiter for the token endpoints.

Each worker process counts for itself: with N workers a caller gets up to N times the
configured rate. That is enough to make guessing secrets useless (they are 256-bit random);
a shared limit belongs to the reverse proxy."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """At most ``limit`` hits per ``window`` seconds for each key."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count one hit; 0 if allowed, else seconds until the oldest hit leaves the window
        (the refused hit is not counted, so a caller that waits gets through)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self._max_keys:
                    self._prune(now)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(hits[0] + self.window - now, 0.001)
            hits.append(now)
            return 0.0

    def _prune(self, now: float) -> None:
        stale = [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for key in stale:
            del self._hits[key]
        if len(self._hits) >= self._max_keys:
            # Still full of live keys (an attack with many identities): forget the oldest.
            for key in sorted(self._hits, key=lambda k: self._hits[k][-1])[: self._max_keys // 10]:
                del self._hits[key]


class TokenEndpointLimiter:
    """Per client id and per remote address, as the settings say."""

    def __init__(self, *, per_client: int, per_address: int, window: float) -> None:
        self.by_client = SlidingWindowLimiter(per_client, window)
        self.by_address = SlidingWindowLimiter(per_address, window)

    def check(self, *, client_id: str | None, address: str | None) -> int:
        """0 when allowed, else the whole seconds to put in ``Retry-After``."""
        wait = self.by_address.hit(address or "unknown")
        if not wait and client_id:
            wait = self.by_client.hit(client_id)
        return math.ceil(wait) if wait else 0
