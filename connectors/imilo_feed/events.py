"""Pure mapping of the feed's pages and events (see README.md in this package).

A dossier snapshot is renamed to the perdus-de-vue reference columns and mapped by the
perdus-de-vue connector's own pure function, so a dossier reads the same whether it came in a
file extract or through the feed. An event that does not have the documented shape becomes a
row error (quarantined with its raw text by the hub), never an exception.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.base import RowError, RowResult
from connectors.imilo_feed.errors import FeedProtocolError
from connectors.perdus_de_vue import map_row

SOURCE = "imilo-feed"

EVENT_TYPES = frozenset({"dossier.perdu_de_vue", "dossier.mis_a_jour", "dossier.recontacte"})
"""Event types carrying a dossier snapshot; each one upserts the dossier's record."""

DOSSIER_FIELDS: Mapping[str, str] = {
    "identifiant_ml": "Identifiant ML",
    "nom": "Nom",
    "nom_usage": "Nom d'usage",
    "prenom": "Prénom",
    "sexe": "Sexe",
    "date_naissance": "Date de naissance",
    "commune": "Commune",
    "code_postal": "Code postal",
    "telephone": "Téléphone",
    "courriel": "Courriel",
    "ine": "INE",
    "date_dernier_contact": "Date dernier contact",
    "conseiller_referent": "Conseiller référent",
    "dispositif": "Dispositif",
    "situation": "Situation",
}
"""Dossier field of the feed -> perdus-de-vue reference column it is read as."""

EVENT_TYPE_COLUMN = "Type événement"
"""Extra column carrying the event type into the record's attributes (e.g. recontacté)."""

MAX_EVENT_ID_LENGTH = 128
MAX_CURSOR_LENGTH = 512
MAX_FIELD_LENGTH = 1000
_SAFE_NAME = re.compile(r"^[a-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class FeedPage:
    """One page of the feed, mapped."""

    cursor: str | None
    """The cursor the page was asked for."""
    rows: tuple[RowResult, ...]
    """One row per event, in feed order: a record, or row errors for a malformed event."""
    ack_ids: tuple[str, ...]
    """Ids of the events to acknowledge once ``rows`` are stored (each once, feed order)."""
    next_cursor: str | None
    """Where the next page starts; ``None`` only when the feed gave none (empty feed)."""
    has_more: bool
    body_sha256: str
    """SHA-256 of the page as received (hex), to trace the import run to its page."""

    @property
    def events(self) -> int:
        return len(self.rows)


def _fail(message: str) -> FeedProtocolError:
    return FeedProtocolError(f"malformed page: {message}")


def parse_page(body: bytes, *, cursor: str | None, received_at: datetime) -> FeedPage:
    """Map a page body. Raises ``FeedProtocolError`` when the page as a whole is unusable (not
    JSON, no ``events`` list, bad ``next_cursor``/``has_more``): nothing of it is consumed.
    A malformed *event* inside a good page is a row error instead."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _fail("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise _fail("the body is not a JSON object")
    events = payload.get("events")
    if not isinstance(events, list):
        raise _fail("'events' is missing or not a list")
    has_more = payload.get("has_more", False)
    if not isinstance(has_more, bool):
        raise _fail("'has_more' is not a boolean")
    next_cursor = payload.get("next_cursor")
    if next_cursor is not None and (
        not isinstance(next_cursor, str) or not 0 < len(next_cursor) <= MAX_CURSOR_LENGTH
    ):
        raise _fail(f"'next_cursor' is not a string of 1 to {MAX_CURSOR_LENGTH} characters")
    if events and next_cursor is None:
        raise _fail("events without a 'next_cursor'")
    if has_more and (next_cursor is None or next_cursor == cursor):
        raise _fail("'has_more' is true but the cursor does not move")

    rows: list[RowResult] = []
    ack_ids: list[str] = []
    seen: set[str] = set()
    for index, event in enumerate(events, start=1):
        row, event_id = map_event(event, row=index, received_at=received_at)
        rows.append(row)
        if event_id is not None and event_id not in seen:
            seen.add(event_id)
            ack_ids.append(event_id)
    return FeedPage(
        cursor=cursor,
        rows=tuple(rows),
        ack_ids=tuple(ack_ids),
        next_cursor=next_cursor,
        has_more=has_more,
        body_sha256=hashlib.sha256(body).hexdigest(),
    )


def map_event(event: object, *, row: int, received_at: datetime) -> tuple[RowResult, str | None]:
    """One event -> its row, and the id to acknowledge (``None`` when it has no usable id)."""
    raw = _raw(event)
    if not isinstance(event, dict):
        return _quarantined(
            row, raw, RowError(row, "event", "the event is not a JSON object")
        ), None

    errors: list[RowError] = []
    event_id = event.get("id")
    if not isinstance(event_id, str) or not 0 < len(event_id.strip()) <= MAX_EVENT_ID_LENGTH:
        event_id = None
        errors.append(
            RowError(
                row,
                "id",
                "missing event id"
                if "id" not in event
                else f"the event id is not a string of 1 to {MAX_EVENT_ID_LENGTH} characters",
            )
        )

    event_type = event.get("type")
    if not isinstance(event_type, str):
        errors.append(RowError(row, "type", "missing event type"))
    elif event_type not in EVENT_TYPES:
        shown = f" {event_type!r}" if _SAFE_NAME.fullmatch(event_type) else ""
        errors.append(RowError(row, "type", f"unsupported event type{shown}"))

    occurred_at = event.get("occurred_at")
    if not isinstance(occurred_at, str) or _parse_instant(occurred_at) is None:
        errors.append(
            RowError(row, "occurred_at", "missing or not an ISO 8601 date-time with offset")
        )

    dossier = event.get("dossier")
    values: dict[str, str | None] = {}
    if not isinstance(dossier, dict):
        errors.append(RowError(row, "dossier", "missing or not a JSON object"))
    else:
        values = _dossier_values(dossier, row, errors)

    if errors:
        return _quarantined(row, raw, *errors), event_id

    assert isinstance(event_type, str)
    values[EVENT_TYPE_COLUMN] = event_type
    result = map_row(values, row=row, received_at=received_at, source=SOURCE)
    # The whole event (id, type, time) is the raw row, rather than the dossier's cells alone.
    return RowResult(row=result.row, record=result.record, errors=result.errors, raw=raw), event_id


def _dossier_values(
    dossier: dict[str, Any], row: int, errors: list[RowError]
) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for key, value in dossier.items():
        name = key if _SAFE_NAME.fullmatch(key) else "?"
        column = f"dossier.{name}"
        if value is not None and not isinstance(value, str):
            errors.append(RowError(row, column, f"{column} must be a string or null"))
            continue
        if value is not None and len(value) > MAX_FIELD_LENGTH:
            errors.append(
                RowError(row, column, f"{column} longer than {MAX_FIELD_LENGTH} characters")
            )
            continue
        if name == "?":
            errors.append(RowError(row, "dossier", "a field name is not a plain identifier"))
            continue
        values[DOSSIER_FIELDS.get(key, key)] = value
    identifier = values.get(DOSSIER_FIELDS["identifiant_ml"])
    if "dossier.identifiant_ml" not in {e.column for e in errors} and not (
        identifier and identifier.strip()
    ):
        errors.append(RowError(row, "dossier.identifiant_ml", "missing dossier identifier"))
    return values


def _parse_instant(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _raw(event: object) -> dict[str, str]:
    """The event as received, kept whole (the hub stores it encrypted in the quarantine)."""
    return {"event": json.dumps(event, ensure_ascii=False, separators=(",", ":"))}


def _quarantined(row: int, raw: dict[str, str], *errors: RowError) -> RowResult:
    return RowResult(row=row, record=None, errors=errors, raw=raw)
