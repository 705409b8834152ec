"""An attacker written independently of the suppression engine: it knows the published
cells, the totals and the rules ('<5' is 1..4, 's' is 5 or more) and tries to pin a hidden
small count down by searching for other tables consistent with the publication."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

from hub.indicators.suppression import Line, Mark, Suppression

Key = Hashable


def alternative_values(
    values: Mapping[Key, int], lines: Sequence[Line], result: Suppression, target: Key
) -> set[int]:
    """Every value of ``target`` in a table consistent with the publication, searching tables
    within one unit of the true one (enough to prove a second value exists), by backtracking
    over the hidden cells with the reader's knowledge: '<5' is 1..4, 's' is 5 or more."""
    hidden = [k for k in values if result.is_hidden(k)]
    domains: dict[Key, list[int]] = {}
    for key in hidden:
        low, high = (1, 4) if result.marks[key] is Mark.SMALL else (5, 10**9)
        domains[key] = [
            v for v in (values[key] - 1, values[key], values[key] + 1) if low <= v <= high
        ]
    found: set[int] = set()
    assignment: dict[Key, int] = {k: v for k, v in values.items() if not result.is_hidden(k)}

    def lines_ok() -> bool:
        for line in lines:
            members = [*line.parts, line.total]
            complete = all(m in assignment for m in members)
            if complete and sum(assignment[p] for p in line.parts) != assignment[line.total]:
                return False
        return True

    def walk(index: int) -> None:
        if index == len(hidden):
            found.add(assignment[target])
            return
        key = hidden[index]
        for value in domains[key]:
            assignment[key] = value
            if lines_ok():
                walk(index + 1)
            del assignment[key]

    walk(0)
    return found


def single_hidden_lines(
    values: Mapping[Key, int], lines: Sequence[Line], result: Suppression
) -> list[Line]:
    """Lines with exactly one hidden member: that member is the total minus the others."""
    return [
        line for line in lines if sum(result.is_hidden(m) for m in [*line.parts, line.total]) == 1
    ]
