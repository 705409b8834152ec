"""Listeners told when identity resolution merges one person into another.

Other domains keep person ids (referrals, routing markers); they subscribe here instead of
identity resolution importing them, which keeps the dependency one way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlmodel import Session

MergeListener = Callable[[Session, uuid.UUID, uuid.UUID], object]

_listeners: list[MergeListener] = []


def on_person_merged(listener: MergeListener) -> MergeListener:
    """Register ``listener(session, merged_id, surviving_id)``; usable as a decorator."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def person_merged(session: Session, merged_id: uuid.UUID, surviving_id: uuid.UUID) -> None:
    """Tell every listener, inside the caller's transaction."""
    for listener in list(_listeners):
        listener(session, merged_id, surviving_id)
