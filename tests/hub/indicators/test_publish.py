"""Publishing rules on hand-made journeys (pure): totals shared between tables, the
cumulative series, medians and percentages, the journeys' own rules."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from hub.indicators.chart import render_chart
from hub.indicators.figures import Period, compute_figures
from hub.indicators.population import (
    EventFact,
    Journey,
    PersonRow,
    RecordFact,
    ReferralFact,
    build_journeys,
    canonical_ids,
)
from hub.indicators.publish import Programme, publish
from hub.indicators.report import ReportFormat, render
from schemas.territory import CommuneResolver, load_rurality

PERIOD = Period(date(2025, 1, 1), date(2025, 12, 31))
END = datetime(2026, 1, 1, tzinfo=UTC)
PROGRAMME = Programme(date(2025, 1, 1), date(2025, 12, 31), 100)


def journey(spotted: date, channel: str = "outreach", **extra: object) -> Journey:
    return Journey(person_id=uuid.uuid4(), spotted_on=spotted, channel=channel, **extra)  # type: ignore[arg-type]


def report_of(journeys: list[Journey]):  # type: ignore[no-untyped-def]
    figures = compute_figures(
        journeys,
        [],
        period=PERIOD,
        moment=END,
        organisation_names={},
        resolver=CommuneResolver.default(),
        rurality=load_rurality(),
    )
    return figures, publish(figures, programme=PROGRAMME, generated_at=END, notes=[])


def test_a_total_hidden_by_one_table_is_hidden_in_all_and_in_the_funnel() -> None:
    # Channels: 1 + 5 = 6 repérés. Hiding the 1 and the 5 would not do (5 = the least an 's'
    # can be, 1 the least a '<5' can be): the shared total 6 must go, everywhere.
    journeys = [journey(date(2025, 3, 1), "psad")] + [
        journey(date(2025, 3, 1), "boussole") for _ in range(5)
    ]
    figures, report = report_of(journeys)
    assert figures.funnel["reperes"] == 6
    assert report.funnel.reperes == "s"
    for table in report.tables:
        if table.unit == "personnes":
            total = next(row for row in table.rows if row.id == "total")
            assert total.values["reperes"] == "s", table.id
    assert report.progress.percent_of_target is None
    assert report.cumulative[-1].reperes is None


def test_small_funnel_figures_medians_and_ambassadors_are_not_published() -> None:
    journeys = [
        journey(date(2025, 1, 10), mobilised_on=date(2025, 1, 20)),
        journey(date(2025, 1, 10), mobilised_on=date(2025, 1, 30)),
    ] + [journey(date(2025, 2, 1)) for _ in range(10)]
    figures, report = report_of(journeys)
    assert figures.funnel == {"reperes": 12, "mobilises": 2, "orientes": 0}
    assert report.funnel.mobilises == "<5"
    assert report.funnel.orientes == 0
    medians = {d.id: d.median_days for d in report.delays}
    assert medians == dict.fromkeys(medians)  # all None
    assert report.delays[0].persons == "<5"
    assert report.peer_ambassadors == 0


def test_cumulative_points_are_shown_only_where_published_cells_give_them() -> None:
    # Repérés per month: Jan 10, Feb 2, Mar 3, Apr 10, May 0...: Feb and Mar are '<5'.
    days = [date(2025, 1, 5)] * 10 + [date(2025, 2, 5)] * 2 + [date(2025, 3, 5)] * 3
    days += [date(2025, 4, 5)] * 10
    _, report = report_of([journey(day) for day in days])
    points = {p.month: p.reperes for p in report.cumulative}
    assert points["2025-01"] == 10
    assert points["2025-02"] is None  # only Feb + Mar (5) is known
    assert points["2025-03"] == 15
    assert points["2025-04"] == 25
    assert points["2025-12"] == 25
    assert report.cumulative[-1].target == 100
    assert report.cumulative[0].target == round(100 * 31 / 365, 1)
    assert render_chart(report, "png").startswith(b"\x89PNG")
    assert b"<svg" in render_chart(report, "svg")
    markdown = render(report, ReportFormat.MD)
    assert "| 2025-02 | <5 | 0 | 0 | s | 0 | 0 |" in markdown


def test_merges_are_followed_to_the_live_person_and_cycles_do_not_hang() -> None:
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    rows = [
        PersonRow(a, "merged", b),
        PersonRow(b, "merged", c),
        PersonRow(c, "active", None),
        PersonRow(d, "merged", d),  # corrupt: merged into itself
    ]
    resolved = canonical_ids(rows)
    assert resolved[a] == resolved[b] == resolved[c] == c
    assert resolved[d] == d


def test_a_record_counts_on_its_source_date_capped_at_the_day_it_was_received() -> None:
    received = datetime(2025, 3, 10, 9, tzinfo=UTC)
    assert RecordFact(None, "boussole", received, recorded_on=date(2025, 2, 1)).day == date(
        2025, 2, 1
    )
    assert RecordFact(None, "boussole", received, recorded_on=date(2025, 4, 1)).day == date(
        2025, 3, 10
    )
    # Late evening UTC is already the next day in Mulhouse.
    late = datetime(2025, 3, 10, 23, 30, tzinfo=UTC)
    assert RecordFact(None, "boussole", late).day == date(2025, 3, 11)


def test_a_referral_record_is_not_a_trace_of_its_own_and_other_outcomes_are_not_mainstream() -> (
    None
):
    person, referral_id = uuid.uuid4(), uuid.uuid4()
    created = datetime(2025, 5, 5, 10, tzinfo=UTC)
    journeys = build_journeys(
        [],
        [
            RecordFact(
                person,
                "referrals",
                created,
                recorded_on=date(2025, 5, 5),
                sex="F",
                birth_year=2007,
                referral_id=referral_id,
            )
        ],
        [
            ReferralFact(
                id=referral_id,
                person_id=person,
                source="peer",
                created_at=created,
                status="completed",
                outcome="other",
                peer_code="AMB-7",
                events=(
                    EventFact("requested", created),
                    EventFact("accepted", datetime(2025, 5, 7, 10, tzinfo=UTC)),
                    EventFact("completed", datetime(2025, 6, 1, 10, tzinfo=UTC), "other"),
                ),
            )
        ],
        until=PERIOD.end,
        until_moment=END,
    )
    [only] = journeys.values()
    assert only.channel == "peer"
    assert only.spotted_on == date(2025, 5, 5)
    assert only.mobilised_on == date(2025, 5, 7)
    assert only.oriented_on is None
    assert (only.sex, only.age, only.peer_codes) == ("F", 18, frozenset({"AMB-7"}))
