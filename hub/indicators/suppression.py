"""Statistical disclosure control of published tables: primary and complementary suppression.

Pure functions, no I/O. A table is a set of cells (any hashable key -> a count) and the
additive relations a reader knows between them (:class:`Line`: parts add up to a total:
a row and its row total, a column and its column total, children and their subtotal...).

- **Primary suppression**: a count from 1 to ``threshold - 1`` is not published (shown as
  ``<5``). Zero is published: an empty category discloses nobody, and hiding zeros would
  only make the other suppressions weaker (a hidden zero is known to be 0 or at least 5).
- **Complementary suppression**: further cells (shown as ``s``) are hidden until no
  suppressed small count can be derived exactly from what is published: the other cells,
  the totals, and what the rule itself tells (a ``<5`` cell is between 1 and 4, an ``s``
  cell is at least 5).

How "derived exactly" is decided, exactly and not by a rule of thumb: each line is a node
of a graph and each suppressed cell an edge between the (at most two) lines it belongs to;
a cell that belongs to one line only hangs on a free node. The published values fix
everything else, so another table consistent with the publication differs from the true one
by a *circulation* over the suppressed cells. The line coefficients form a network matrix
(tables with margins and hierarchies of subtotals are), so the feasible tables are the
integer points of a network polytope, and a suppressed cell can take a second value if and
only if one unit can be pushed around a cycle through it without leaving the bounds of
every cell on the cycle (conformal decomposition). That is a reachability question in a
residual graph. To protect an exposed cell, the cheapest cycle (in hidden counts, shared
totals last) is found with Dijkstra over the same graph, and its published cells are
suppressed too.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import count
from typing import Any

Key = Hashable

THRESHOLD = 5
"""Counts below this (and above zero) are never published."""

SMALL_MARKER = "<5"
MASKED_MARKER = "s"

_FREE = ("__free__",)
"""The node of cells that belong to a single line (unconstrained on their other side)."""

_LAST_RESORT_COST = 1_000_000_000
"""Added to the cost of suppressing a cell the caller wants published (a shared total)."""


class Mark(StrEnum):
    SMALL = "small"
    """Primary suppression: a count from 1 to ``threshold - 1``."""
    MASKED = "masked"
    """Complementary suppression: hidden so that a small count cannot be derived."""


class TableStructureError(ValueError):
    """The cells and lines given do not form a table this module can audit."""


@dataclass(frozen=True)
class Line:
    """An additive relation a reader knows: ``sum(parts) == total``."""

    parts: tuple[Key, ...]
    total: Key


@dataclass(frozen=True)
class Suppression:
    """Which cells are hidden, and how."""

    marks: Mapping[Any, Mark]
    threshold: int = THRESHOLD
    exposed: tuple[Key, ...] = ()
    """Small counts that could still be derived exactly (empty unless the table is degenerate:
    then every non-zero cell is hidden)."""

    def is_hidden(self, key: Key) -> bool:
        return key in self.marks

    def display(self, key: Key, value: int) -> int | str:
        """The published form of a cell: its value, ``<5`` or ``s``."""
        mark = self.marks.get(key)
        if mark is None:
            return value
        return SMALL_MARKER if mark is Mark.SMALL else MASKED_MARKER

    def published(self, values: Mapping[Any, int]) -> dict[Key, int | str]:
        return {key: self.display(key, value) for key, value in values.items()}

    @property
    def small(self) -> frozenset[Key]:
        return frozenset(k for k, m in self.marks.items() if m is Mark.SMALL)

    @property
    def masked(self) -> frozenset[Key]:
        return frozenset(k for k, m in self.marks.items() if m is Mark.MASKED)


@dataclass(frozen=True)
class _Edge:
    key: Key
    tail: Key
    head: Key
    sign: int
    """``d(flow tail->head) = sign * d(value)``."""


@dataclass
class _Graph:
    edges: dict[Key, _Edge] = field(default_factory=dict)
    incident: dict[Key, list[_Edge]] = field(default_factory=lambda: defaultdict(list))


def suppress(
    values: Mapping[Any, int],
    lines: Sequence[Line],
    *,
    threshold: int = THRESHOLD,
    keep: Set[Key] = frozenset(),
    forced: Set[Key] = frozenset(),
) -> Suppression:
    """Primary and complementary suppression of one table.

    ``keep``: cells to publish if at all possible (totals shown in other tables too): they are
    suppressed only when nothing else protects a small count. ``forced``: cells hidden
    elsewhere (a shared total): hidden here too, and protected like small counts (this table
    must not give them away either). Deterministic: ties are broken by the order of
    ``values``.

    Raises :class:`TableStructureError` when a line refers to an unknown cell, does not add
    up, a cell belongs to more than two lines, or the lines are not a network (a cycle of
    relations with inconsistent signs).
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    order = {key: index for index, key in enumerate(values)}
    for key, value in values.items():
        if not isinstance(value, int) or value < 0:
            raise TableStructureError(f"cell {key!r}: counts are non-negative integers")
    graph = _build_graph(values, lines)
    marks: dict[Key, Mark] = {}
    for key, value in values.items():
        if 0 < value < threshold:
            marks[key] = Mark.SMALL
    for key in forced:
        if key not in order:
            raise TableStructureError(f"forced cell {key!r} is not in the table")
        if key not in marks and values[key] > 0:
            marks[key] = Mark.MASKED
    auditor = _Auditor(graph, values, marks, threshold, keep, order)
    protected = [
        *auditor.small_cells(),
        *(k for k in forced if k in marks and k not in auditor.small_cells()),
    ]
    protected.sort(key=order.__getitem__)
    for key in protected:
        if auditor.ambiguous(key):
            continue
        path = auditor.cheapest_protection(key)
        if path is None:
            continue
        for added in path:
            marks[added] = Mark.MASKED
    exposed = tuple(key for key in protected if not auditor.ambiguous(key))
    if exposed:
        # Degenerate table: hide every non-zero cell; report what still leaks, if anything.
        for key, value in values.items():
            if value > 0 and key not in marks:
                marks[key] = Mark.MASKED
        exposed = tuple(key for key in exposed if not auditor.ambiguous(key))
    return Suppression(marks=dict(marks), threshold=threshold, exposed=exposed)


def exposed_cells(
    values: Mapping[Any, int],
    lines: Sequence[Line],
    suppression: Suppression,
    *,
    also: Set[Key] = frozenset(),
) -> tuple[Key, ...]:
    """Small counts of ``suppression`` (and hidden cells of ``also``, e.g. shared totals)
    whose exact value follows from what is published: an audit, for tests and for checking
    a publication made elsewhere."""
    graph = _build_graph(values, lines)
    order = {key: index for index, key in enumerate(values)}
    auditor = _Auditor(
        graph, values, dict(suppression.marks), suppression.threshold, frozenset(), order
    )
    audited = [*auditor.small_cells(), *(k for k in also if suppression.is_hidden(k))]
    return tuple(key for key in dict.fromkeys(audited) if not auditor.ambiguous(key))


def feasible_range(
    values: Mapping[Any, int],
    lines: Sequence[Line],
    suppression: Suppression,
    key: Key,
    *,
    limit: int = 1_000,
) -> tuple[int, int]:
    """The smallest and largest value cell ``key`` can take in a table consistent with the
    publication (by walking unit cycles; ``limit`` bounds the walk). For audits and tests."""
    graph = _build_graph(values, lines)
    if key not in suppression.marks:
        return values[key], values[key]
    current = dict(values)
    order = {k: index for index, k in enumerate(values)}
    low = high = values[key]
    for direction in (1, -1):
        trial = dict(current)
        for _ in range(limit):
            auditor = _Auditor(
                graph, trial, dict(suppression.marks), suppression.threshold, frozenset(), order
            )
            cycle = auditor.unit_cycle(key, direction)
            if cycle is None:
                break
            for edge_key, delta in cycle.items():
                trial[edge_key] += delta
            low, high = min(low, trial[key]), max(high, trial[key])
    return low, high


# -- graph -----------------------------------------------------------------------------------


def _build_graph(values: Mapping[Any, int], lines: Sequence[Line]) -> _Graph:
    membership: dict[Key, list[tuple[int, int]]] = defaultdict(list)
    for index, line in enumerate(lines):
        members = [*line.parts, line.total]
        if len(set(members)) != len(members):
            raise TableStructureError(f"line {index} names a cell twice")
        for key in members:
            if key not in values:
                raise TableStructureError(f"line {index} refers to unknown cell {key!r}")
        if sum(values[p] for p in line.parts) != values[line.total]:
            raise TableStructureError(f"line {index}: the parts do not add up to {line.total!r}")
        for key in line.parts:
            membership[key].append((index, 1))
        membership[line.total].append((index, -1))
    for key, where in membership.items():
        if len(where) > 2:
            raise TableStructureError(f"cell {key!r} belongs to more than two lines")
    # Scale each line by +1/-1 so that every cell leaves one line and enters the other.
    scale: dict[int, int] = {}
    neighbours: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for where in membership.values():
        if len(where) == 2:
            (a, ca), (b, cb) = where
            # want scale[a]*ca == -scale[b]*cb
            neighbours[a].append((b, -ca * cb))
            neighbours[b].append((a, -ca * cb))
    for start in range(len(lines)):
        if start in scale:
            continue
        scale[start] = 1
        stack = [start]
        while stack:
            node = stack.pop()
            for other, relation in neighbours[node]:
                wanted = scale[node] * relation
                if other not in scale:
                    scale[other] = wanted
                    stack.append(other)
                elif scale[other] != wanted:
                    raise TableStructureError("the lines are not a network (inconsistent signs)")
    graph = _Graph()
    for key, where in membership.items():
        first, coefficient = where[0]
        sign = scale[first] * coefficient
        tail: Key = ("line", first)
        head: Key = ("line", where[1][0]) if len(where) == 2 else _FREE
        edge = _Edge(key=key, tail=tail, head=head, sign=sign)
        graph.edges[key] = edge
        graph.incident[tail].append(edge)
        graph.incident[head].append(edge)
    for key in values:
        if key not in graph.edges:
            # In no line at all: free on both sides.
            edge = _Edge(key=key, tail=_FREE, head=_FREE, sign=1)
            graph.edges[key] = edge
            graph.incident[_FREE].append(edge)
    return graph


class _Auditor:
    def __init__(
        self,
        graph: _Graph,
        values: Mapping[Any, int],
        marks: Mapping[Any, Mark],
        threshold: int,
        keep: Set[Key],
        order: Mapping[Key, int],
    ) -> None:
        self.graph = graph
        self.values = values
        self.marks = marks
        self.threshold = threshold
        self.keep = keep
        self.order = order

    def small_cells(self) -> list[Key]:
        return [key for key, mark in self.marks.items() if mark is Mark.SMALL]

    def _bounds(self, key: Key) -> tuple[int, float]:
        """What a reader knows of a hidden cell (or of a published one if it were hidden)."""
        if self.marks.get(key) is Mark.SMALL:
            return 1, self.threshold - 1
        return self.threshold, float("inf")

    def _can_move(self, key: Key, delta: int) -> bool:
        low, high = self._bounds(key)
        return low <= self.values[key] + delta <= high

    def _arcs(
        self, node: Key, exclude: Key, with_candidates: bool
    ) -> Iterable[tuple[Key, Key, int]]:
        """``(next node, cell, value delta)`` of the residual arcs leaving ``node``."""
        for edge in self.graph.incident[node]:
            if edge.key == exclude:
                continue
            hidden = edge.key in self.marks
            if not hidden and not (with_candidates and self.values[edge.key] > 0):
                continue
            # One unit of flow tail -> head changes the cell's value by ``sign``.
            if edge.tail == node and self._can_move(edge.key, edge.sign):
                yield edge.head, edge.key, edge.sign
            if edge.head == node and self._can_move(edge.key, -edge.sign):
                yield edge.tail, edge.key, -edge.sign

    def _starts(self, key: Key, direction: int | None = None) -> list[tuple[Key, Key, int]]:
        """``(from node, to node, delta)`` for pushing one unit through ``key``."""
        edge = self.graph.edges[key]
        starts = []
        for flow in (1, -1):
            delta = flow * edge.sign
            if direction is not None and delta != direction:
                continue
            if self._can_move(key, delta):
                source, target = (edge.tail, edge.head) if flow == 1 else (edge.head, edge.tail)
                starts.append((source, target, delta))
        return starts

    def ambiguous(self, key: Key) -> bool:
        return any(
            self._path(target, source, exclude=key, with_candidates=False) is not None
            for source, target, _ in self._starts(key)
        )

    def unit_cycle(self, key: Key, direction: int) -> dict[Key, int] | None:
        """Value changes of a unit cycle moving ``key`` by ``direction``, or None."""
        for source, target, delta in self._starts(key, direction):
            path = self._path(target, source, exclude=key, with_candidates=False)
            if path is not None:
                changes = {key: delta}
                for cell, cell_delta in path:
                    changes[cell] = changes.get(cell, 0) + cell_delta
                return changes
        return None

    def _path(
        self, source: Key, target: Key, *, exclude: Key, with_candidates: bool
    ) -> list[tuple[Key, int]] | None:
        """Cheapest residual path ``source -> target`` as ``[(cell, delta)]`` (Dijkstra; hidden
        cells cost nothing, a published cell its value, a kept cell a prohibitive price)."""
        if source == target:
            return []
        tie = count()
        best: dict[Key, float] = {source: 0}
        previous: dict[Key, tuple[Key, Key, int]] = {}
        heap: list[tuple[float, int, int, Key]] = [(0, 0, next(tie), source)]
        while heap:
            cost, _, _, node = heapq.heappop(heap)
            if cost > best.get(node, float("inf")):
                continue
            if node == target:
                path: list[tuple[Key, int]] = []
                while node != source:
                    node, cell, delta = previous[node]
                    path.append((cell, delta))
                return path[::-1]
            for nxt, cell, delta in self._arcs(node, exclude, with_candidates):
                step = self._cost(cell)
                total = cost + step
                if total < best.get(nxt, float("inf")):
                    best[nxt] = total
                    previous[nxt] = (node, cell, delta)
                    heapq.heappush(heap, (total, self.order.get(cell, 0), next(tie), nxt))
        return None

    def _cost(self, cell: Key) -> float:
        if cell in self.marks:
            return 0
        value = self.values[cell]
        return value + (_LAST_RESORT_COST if cell in self.keep else 0)

    def cheapest_protection(self, key: Key) -> list[Key] | None:
        """The published cells to hide so that ``key`` can take a second value."""
        options: list[tuple[float, list[Key]]] = []
        for source, target, _ in self._starts(key):
            path = self._path(target, source, exclude=key, with_candidates=True)
            if path is None:
                continue
            cells = [cell for cell, _ in path if cell not in self.marks]
            options.append((sum(self._cost(c) for c in cells), cells))
        if not options:
            return None
        options.sort(key=lambda option: option[0])
        return options[0][1]


# -- common table shapes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """A rows x columns table with optional margins, keyed ``("cell", i, j)``,
    ``("row_total", i)``, ``("col_total", j)`` and ``("grand_total",)``."""

    cells: tuple[tuple[int, ...], ...]
    row_totals: bool = True
    col_totals: bool = True
    grand_total: bool = True

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.cells), len(self.cells[0]) if self.cells else 0

    def values(self) -> dict[Key, int]:
        rows, cols = self.shape
        out: dict[Key, int] = {}
        for i in range(rows):
            for j in range(cols):
                out[("cell", i, j)] = self.cells[i][j]
        if self.row_totals:
            for i in range(rows):
                out[("row_total", i)] = sum(self.cells[i])
        if self.col_totals:
            for j in range(cols):
                out[("col_total", j)] = sum(self.cells[i][j] for i in range(rows))
        if self.grand_total and (self.row_totals or self.col_totals):
            out[("grand_total",)] = sum(map(sum, self.cells))
        return out

    def lines(self) -> list[Line]:
        rows, cols = self.shape
        lines: list[Line] = []
        if self.row_totals:
            for i in range(rows):
                lines.append(Line(tuple(("cell", i, j) for j in range(cols)), ("row_total", i)))
        if self.col_totals:
            for j in range(cols):
                lines.append(Line(tuple(("cell", i, j) for i in range(rows)), ("col_total", j)))
        if self.grand_total and self.row_totals:
            lines.append(Line(tuple(("row_total", i) for i in range(rows)), ("grand_total",)))
        if self.grand_total and self.col_totals:
            lines.append(Line(tuple(("col_total", j) for j in range(cols)), ("grand_total",)))
        return lines
