"""Clustering matched pairs into persons, guarded against chaining.

Single-link clustering (union of every matched pair) lets one weak or wrong link glue two
people together, then their relatives, and so on. Here two clusters merge only when:

- no pair across them is a conflict (a veto or a clearly negative comparison) and no manual
  "not the same person" correction separates them;
- the average score across them reaches :data:`MIN_AVERAGE_LINKAGE`;
- the merged cluster stays within :data:`MAX_CLUSTER_SIZE` records.

Edges are processed strongest first, so the best evidence shapes the clusters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from hub.persons.matching.compare import PairScore

MIN_AVERAGE_LINKAGE = 4.0
MAX_CLUSTER_SIZE = 40


@dataclass
class ClusterStats:
    merges: int = 0
    refused_conflict: int = 0
    refused_average: int = 0
    refused_size: int = 0
    refused_correction: int = 0
    cross_comparisons: int = 0


@dataclass
class Clustering:
    """Union-find over record indices with member lists and merge guards."""

    size: int
    score_pair: Callable[[int, int], PairScore]
    """Compare two records (cached by the caller)."""
    cannot_link: set[tuple[int, int]] = field(default_factory=set)
    max_cluster_size: int = MAX_CLUSTER_SIZE
    min_average: float = MIN_AVERAGE_LINKAGE
    stats: ClusterStats = field(default_factory=ClusterStats)

    def __post_init__(self) -> None:
        self._parent = list(range(self.size))
        self._members: dict[int, list[int]] = {}

    def find(self, index: int) -> int:
        parent = self._parent
        root = index
        while parent[root] != root:
            root = parent[root]
        while parent[index] != root:
            parent[index], index = root, parent[index]
        return root

    def members(self, index: int) -> list[int]:
        root = self.find(index)
        return self._members.get(root, [root])

    def _union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        ma, mb = self._members.pop(ra, [ra]), self._members.pop(rb, [rb])
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        self._parent[rb] = ra
        ma.extend(mb)
        self._members[ra] = ma

    def force(self, groups: Iterable[Sequence[int]]) -> None:
        """Put each group in one cluster, unchecked (existing persons, manual merges)."""
        for group in groups:
            for other in group[1:]:
                self._union(group[0], other)

    def _separated(self, left: list[int], right: list[int]) -> bool:
        if not self.cannot_link:
            return False
        for x in left:
            for y in right:
                if (x, y) in self.cannot_link or (y, x) in self.cannot_link:
                    return True
        return False

    def try_merge(self, a: int, b: int) -> bool:
        """Merge the clusters of ``a`` and ``b`` if the guards allow it; True when merged
        (or already together)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        left, right = self.members(ra), self.members(rb)
        if len(left) + len(right) > self.max_cluster_size:
            self.stats.refused_size += 1
            return False
        if self._separated(left, right):
            self.stats.refused_correction += 1
            return False
        total = 0.0
        for x in left:
            for y in right:
                self.stats.cross_comparisons += 1
                pair = self.score_pair(x, y)
                if pair.is_conflict:
                    self.stats.refused_conflict += 1
                    return False
                total += pair.score
        if total / (len(left) * len(right)) < self.min_average:
            self.stats.refused_average += 1
            return False
        self._union(ra, rb)
        self.stats.merges += 1
        return True

    def clusters(self) -> list[list[int]]:
        """Every cluster (singletons included), members in index order, clusters ordered by
        their first member."""
        groups: dict[int, list[int]] = {}
        for index in range(self.size):
            groups.setdefault(self.find(index), []).append(index)
        return sorted(groups.values(), key=lambda members: members[0])
