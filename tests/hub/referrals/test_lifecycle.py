"""The FHIR Task lifecycle of closed-loop referrals (pure)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from hub.referrals import cursors
from hub.referrals.lifecycle import (
    OPEN,
    REASON_REQUIRED,
    TERMINAL,
    TRANSITIONS,
    Role,
    actor_for,
    allowed_targets,
)
from hub.referrals.vocabulary import ReferralStatus as S

BOTH = {Role.SENDER, Role.RECEIVER}


def test_transitions_are_those_of_the_profile() -> None:
    assert TRANSITIONS[S.REQUESTED] == {S.ACCEPTED, S.REJECTED, S.CANCELLED}
    assert TRANSITIONS[S.ACCEPTED] == {S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.FAILED, S.CANCELLED}
    assert S.ON_HOLD in TRANSITIONS[S.IN_PROGRESS]
    assert S.IN_PROGRESS in TRANSITIONS[S.ON_HOLD]
    assert {S.REJECTED, S.CANCELLED, S.COMPLETED, S.FAILED} == TERMINAL
    assert {S.REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD} == OPEN


def test_reasons_are_required_on_reject_cancel_hold_and_fail() -> None:
    assert {S.REJECTED, S.CANCELLED, S.ON_HOLD, S.FAILED} == REASON_REQUIRED


@pytest.mark.parametrize("status", [s for s in S if s is not S.CANCELLED])
def test_only_the_receiver_moves_forward(status: S) -> None:
    assert actor_for(status) is Role.RECEIVER


def test_only_the_sender_cancels() -> None:
    assert actor_for(S.CANCELLED) is Role.SENDER
    assert allowed_targets(S.REQUESTED, {Role.SENDER}) == [S.CANCELLED]
    assert allowed_targets(S.REQUESTED, {Role.RECEIVER}) == [S.ACCEPTED, S.REJECTED]
    assert allowed_targets(S.REQUESTED, BOTH) == [S.ACCEPTED, S.REJECTED, S.CANCELLED]


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_terminal_statuses_go_nowhere(status: S) -> None:
    assert allowed_targets(status, BOTH) == []


def test_cursors_round_trip_and_refuse_garbage() -> None:
    when = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    item = uuid.uuid4()
    assert cursors.decode(cursors.encode(when, item)) == (when, item)
    for bad in ("", "nope", "bm9wZQ", cursors.encode(when, item)[:-3]):
        with pytest.raises(cursors.InvalidCursorError):
            cursors.decode(bad)
