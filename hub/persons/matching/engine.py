"""Linking records to persons in memory: blocking, comparison, guarded clustering.

Pure: records in, clusters and evidence out. The persistence layer feeds it the records of a
block (decrypted for the occasion) and stores the outcome.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hub.persons.matching.blocking import MAX_BLOCK_SIZE, blocking_keys, candidate_pairs
from hub.persons.matching.cluster import Clustering, ClusterStats
from hub.persons.matching.compare import RULES_VERSION, PairScore, compare
from hub.persons.matching.features import FeatureRecord


@dataclass
class LinkStats:
    records: int = 0
    candidate_pairs: int = 0
    comparisons: int = 0
    matched_pairs: int = 0
    clusters: int = 0
    seconds: float = 0.0
    clustering: ClusterStats = field(default_factory=ClusterStats)


@dataclass
class Linkage:
    """The outcome of linking: clusters of record indices and per-record evidence."""

    clusters: list[list[int]]
    evidence: dict[int, dict[str, Any]]
    """For each record in a multi-record cluster: how it was linked (see :func:`link`)."""
    stats: LinkStats


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """Suspend the cyclic garbage collector: linking allocates millions of small acyclic
    objects, and full collections over a large live heap would dominate its time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def link(
    records: Sequence[FeatureRecord],
    *,
    fixed: Iterable[Sequence[int]] = (),
    must_link: Iterable[Sequence[int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    active: Sequence[bool] | None = None,
    keys: Sequence[Sequence[tuple[str, str]]] | None = None,
    max_block_size: dict[str, int] | None = None,
) -> Linkage:
    """Cluster ``records`` into persons.

    - ``fixed``: groups already known to be one person (existing persons, when linking
      incrementally); they are kept together without being re-checked.
    - ``must_link`` / ``cannot_link``: manual corrections, always honoured.
    - ``active``: when given, only pairs with at least one active record are compared (the new
      records of an import); the others were settled before.
    - ``keys``: precomputed blocking keys per record (else computed here).

    Evidence of a linked record: ``rule``, ``score``, ``matched_with`` (index of the record it
    matched best), ``keys`` (kinds of blocking keys shared), ``comparison`` (levels), and
    ``rules_version``.
    """
    with no_gc_pauses():
        return _link(records, fixed, must_link, cannot_link, active, keys, max_block_size)


def _link(
    records: Sequence[FeatureRecord],
    fixed: Iterable[Sequence[int]],
    must_link: Iterable[Sequence[int]],
    cannot_link: Iterable[tuple[int, int]],
    active: Sequence[bool] | None,
    keys: Sequence[Sequence[tuple[str, str]]] | None,
    max_block_size: dict[str, int] | None,
) -> Linkage:
    started = time.perf_counter()
    stats = LinkStats(records=len(records))
    record_keys = keys if keys is not None else [blocking_keys(r) for r in records]
    cache: dict[tuple[int, int], PairScore] = {}

    def score_pair(x: int, y: int) -> PairScore:
        pair = (x, y) if x < y else (y, x)
        result = cache.get(pair)
        if result is None:
            result = compare(records[pair[0]], records[pair[1]])
            cache[pair] = result
            stats.comparisons += 1
        return result

    edges: list[tuple[float, int, int]] = []
    undated = [record.birth_date is None for record in records]
    pairs = candidate_pairs(
        record_keys, undated=undated, max_block_size=max_block_size or MAX_BLOCK_SIZE
    )
    for a, b in pairs:
        if active is not None and not (active[a] or active[b]):
            continue
        stats.candidate_pairs += 1
        result = score_pair(a, b)
        if result.is_match:
            edges.append((result.score, a, b))
    stats.matched_pairs = len(edges)
    # Strongest evidence first; ties broken by position for a deterministic outcome.
    edges.sort(key=lambda edge: (-edge[0], edge[1], edge[2]))

    clustering = Clustering(size=len(records), score_pair=score_pair, cannot_link=set(cannot_link))
    clustering.force(fixed)
    clustering.force(must_link)
    for _score, a, b in edges:
        clustering.try_merge(a, b)
    clusters = clustering.clusters()

    evidence: dict[int, dict[str, Any]] = {}
    root_of = {m: i for i, members in enumerate(clusters) for m in members}
    best: dict[int, tuple[float, int]] = {}
    for score, a, b in edges:
        if root_of[a] != root_of[b]:
            continue
        for x, y in ((a, b), (b, a)):
            if x not in best or score > best[x][0]:
                best[x] = (score, y)
    for x, (_score, y) in best.items():
        pair = score_pair(x, y)
        shared = sorted({kind for kind, _ in set(record_keys[x]) & set(record_keys[y])})
        evidence[x] = {
            "rule": pair.rule,
            "score": round(pair.score, 2),
            "matched_with": y,
            "keys": shared,
            "comparison": pair.evidence(),
            "rules_version": RULES_VERSION,
        }
    stats.clusters = len(clusters)
    stats.clustering = clustering.stats
    stats.seconds = time.perf_counter() - started
    return Linkage(clusters=clusters, evidence=evidence, stats=stats)
