"""The suppression rules: small counts hidden, zeros published, and no hidden small count
derivable from the totals and the other cells (checked by an attacker written here,
independently of the engine's own audit)."""

from __future__ import annotations

import random
from collections.abc import Hashable

import pytest

from hub.indicators.suppression import (
    MASKED_MARKER,
    SMALL_MARKER,
    Grid,
    Line,
    Mark,
    Suppression,
    TableStructureError,
    exposed_cells,
    feasible_range,
    suppress,
)
from tests.hub.indicators.attack import alternative_values, single_hidden_lines

Key = Hashable


# -- primary suppression ---------------------------------------------------------------------


def test_counts_from_one_to_four_are_small_zero_and_five_are_published() -> None:
    values = {"a": 0, "b": 1, "c": 4, "d": 5, "e": 12}
    result = suppress(values, [])
    assert result.display("a", 0) == 0
    assert result.display("b", 1) == SMALL_MARKER
    assert result.display("c", 4) == SMALL_MARKER
    assert result.display("d", 5) == 5
    assert result.display("e", 12) == 12
    assert result.small == {"b", "c"}
    assert result.masked == frozenset()


def test_the_threshold_is_a_parameter() -> None:
    result = suppress({"a": 9, "b": 10}, [], threshold=10)
    assert result.small == {"a"}


# -- complementary suppression ---------------------------------------------------------------


def test_a_lone_small_cell_in_a_column_takes_the_next_smallest_with_it() -> None:
    # 3 + 7 + 20 + 40 = 70: hiding only the 3 gives it away (70 - 7 - 20 - 40).
    values = {"a": 3, "b": 7, "c": 20, "d": 40, "total": 70}
    lines = [Line(("a", "b", "c", "d"), "total")]
    result = suppress(values, lines)
    assert result.small == {"a"}
    assert result.masked == {"b"}
    assert result.display("b", 7) == MASKED_MARKER
    assert single_hidden_lines(values, lines, result) == []
    assert alternative_values(values, lines, result, "a") >= {2, 3, 4}


def test_two_small_cells_whose_sum_gives_them_away_are_protected() -> None:
    # 1 + 1 + 20 = 22: the two '<5' cells sum to 2, so each is 1. Another cell must go.
    values = {"a": 1, "b": 1, "c": 20, "total": 22}
    lines = [Line(("a", "b", "c"), "total")]
    result = suppress(values, lines)
    assert result.small == {"a", "b"}
    assert result.masked == {"c"}
    assert len(alternative_values(values, lines, result, "a")) > 1


def test_bounds_are_taken_into_account_not_only_the_count_of_hidden_cells() -> None:
    # 1 + 5 + 30 = 36 (30 in another line's reach): with '<5' >= 1 and 's' >= 5, hiding the
    # 1 and the 5 would still give both away (their sum 6 forces 1 and 5).
    values = {"a": 1, "b": 5, "c": 30, "total": 36}
    lines = [Line(("a", "b", "c"), "total")]
    result = suppress(values, lines)
    assert "a" in result.small
    assert exposed_cells(values, lines, result) == ()
    assert len(alternative_values(values, lines, result, "a")) > 1


def test_a_shared_total_is_hidden_only_as_a_last_resort() -> None:
    # 1 + 5 = 6 and nothing else in the line: hiding the 5 too would not do ('s' >= 5 and
    # '<5' >= 1 force 5 and 1); only hiding the total protects the 1.
    values = {"a": 1, "b": 5, "total": 6}
    lines = [Line(("a", "b"), "total")]
    result = suppress(values, lines, keep={"total"})
    assert result.masked == {"total"}
    assert len(alternative_values(values, lines, result, "a")) > 1
    # With another cell available, the total stays published.
    values = {"a": 1, "b": 5, "c": 9, "total": 15}
    lines = [Line(("a", "b", "c"), "total")]
    result = suppress(values, lines, keep={"total"})
    assert not result.is_hidden("total")
    assert exposed_cells(values, lines, result) == ()


def test_forced_cells_are_hidden_and_the_rest_adjusts() -> None:
    values = {"a": 8, "b": 9, "c": 10, "total": 27}
    lines = [Line(("a", "b", "c"), "total")]
    result = suppress(values, lines, forced={"total"})
    assert result.is_hidden("total")
    assert result.small == frozenset()


def test_a_forced_total_is_not_left_derivable_from_the_published_parts() -> None:
    # The total is hidden elsewhere; here it is the sum of published cells unless one goes.
    values = {"a": 0, "b": 6, "c": 9, "total": 15}
    lines = [Line(("a", "b", "c"), "total")]
    result = suppress(values, lines, forced={"total"})
    assert result.masked == {"b", "total"}
    assert exposed_cells(values, lines, result, also={"total"}) == ()
    naive = Suppression(marks={"total": Mark.MASKED})
    assert exposed_cells(values, lines, naive, also={"total"}) == ("total",)


def test_a_table_with_margins_is_protected_across_rows_columns_and_totals() -> None:
    grid = Grid(((2, 10, 14), (11, 3, 9), (20, 25, 30)))
    values, lines = grid.values(), grid.lines()
    result = suppress(values, lines)
    assert result.small == {("cell", 0, 0), ("cell", 1, 1)}
    assert single_hidden_lines(values, lines, result) == []
    for key in result.small:
        assert len(alternative_values(values, lines, result, key)) > 1
    low, high = feasible_range(values, lines, result, ("cell", 0, 0))
    assert low < high


def test_subtotals_are_protected_up_the_hierarchy() -> None:
    # total = m2A + outside; m2A = Mulhouse + Illzach + Riedisheim.
    values = {"mulhouse": 40, "illzach": 2, "riedisheim": 6, "m2a": 48, "outside": 7, "all": 55}
    lines = [
        Line(("mulhouse", "illzach", "riedisheim"), "m2a"),
        Line(("m2a", "outside"), "all"),
    ]
    result = suppress(values, lines, keep={"all"})
    assert result.small == {"illzach"}
    assert result.is_hidden("riedisheim")  # the smallest way to protect the 2
    assert not result.is_hidden("all")
    assert exposed_cells(values, lines, result) == ()
    assert len(alternative_values(values, lines, result, "illzach")) > 1


def test_suppression_is_deterministic() -> None:
    grid = Grid(((1, 7, 7, 9), (7, 1, 9, 7), (9, 9, 1, 7)))
    first = suppress(grid.values(), grid.lines())
    second = suppress(grid.values(), grid.lines())
    assert first == second


# -- structure checks ------------------------------------------------------------------------


def test_lines_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(TableStructureError, match="do not add up"):
        suppress({"a": 1, "b": 2, "t": 4}, [Line(("a", "b"), "t")])


def test_unknown_cells_and_cells_in_three_lines_are_refused() -> None:
    with pytest.raises(TableStructureError, match="unknown cell"):
        suppress({"a": 1, "t": 1}, [Line(("a", "b"), "t")])
    values = {"a": 1, "t1": 1, "t2": 1, "t3": 1}
    lines = [Line(("a",), "t1"), Line(("a",), "t2"), Line(("a",), "t3")]
    with pytest.raises(TableStructureError, match="more than two lines"):
        suppress(values, lines)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(TableStructureError, match="non-negative"):
        suppress({"a": -1}, [])


# -- property-style: random tables, fixed seed -----------------------------------------------


def random_grid(rng: random.Random) -> Grid:
    rows, cols = rng.randint(1, 4), rng.randint(1, 4)
    small_share = rng.choice([0.1, 0.3, 0.6])

    def cell() -> int:
        draw = rng.random()
        if draw < 0.15:
            return 0
        if draw < 0.15 + small_share:
            return rng.randint(1, 4)
        return rng.randint(5, 40)

    margins = rng.choice([(True, True, True), (False, True, False), (True, False, False)])
    return Grid(
        tuple(tuple(cell() for _ in range(cols)) for _ in range(rows)),
        row_totals=margins[0],
        col_totals=margins[1],
        grand_total=margins[2],
    )


@pytest.mark.parametrize("seed", range(8))
def test_random_tables_never_disclose_a_small_count(seed: int) -> None:
    rng = random.Random(20_191_101 + seed)
    for _ in range(25):
        grid = random_grid(rng)
        values, lines = grid.values(), grid.lines()
        keep = {k for k in values if k[0] in ("col_total", "grand_total")}
        result = suppress(values, lines, keep=keep)
        # Primary rule: exactly the counts 1..4 are '<5'; zeros are never hidden.
        assert result.small == {k for k, v in values.items() if 0 < v < 5}
        assert all(values[k] > 0 for k in result.marks)
        assert all(values[k] >= 5 for k in result.masked)
        # No line with a single hidden member (total minus the others).
        assert single_hidden_lines(values, lines, result) == []
        # And no small count derivable at all, by an attacker who knows the rules.
        assert result.exposed == ()
        for key in result.small:
            assert len(alternative_values(values, lines, result, key)) > 1, (grid, key)


def test_the_attacker_catches_primary_suppression_alone() -> None:
    # The checks above can fail: on the same random tables, hiding only the small counts
    # (no complementary suppression) discloses some of them.
    rng = random.Random(20_191_101)
    disclosed = 0
    for _ in range(25):
        grid = random_grid(rng)
        values, lines = grid.values(), grid.lines()
        naive = Suppression(marks={k: Mark.SMALL for k, v in values.items() if 0 < v < 5})
        disclosed += sum(
            len(alternative_values(values, lines, naive, key)) == 1 for key in naive.small
        )
        assert set(exposed_cells(values, lines, naive)) == {
            key for key in naive.small if len(alternative_values(values, lines, naive, key)) == 1
        }
    assert disclosed > 0


def test_random_hierarchies_never_disclose_a_small_count() -> None:
    rng = random.Random(2_700)
    for _ in range(40):
        # root <- groups <- leaves, one column, the root kept published if possible.
        values: dict[Key, int] = {}
        lines: list[Line] = []
        groups = []
        for g in range(rng.randint(1, 4)):
            leaves = []
            for leaf in range(rng.randint(1, 4)):
                values[("leaf", g, leaf)] = rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15, 30])
                leaves.append(("leaf", g, leaf))
            values[("group", g)] = sum(values[k] for k in leaves)
            lines.append(Line(tuple(leaves), ("group", g)))
            groups.append(("group", g))
        values[("root",)] = sum(values[k] for k in groups)
        lines.append(Line(tuple(groups), ("root",)))
        result = suppress(values, lines, keep={("root",)})
        assert single_hidden_lines(values, lines, result) == []
        assert result.exposed == ()
        for key in result.small:
            assert len(alternative_values(values, lines, result, key)) > 1, (values, key)
