"""Every figure of the indicators, on a seeded synthetic population built through the real
services, against an independent count of what the test did; and the published report
against the exact figures and the suppression rules."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from hub.indicators import service
from hub.indicators.figures import RawTable
from hub.indicators.schemas import IndicatorReport, TablePublic
from hub.indicators.suppression import Mark, Suppression, exposed_cells
from hub.settings import Settings
from tests.hub.indicators.attack import alternative_values, single_hidden_lines
from tests.hub.indicators.expected import Expected, expected, median
from tests.hub.indicators.population import (
    NOW,
    PERIOD_END,
    PERIOD_START,
    Ledger,
    ReferralPlan,
    Step,
    Young,
    seed,
)


@pytest.fixture
def ledger(
    client: TestClient,
    session: Session,
    engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> Ledger:
    return seed(client, session, engine, settings, monkeypatch)


def _exact_tables(computed: service.Computed) -> dict[str, RawTable]:
    return {table.id: table for table in computed.figures.tables}


def _check_exact(computed: service.Computed, want: Expected) -> None:
    figures = computed.figures
    assert figures.funnel == want.funnel
    tables = _exact_tables(computed)
    assert set(tables) == set(want.tables)
    for table_id, table in tables.items():
        wanted = want.tables[table_id]
        for key, value in table.values.items():
            assert value == wanted.get(key, 0), (table_id, key)
        missing = {k: v for k, v in wanted.items() if v and k not in table.values}
        assert not missing, (table_id, missing)
    for delay_id, days in want.delays.items():
        assert sorted(figures.delays[delay_id]) == sorted(days), delay_id
    assert figures.peer_ambassadors == want.ambassadors


def test_every_exact_figure_matches_an_independent_count_over_any_period(
    ledger: Ledger, session: Session, settings: Settings
) -> None:
    computed = service.compute_exact(session, ledger.settings(settings), now=NOW)
    want = expected(ledger, PERIOD_START, PERIOD_END)
    # The population is rich enough to mean something.
    assert want.funnel["reperes"] > 50
    assert 5 <= want.funnel["orientes"] < want.funnel["mobilises"] < want.funnel["reperes"]
    assert len(want.tables["referral_outcomes"]) > 10
    _check_exact(computed, want)
    # A sub-period counts the entries into each phase within it.
    start, end = date(2025, 4, 1), date(2025, 8, 31)
    computed = service.compute_exact(
        session, ledger.settings(settings), start=start, end=end, now=NOW
    )
    want = expected(ledger, start, end)
    assert want.funnel["reperes"] > 0
    _check_exact(computed, want)


def _suppression_of(table: TablePublic) -> Suppression:
    marks: dict[Any, Mark] = {}
    for row in table.rows:
        for column, value in row.values.items():
            if value == "<5":
                marks[(row.id, column)] = Mark.SMALL
            elif value == "s":
                marks[(row.id, column)] = Mark.MASKED
    return Suppression(marks=marks)


def test_the_published_report_shows_only_what_the_rules_allow(
    ledger: Ledger, session: Session, settings: Settings
) -> None:
    configured = ledger.settings(settings)
    computed = service.compute_exact(session, configured, now=NOW)
    report = service.compute(session, configured, now=NOW)
    want = expected(ledger, PERIOD_START, PERIOD_END)
    exact = _exact_tables(computed)
    hidden_small = hidden_masked = 0
    for table in report.tables:
        raw = exact[table.id]
        published = _suppression_of(table)
        for row in table.rows:
            for column, shown in row.values.items():
                value = raw.values[raw.cell(row.id, column)]
                if isinstance(shown, int):
                    assert shown == value, (table.id, row.id, column)
                    assert shown == 0 or shown >= 5, (table.id, row.id, column)
                elif shown == "<5":
                    assert 1 <= value <= 4
                    hidden_small += 1
                else:
                    assert shown == "s"
                    assert value >= 5
                    hidden_masked += 1
        # No line with a lone hidden cell, no hidden small count pinned down by the totals
        # (the audit; and the brute-force attacker where its search stays small).
        assert single_hidden_lines(raw.values, raw.lines, published) == [], table.id
        shared = set(raw.shared)  # hidden shared totals must not be derivable either
        assert exposed_cells(raw.values, raw.lines, published, also=shared) == (), table.id
        if len(published.marks) <= 10:
            for key in published.small:
                values = alternative_values(raw.values, raw.lines, published, key)
                assert len(values) > 1, (table.id, key)
        # The total row of a person table is the funnel.
        if raw.unit == "personnes":
            total = next(row for row in table.rows if row.id == "total")
            funnel = {k: v for k, v in total.values.items() if not k.startswith("cumul_")}
            assert funnel == report.funnel.model_dump()
    assert hidden_small > 0
    assert hidden_masked > 0  # complementary suppression was needed and applied
    _check_headline(report, want, ledger)


def _check_headline(report: IndicatorReport, want: Expected, ledger: Ledger) -> None:
    funnel = report.funnel.model_dump()
    for phase, value in want.funnel.items():
        assert funnel[phase] == value  # large enough to be published
    progress = report.progress
    assert progress.target == ledger.programme_target
    assert progress.percent_of_target == round(100 * want.funnel["reperes"] / 150, 1)
    assert progress.expected_by_as_of == 150  # the whole programme period is over
    medians = {delay.id: delay.median_days for delay in report.delays}
    for delay_id, days in want.delays.items():
        assert medians[delay_id] == (median(days) if len(days) >= 5 else None)
    ambassadors = want.ambassadors
    assert report.peer_ambassadors == (ambassadors if not 0 < ambassadors < 5 else "<5")
    deadlines = {
        row.id: row.values for row in report.table("referral_deadlines").rows if row.id == "total"
    }["total"]
    assert report.deadlines.overdue == deadlines["overdue"]
    assert report.deadlines.answered_late == deadlines["late"]
    assert report.deadlines.with_deadline == deadlines["total"]
    # Cumulative points: exact where shown; months are all there.
    assert [p.month for p in report.cumulative] == list(want.cumulative)
    for point in report.cumulative:
        for phase in ("reperes", "mobilises", "orientes"):
            shown = getattr(point, phase)
            assert shown is None or shown == want.cumulative[point.month][phase]
    assert report.cumulative[-1].reperes == want.funnel["reperes"]
    assert report.cumulative[-1].target == 150
    assert any("PROVISOIRE" in note for note in report.notes)


def _pair(merged: bool) -> list[Young]:
    first = Young(0, "Inès", "Zimmermann", date(2005, 1, 1), "F", "68224", None, "+33618880001")
    first.records.append(("decrocheurs", date(2025, 5, 2)))
    second = Young(1, "Yanis", "Keller", date(2004, 1, 1), "M", "68386", None, "+33618880002")
    second.records.append(("boussole", date(2025, 5, 9)))
    second.referral = ReferralPlan(
        day=date(2025, 5, 10),
        source="boussole",
        steps=[Step("accepted", date(2025, 5, 20))],
    )
    if merged:
        second.merged_into = first.key
    return [first, second]


@pytest.mark.parametrize("merged", [False, True])
def test_merged_persons_are_counted_once(
    client: TestClient,
    session: Session,
    engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    merged: bool,
) -> None:
    ledger = seed(client, session, engine, settings, monkeypatch, young=_pair(merged))
    computed = service.compute_exact(session, ledger.settings(settings), now=NOW)
    assert computed.figures.funnel == {
        "reperes": 1 if merged else 2,
        "mobilises": 1,
        "orientes": 0,
    }
    channel = _exact_tables(computed)["channel"].values
    if merged:
        # One person, found first by the PSAD list (2 May), mobilised through the referral
        # of the record merged into them.
        assert channel[("psad", "reperes")] == 1
        assert channel[("psad", "mobilises")] == 1
        assert channel[("boussole", "reperes")] == 0
    else:
        assert channel[("boussole", "mobilises")] == 1
    _check_exact(computed, expected(ledger, PERIOD_START, PERIOD_END))


def test_an_empty_hub_publishes_zeros(session: Session, settings: Settings) -> None:
    report = service.compute(session, settings, now=NOW)
    assert report.funnel.model_dump() == {"reperes": 0, "mobilises": 0, "orientes": 0}
    assert report.period.start == settings.programme_start
    assert report.progress.percent_of_target == 0.0
    assert all(delay.median_days is None for delay in report.delays)
    assert report.deadlines.overdue == 0


def test_from_after_to_is_refused(session: Session, settings: Settings) -> None:
    with pytest.raises(service.InvalidPeriodError, match="'from' must be on or before 'to'"):
        service.compute(session, settings, start=date(2025, 2, 1), end=date(2025, 1, 1))
