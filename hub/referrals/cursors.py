"""Opaque feed cursors: a position ``(time, id)`` in a feed, base64url-encoded."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import UTC, datetime

from hub.errors import UnprocessableError

_VERSION = "1"


class InvalidCursorError(UnprocessableError):
    code = "invalid-cursor"
    title = "Invalid cursor"


def encode(position: datetime, item_id: uuid.UUID) -> str:
    raw = f"{_VERSION}|{position.astimezone(UTC).isoformat()}|{item_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        version, when, item = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        if version != _VERSION:
            raise ValueError(version)
        position = datetime.fromisoformat(when)
        if position.tzinfo is None:
            raise ValueError(when)
        return position.astimezone(UTC), uuid.UUID(item)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursorError("the cursor is not one this feed gave") from exc
