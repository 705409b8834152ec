"""Blocking, guarded clustering and corrections of the in-memory engine."""

from __future__ import annotations

from datetime import date

from hub.persons.matching import blocking_keys, candidate_pairs, link
from hub.persons.matching.cluster import MAX_CLUSTER_SIZE
from tests.hub.persons.matching.factories import rec

HOUSEHOLD = "+33611223344"


def test_records_of_one_person_cluster_and_siblings_do_not() -> None:
    records = [
        rec("a1", "Meyer", ["Hugo"], phones=[HOUSEHOLD], sex="M"),
        rec("a2", "MEYER", ["hugo"], phones=["+33699999999"]),
        rec("b1", "Meyer", ["Jade"], birth=date(2007, 1, 2), phones=[HOUSEHOLD], sex="F"),
        rec("b2", "Meyer", ["Jade", "Emma"], birth=date(2007, 1, 2), sex="F"),
    ]
    linkage = link(records)
    assert linkage.clusters == [[0, 1], [2, 3]]
    assert linkage.evidence[1]["matched_with"] == 0
    assert linkage.evidence[0]["rules_version"]
    assert "name_dob" in linkage.evidence[0]["keys"]


def test_a_record_without_given_name_does_not_chain_twins_together() -> None:
    # The middle record matches each twin (no given name to tell them apart); single-link
    # clustering would put all three in one person.
    twin_one = rec("t1", "Meyer", ["Hugo"], phones=[HOUSEHOLD], sex="M")
    twin_two = rec("t2", "Meyer", ["Nathan"], phones=[HOUSEHOLD], sex="M")
    ambiguous = rec("x", "Meyer", [], phones=[HOUSEHOLD])
    linkage = link([twin_one, ambiguous, twin_two])
    together = {tuple(c) for c in linkage.clusters}
    assert (0, 2) not in together
    assert not any(0 in c and 2 in c for c in linkage.clusters)
    assert linkage.stats.clustering.refused_conflict >= 1


def test_clusters_are_capped() -> None:
    records = [rec(f"r{i}", phones=["+33612345678"]) for i in range(MAX_CLUSTER_SIZE + 5)]
    linkage = link(records, max_block_size={"phone": 100, "name_dob": 100, "names": 100})
    assert max(len(c) for c in linkage.clusters) <= MAX_CLUSTER_SIZE
    assert linkage.stats.clustering.refused_size > 0


def test_blocking_never_compares_all_pairs() -> None:
    records = [
        rec(
            f"r{i}",
            f"Name{i}",
            [f"Given{i % 7}"],
            birth=date(2000 + i % 10, 1 + i % 12, 1 + i % 28),
        )
        for i in range(300)
    ]
    keys = [blocking_keys(r) for r in records]
    pairs = list(candidate_pairs(keys))
    assert len(pairs) < 300 * 299 // 2 // 20


def test_oversized_blocks_are_skipped() -> None:
    records = [rec(f"r{i}", phones=["+33600000000"]) for i in range(50)]
    keys = [blocking_keys(r) for r in records]
    caps = {"phone": 10, "name_dob": 10, "names": 10}
    assert list(candidate_pairs(keys, max_block_size=caps)) == []
    assert len(list(candidate_pairs(keys, max_block_size={**caps, "phone": 50}))) == 50 * 49 // 2


def test_manual_corrections_are_honoured() -> None:
    same = [rec("a"), rec("b"), rec("c", "Dupont", ["Jade"], birth=date(1999, 9, 9))]
    linkage = link(same, must_link=[[0, 2]], cannot_link=[(0, 1)])
    assert [0, 2] in linkage.clusters
    assert not any(0 in c and 1 in c for c in linkage.clusters)


def test_incremental_linking_only_compares_active_records_and_keeps_fixed_groups() -> None:
    existing = [rec("e1"), rec("e2", "Dupont", ["Jade"], birth=date(1999, 9, 9))]
    new = [rec("n1", "MARTIN", ["lucas"])]
    linkage = link(existing + new, fixed=[[0], [1]], active=[False, False, True])
    assert [0, 2] in linkage.clusters
    assert linkage.stats.comparisons >= 1


def test_deterministic_outcome() -> None:
    records = [rec(f"r{i}", "Martin", ["Lucas" if i % 2 else "Hugo"]) for i in range(6)]
    assert link(records).clusters == link(list(records)).clusters


def test_names_key_pairs_only_records_without_birth_date() -> None:
    dated = [rec(f"d{i}", birth=date(2000 + i, 1, 1)) for i in range(3)]
    undated = rec("u", birth=None, phones=[])
    keys = [blocking_keys(r) for r in [*dated, undated]]
    flags = [False, False, False, True]
    pairs = set(candidate_pairs(keys, undated=flags))
    assert pairs == {(0, 3), (1, 3), (2, 3)}
