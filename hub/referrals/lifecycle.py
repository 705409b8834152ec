"""Referral lifecycle: FHIR Task as profiled for closed-loop referrals (Gravity Project).

    requested   -> accepted | rejected | cancelled
    accepted    -> in-progress | on-hold | completed | failed | cancelled
    in-progress -> on-hold | completed | failed | cancelled
    on-hold     -> in-progress | failed | cancelled

Only the receiving organisation moves a referral forward; only the sender cancels. A reason
is required on reject, cancel, hold and fail; an outcome is required at completion and
accepted nowhere else.
"""

from __future__ import annotations

from enum import StrEnum

from hub.referrals.vocabulary import ReferralStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.REQUESTED: frozenset({S.ACCEPTED, S.REJECTED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.FAILED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.COMPLETED, S.FAILED, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.FAILED, S.CANCELLED}),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
}

TERMINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)
OPEN = frozenset(S) - TERMINAL
REASON_REQUIRED = frozenset({S.REJECTED, S.CANCELLED, S.ON_HOLD, S.FAILED})
SENDER_ONLY = frozenset({S.CANCELLED})


class Role(StrEnum):
    SENDER = "sender"
    RECEIVER = "receiver"


def actor_for(target: S) -> Role:
    """Who may move a referral to ``target``."""
    return Role.SENDER if target in SENDER_ONLY else Role.RECEIVER


def allowed_targets(current: S, roles: frozenset[Role] | set[Role]) -> list[S]:
    """Statuses an organisation holding ``roles`` may move a ``current`` referral to."""
    return sorted(
        (target for target in TRANSITIONS[current] if actor_for(target) in roles),
        key=list(S).index,
    )
