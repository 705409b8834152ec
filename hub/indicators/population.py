"""From stored facts to young people's journeys through the programme's three phases.

Pure: the repository reads the non-identifying facts (:class:`RecordFact`,
:class:`ReferralFact`, :class:`PersonRow`), this module decides who is one person and when
each reached each phase. Definitions (also printed in the report):

- **repéré** on the first day the hub has a trace of the young person: a source record (its
  ``recorded_on`` date, the date of the request or campaign, capped at the day it was
  received; else the day it was received) or a referral (the day it was created);
- **mobilisé** on the first day one of their referrals was accepted by its recipient (or
  reached in-progress, on-hold or completed);
- **orienté vers le droit commun** on the first day one of their referrals was completed with
  an outcome entering mainstream services (:data:`MAINSTREAM_OUTCOMES`).

Persons are counted, never records: records and referrals of persons merged into another
count for the person they were merged into; a record not yet linked to a person is left out
(and counted in the report's data notes).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hub.referrals.vocabulary import Outcome, ReferralStatus

PARIS = ZoneInfo("Europe/Paris")
"""Days and months are counted in the programme's local time."""

MAINSTREAM_OUTCOMES: frozenset[str] = frozenset(
    {
        Outcome.ENTREE_PACEA.value,
        Outcome.CEJ.value,
        Outcome.FORMATION.value,
        Outcome.EMPLOI.value,
        Outcome.AUTRE_PARTENAIRE.value,
    }
)
"""Outcomes that are an entry into mainstream services (``other`` is not: it says nothing of
where the young person went)."""

MOBILISED_STATUSES: frozenset[str] = frozenset(
    {
        ReferralStatus.ACCEPTED.value,
        ReferralStatus.IN_PROGRESS.value,
        ReferralStatus.ON_HOLD.value,
        ReferralStatus.COMPLETED.value,
    }
)

RECORD_SOURCE_CHANNELS: Mapping[str, str] = {
    "decrocheurs": "psad",
    "boussole": "boussole",
    "perdus-de-vue": "perdus_de_vue",
    "imilo-feed": "perdus_de_vue",
}
REFERRAL_RECORD_SOURCE = "referrals"
"""Source of the records identity resolution stores for referrals sent to the API: the
referral itself is the trace (its day, its channel); the record only tells who."""
REFERRAL_SOURCE_CHANNELS: Mapping[str, str] = {
    "psad": "psad",
    "boussole": "boussole",
    "mission_locale": "perdus_de_vue",
    "outreach": "outreach",
    "peer": "peer",
    "partner": "partner",
}


def local_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def record_channel(source: str) -> str:
    return RECORD_SOURCE_CHANNELS.get(source, "other")


def referral_channel(source: str) -> str:
    return REFERRAL_SOURCE_CHANNELS.get(source, "other")


# -- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    id: uuid.UUID
    status: str
    merged_into_id: uuid.UUID | None


@dataclass(frozen=True)
class RecordFact:
    """The clear, non-identifying columns of a stored source record."""

    person_id: uuid.UUID | None
    source: str
    created_at: datetime
    recorded_on: date | None = None
    commune_insee: str | None = None
    sex: str | None = None
    birth_year: int | None = None
    lives_in_qpv: bool | None = None
    referral_id: uuid.UUID | None = None
    """For a record of source ``referrals``: the referral it was stored for."""

    @property
    def day(self) -> date:
        received = local_day(self.created_at)
        if self.recorded_on is None:
            return received
        return min(self.recorded_on, received)


@dataclass(frozen=True)
class EventFact:
    to_status: str
    occurred_at: datetime
    outcome: str | None = None


@dataclass(frozen=True)
class ReferralFact:
    """A referral, its history and the routing facts stored with it (no identity)."""

    id: uuid.UUID
    person_id: uuid.UUID
    source: str
    created_at: datetime
    status: str
    recipient_organisation_id: uuid.UUID | None = None
    outcome: str | None = None
    peer_code: str | None = None
    due_at: datetime | None = None
    age: int | None = None
    commune_insee: str | None = None
    lives_in_qpv: bool | None = None
    sex: str | None = None
    events: tuple[EventFact, ...] = ()

    @property
    def day(self) -> date:
        return local_day(self.created_at)

    def history_until(self, moment: datetime) -> list[EventFact]:
        return sorted(
            (e for e in self.events if e.occurred_at < moment), key=lambda e: e.occurred_at
        )

    def status_at(self, moment: datetime) -> tuple[str, str | None] | None:
        """``(status, outcome)`` at ``moment`` (None if the referral did not exist yet)."""
        if self.created_at >= moment:
            return None
        history = self.history_until(moment)
        if not history:
            return ReferralStatus.REQUESTED.value, None
        last = history[-1]
        return last.to_status, last.outcome


# -- journeys --------------------------------------------------------------------------------


@dataclass
class Journey:
    """One young person through the programme, as known on the report's last day."""

    person_id: uuid.UUID
    spotted_on: date
    channel: str
    mobilised_on: date | None = None
    oriented_on: date | None = None
    age: int | None = None
    sex: str | None = None
    commune_insee: str | None = None
    lives_in_qpv: bool | None = None
    peer_codes: frozenset[str] = field(default_factory=frozenset)


def canonical_ids(persons: Iterable[PersonRow]) -> dict[uuid.UUID, uuid.UUID]:
    """Each person id -> the id of the live person it is (merges followed to the end)."""
    by_id = {p.id: p for p in persons}
    resolved: dict[uuid.UUID, uuid.UUID] = {}
    for start in by_id:
        seen: list[uuid.UUID] = []
        current = start
        while True:
            if current in resolved:
                current = resolved[current]
                break
            row = by_id.get(current)
            if row is None or row.merged_into_id is None or current in seen:
                break
            seen.append(current)
            current = row.merged_into_id
        for visited in [*seen, start]:
            resolved[visited] = current
    return resolved


@dataclass(frozen=True)
class _Trace:
    day: date
    order: int
    channel: str


def _latest(values: Sequence[tuple[date, int, object]]) -> object:
    """The most recent non-None value (ties: the later in input order)."""
    known = [v for v in values if v[2] is not None]
    if not known:
        return None
    return max(known, key=lambda v: (v[0], v[1]))[2]


def build_journeys(
    persons: Iterable[PersonRow],
    records: Iterable[RecordFact],
    referrals: Iterable[ReferralFact],
    *,
    until: date,
    until_moment: datetime,
) -> dict[uuid.UUID, Journey]:
    """The journey of every person with a trace on or before ``until`` (a day), with events
    before ``until_moment`` (the end of that day, or now)."""
    canonical = canonical_ids(persons)

    def person_of(person_id: uuid.UUID) -> uuid.UUID:
        return canonical.get(person_id, person_id)

    traces: dict[uuid.UUID, list[_Trace]] = defaultdict(list)
    ages: dict[uuid.UUID, list[tuple[date, int, object]]] = defaultdict(list)
    birth_years: dict[uuid.UUID, list[tuple[date, int, object]]] = defaultdict(list)
    sexes: dict[uuid.UUID, list[tuple[date, int, object]]] = defaultdict(list)
    communes: dict[uuid.UUID, list[tuple[date, int, object]]] = defaultdict(list)
    qpv: dict[uuid.UUID, list[tuple[date, int, object]]] = defaultdict(list)
    mobilised: dict[uuid.UUID, date] = {}
    oriented: dict[uuid.UUID, date] = {}
    peers: dict[uuid.UUID, set[str]] = defaultdict(set)
    position = 0
    kept = [r for r in referrals if r.day <= until and r.created_at < until_moment]
    referral_days = {r.id: r.day for r in kept}
    for record in records:
        if record.person_id is None or record.day > until:
            continue
        pid = person_of(record.person_id)
        position += 1
        day = record.day
        if record.referral_id is not None and record.referral_id in referral_days:
            day = referral_days[record.referral_id]  # the referral is the trace
        else:
            traces[pid].append(_Trace(day, 0, record_channel(record.source)))
        birth_years[pid].append((day, position, record.birth_year))
        sexes[pid].append((day, position, record.sex))
        communes[pid].append((day, position, record.commune_insee))
        qpv[pid].append((day, position, record.lives_in_qpv))
    for referral in kept:
        pid = person_of(referral.person_id)
        position += 1
        traces[pid].append(_Trace(referral.day, 1, referral_channel(referral.source)))
        ages[pid].append((referral.day, position, referral.age))
        sexes[pid].append((referral.day, position, referral.sex))
        communes[pid].append((referral.day, position, referral.commune_insee))
        qpv[pid].append((referral.day, position, referral.lives_in_qpv))
        if referral.peer_code:
            peers[pid].add(referral.peer_code)
        for event in referral.history_until(until_moment):
            day = local_day(event.occurred_at)
            if event.to_status in MOBILISED_STATUSES and (
                pid not in mobilised or day < mobilised[pid]
            ):
                mobilised[pid] = day
            if (
                event.to_status == ReferralStatus.COMPLETED.value
                and event.outcome in MAINSTREAM_OUTCOMES
                and (pid not in oriented or day < oriented[pid])
            ):
                oriented[pid] = day
    journeys: dict[uuid.UUID, Journey] = {}
    for pid, person_traces in traces.items():
        first = min(person_traces, key=lambda t: (t.day, t.order, t.channel))
        journeys[pid] = Journey(
            person_id=pid,
            spotted_on=first.day,
            channel=first.channel,
            mobilised_on=mobilised.get(pid),
            oriented_on=oriented.get(pid),
            age=_age(first.day, birth_years[pid], ages[pid]),
            sex=_str_or_none(_latest(sexes[pid])),
            commune_insee=_str_or_none(_latest(communes[pid])),
            lives_in_qpv=_bool_or_none(_latest(qpv[pid])),
            peer_codes=frozenset(peers[pid]),
        )
    return journeys


def _age(
    spotted_on: date,
    birth_years: Sequence[tuple[date, int, object]],
    referral_ages: Sequence[tuple[date, int, object]],
) -> int | None:
    """Age reached in the year of repérage (INSEE's "âge atteint dans l'année") from a record's
    birth year; else the age routing computed on the day of the earliest referral."""
    year = _latest(birth_years)
    if isinstance(year, int):
        return spotted_on.year - year
    known = [v for v in referral_ages if isinstance(v[2], int)]
    if not known:
        return None
    earliest = min(known, key=lambda v: (v[0], v[1]))[2]
    return earliest if isinstance(earliest, int) else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _bool_or_none(value: object) -> bool | None:
    return value if isinstance(value, bool) else None
