"""The figures a ledger implies, counted in plain Python from what the tests did (independent
of hub.indicators: no import from it). Row and column ids are the report's public ones."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.hub.indicators.population import Ledger, Young, at

PARIS = ZoneInfo("Europe/Paris")
PHASES = ("reperes", "mobilises", "orientes")
MOBILISED = {"accepted", "in-progress", "on-hold", "completed"}
MAINSTREAM = {"entree_pacea", "cej", "formation", "emploi", "autre_partenaire"}
CHANNEL = {
    "decrocheurs": "psad",
    "boussole": "boussole",
    "perdus-de-vue": "perdus_de_vue",
    "psad": "psad",
    "mission_locale": "perdus_de_vue",
    "outreach": "outreach",
    "peer": "peer",
    "partner": "partner",
}
LEAF = {
    "68224": "commune:68224",
    "68154": "commune:68154",
    "68376": "commune:68376",
    "68386": "commune:68386",
    "68070": "commune:68056",  # Didenheim, merged into Brunstatt-Didenheim
    "68066": "outside",
    None: "unknown",
}
PARENT = {
    "commune:68224": "m2a_urban",
    "commune:68154": "m2a_urban",
    "commune:68376": "m2a_urban",
    "commune:68056": "m2a_urban",
    "commune:68386": "m2a_rural",  # < 2,000 inhabitants in the provisional grid
    "m2a_urban": "m2a",
    "m2a_rural": "m2a",
    "m2a": "total",
    "outside": "total",
    "unknown": "total",
}


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    if age in (16, 17):
        return "16-17"
    if 18 <= age <= 25:
        return "18-25"
    if 26 <= age <= 29:
        return "26-29"
    return "out_of_public"


@dataclass
class Expected:
    funnel: dict[str, int]
    tables: dict[str, dict[tuple[str, str], int]]
    delays: dict[str, list[int]]
    ambassadors: int
    cumulative: dict[str, dict[str, int]] = field(default_factory=dict)
    persons_in_db: set[uuid.UUID] = field(default_factory=set)


def _months(start: date, end: date) -> list[str]:
    out, day = [], start.replace(day=1)
    while day <= end:
        out.append(f"{day:%Y-%m}")
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def _latest_known(members: list[Young], end: date) -> Young:
    """The attributes of a (merged) person: each one as last known, by day of the trace."""
    if len(members) == 1:
        return members[0]

    def last_day(young: Young) -> date:
        days = [day for _, day in young.records if day <= end]
        if young.referral is not None and young.referral.day <= end:
            days.append(young.referral.day)
        return max(days, default=date.min)

    ordered = sorted(members, key=last_day)

    def latest(attribute: str) -> object:
        known = [getattr(y, attribute) for y in ordered if getattr(y, attribute) is not None]
        return known[-1] if known else None

    return replace(
        ordered[-1],
        key=members[0].key,
        birth=latest("birth"),
        sex=latest("sex"),
        insee=latest("insee"),
        qpv=latest("qpv"),
    )


def expected(ledger: Ledger, start: date, end: date) -> Expected:
    end_moment = datetime.combine(end + timedelta(days=1), time(0), tzinfo=PARIS)
    groups: dict[int, list[Young]] = defaultdict(list)
    for young in ledger.young:
        groups[young.merged_into if young.merged_into is not None else young.key].append(young)

    people = []  # (spotted, channel, mobilised, oriented, young)
    for members in groups.values():
        traces = []
        steps = []
        for young in members:
            traces += [(day, 0, CHANNEL[source]) for source, day in young.records if day <= end]
            plan = young.referral
            if plan is not None and plan.day <= end:
                traces.append((plan.day, 1, CHANNEL[plan.source]))
                steps += [s for s in plan.steps if s.day <= end]
        if not traces:
            continue
        spotted, _, channel = min(traces)
        mobilised = min((s.day for s in steps if s.status in MOBILISED), default=None)
        oriented = min(
            (s.day for s in steps if s.status == "completed" and s.outcome in MAINSTREAM),
            default=None,
        )
        people.append((spotted, channel, mobilised, oriented, _latest_known(members, end)))

    def in_period(day: date | None) -> bool:
        return day is not None and start <= day <= end

    def phase_days(p: tuple[date, str, date | None, date | None, Young]) -> dict[str, date | None]:
        return {"reperes": p[0], "mobilises": p[2], "orientes": p[3]}

    funnel = {ph: sum(in_period(phase_days(p)[ph]) for p in people) for ph in PHASES}
    tables: dict[str, dict[tuple[str, str], int]] = {}

    def count(
        assign: dict[int, str] | None, by_phase_month: bool = False
    ) -> Counter[tuple[str, str]]:
        counter: Counter[tuple[str, str]] = Counter()
        for p in people:
            for ph, day in phase_days(p).items():
                if in_period(day):
                    assert day is not None
                    row = f"{day:%Y-%m}" if by_phase_month else assign[p[4].key]  # type: ignore[index]
                    counter[(row, ph)] += 1
                    counter[("total", ph)] += 1
        return counter

    tables["channel"] = count({p[4].key: p[1] for p in people})
    tables["qpv"] = count(
        {p[4].key: {True: "yes", False: "no", None: "unknown"}[p[4].qpv] for p in people}
    )
    tables["sex"] = count({p[4].key: p[4].sex or "unknown" for p in people})
    tables["age"] = count(
        {p[4].key: age_band(p[0].year - p[4].birth.year if p[4].birth else None) for p in people}
    )
    tables["month"] = count(None, by_phase_month=True)
    territory = count({p[4].key: LEAF[p[4].insee] for p in people})
    for (row, ph), value in list(territory.items()):
        parent = PARENT.get(row)
        while parent is not None and parent != "total" and row != "total":
            territory[(parent, ph)] += value
            parent = PARENT.get(parent)
    tables["territory"] = territory

    # Referrals of the period: status at the end, deadlines.
    outcomes: Counter[tuple[str, str]] = Counter()
    deadlines: Counter[tuple[str, str]] = Counter()
    codes = set()
    for young in ledger.young:
        plan = young.referral
        if plan is None or plan.id is None or not (start <= plan.day <= end):
            continue
        if plan.peer_code:
            codes.add(plan.peer_code)
        row = str(plan.recipient) if plan.recipient else "none"
        done = [s for s in plan.steps if s.day <= end]
        if not done:
            state = "requested"
        else:
            last = done[-1]
            state = {
                "accepted": "ongoing",
                "in-progress": "ongoing",
                "on-hold": "ongoing",
                "completed": f"completed:{last.outcome}",
            }.get(last.status, last.status)
        outcomes[(row, state)] += 1
        if plan.due_at is not None:
            answer = next(
                (s for s in done if s.status in ("accepted", "rejected", "cancelled")), None
            )
            if answer is None:
                deadline = "overdue" if plan.due_at < end_moment else "pending"
            elif answer.status == "cancelled":
                deadline = "cancelled"
            else:
                deadline = "on_time" if at(answer.day) <= plan.due_at else "late"
            deadlines[(row, deadline)] += 1
    for counter in (outcomes, deadlines):
        for (row, col), value in list(counter.items()):
            counter[(row, "total")] += value
            counter[("total", col)] += value
            counter[("total", "total")] += value
    tables["referral_outcomes"] = outcomes
    tables["referral_deadlines"] = deadlines

    delays: dict[str, list[int]] = {
        "reperage_mobilisation": [],
        "mobilisation_orientation": [],
        "reperage_orientation": [],
    }
    for spotted, _, mobilised, oriented, _ in people:
        if in_period(mobilised):
            assert mobilised is not None
            delays["reperage_mobilisation"].append((mobilised - spotted).days)
        if in_period(oriented):
            assert oriented is not None
            assert mobilised is not None
            delays["mobilisation_orientation"].append((oriented - mobilised).days)
            delays["reperage_orientation"].append((oriented - spotted).days)

    cumulative: dict[str, dict[str, int]] = {}
    months = _months(start, end)
    for month in months:
        cumulative[month] = {
            ph: sum(
                1
                for p in people
                if in_period(phase_days(p)[ph]) and f"{phase_days(p)[ph]:%Y-%m}" <= month
            )
            for ph in PHASES
        }
    for month in months[:-1]:  # the last month's cumulative count is the total
        for ph in PHASES:
            tables["month"][(month, f"cumul_{ph}")] = cumulative[month][ph]
    return Expected(
        funnel=funnel,
        tables={k: dict(v) for k, v in tables.items()},
        delays=delays,
        ambassadors=len(codes),
        cumulative=cumulative,
    )


def median(values: list[int]) -> float:
    return float(statistics.median(values))
