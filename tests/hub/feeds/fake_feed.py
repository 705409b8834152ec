"""A small in-memory i-milo feed for respx, following connectors/imilo_feed/README.md."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import respx

BASE = "https://feed.example.test/imilo/v1"
API_KEY = "feed-test-key"


def dossier(number: int, **overrides: Any) -> dict[str, Any]:
    """A synthetic dossier snapshot (invented identity)."""
    values: dict[str, Any] = {
        "identifiant_ml": f"ML68-{number:07d}",
        "nom": "LAMBERT",
        "nom_usage": None,
        "prenom": "Yanis",
        "sexe": "M",
        "date_naissance": "2003-09-21",
        "commune": "Wittenheim",
        "code_postal": "68270",
        "telephone": "07 21 43 65 87",
        "courriel": "yanis.lambert@example.org",
        "ine": None,
        "date_dernier_contact": "2024-12-01",
        "conseiller_referent": "M. Klein",
        "dispositif": "CEJ",
        "situation": "Demandeur d'emploi",
    }
    values.update(overrides)
    return values


def event(
    number: int, *, dossier_number: int | None = None, type_: str = "dossier.perdu_de_vue"
) -> dict[str, Any]:
    return {
        "id": f"evt-{number:04d}",
        "type": type_,
        "occurred_at": "2025-03-04T09:15:00+01:00",
        "dossier": dossier(dossier_number if dossier_number is not None else number),
    }


Responder = Callable[[httpx.Request], httpx.Response]


class FakeFeed:
    """Events in a list; the cursor ``c-N`` means "after the N-th event". Failures can be
    queued before the normal answers of either endpoint."""

    def __init__(self, events: list[Any] | None = None) -> None:
        self.events: list[Any] = list(events or [])
        self.acked: list[str] = []
        self.ack_batches: list[list[str]] = []
        self.read_cursors: list[str | None] = []
        self.get_failures: list[httpx.Response | Exception] = []
        self.ack_failures: list[httpx.Response | Exception] = []
        self.before_ack: Callable[[list[str]], None] | None = None

    def install(self, router: respx.MockRouter | None = None) -> None:
        mock = router if router is not None else respx
        mock.get(f"{BASE}/events").mock(side_effect=self._get)
        mock.post(f"{BASE}/events/ack").mock(side_effect=self._ack)

    def _get(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["X-Api-Key"] == API_KEY
        if self.get_failures:
            return _fail(self.get_failures.pop(0))
        cursor = request.url.params.get("cursor")
        self.read_cursors.append(cursor)
        start = int(cursor.split("-")[1]) if cursor else 0
        limit = int(request.url.params["limit"])
        chunk = self.events[start : start + limit]
        end = start + len(chunk)
        next_cursor = f"c-{end}" if (end or cursor) else None
        return httpx.Response(
            200,
            json={"events": chunk, "next_cursor": next_cursor, "has_more": end < len(self.events)},
        )

    def _ack(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["X-Api-Key"] == API_KEY
        if self.ack_failures:
            return _fail(self.ack_failures.pop(0))
        ids = json.loads(request.content)["event_ids"]
        if self.before_ack is not None:
            self.before_ack(ids)
        self.ack_batches.append(ids)
        self.acked.extend(ids)
        return httpx.Response(200, json={"acknowledged": ids, "unknown": []})


def _fail(failure: httpx.Response | Exception) -> httpx.Response:
    if isinstance(failure, Exception):
        raise failure
    return failure
