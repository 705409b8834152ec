"""Linking stored records to persons: incrementally after each import, or all over again.

Pseudonymised matching: the blocking / deterministic keys of every record are stored only as
blind indexes (``crypto.blind.index("person-match:<kind>", value)``). Linking a batch of
records looks its keys up, decrypts the ``person`` of the candidate records only (and of the
other records of their persons, to check the clusters), and runs the in-memory engine.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from hub.crypto import Crypto
from hub.models_base import new_id, utcnow
from hub.persons import repository
from hub.persons.events import person_merged
from hub.persons.matching import (
    MAX_BLOCK_SIZE,
    RULES_VERSION,
    FeatureRecord,
    LinkStats,
    blocking_keys,
    features_from_json,
    link,
)
from hub.persons.matching.blocking import UNDATED_ONLY_KINDS
from hub.persons.matching.engine import no_gc_pauses
from hub.persons.models import ConstraintKind, Person, PersonStatus

KEY_PURPOSE = "person-match:{kind}"

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: optional feedback for long runs (CLI progress bars)."""


@dataclass
class LinkOutcome:
    """What a linking run did (counts only: no personal data)."""

    records: int = 0
    linked_to_existing: int = 0
    new_persons: int = 0
    merged_persons: int = 0
    retired_persons: int = 0
    kept_by_correction: int = 0
    candidates_decrypted: int = 0
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    """Seconds per stage (decrypt, keys, lookup, link, write): for benchmarks and logs."""
    stats: LinkStats | None = field(default=None, repr=False)


class _Clock:
    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + now - self._last
        self._last = now


class _Hasher:
    """Blind indexes of blocking keys, computed once per distinct key in a run."""

    def __init__(self, crypto: Crypto) -> None:
        self._blind = crypto.blind
        self._cache: dict[tuple[str, str], str] = {}

    def keys(self, record: FeatureRecord) -> list[tuple[str, str]]:
        return self.hash(blocking_keys(record))

    def hash(self, keys: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for key in keys:
            value = self._cache.get(key)
            if value is None:
                value = self._blind.index(KEY_PURPOSE.format(kind=key[0]), key[1])
                self._cache[key] = value
            out.append((key[0], value))
        return out


def _decrypt(
    crypto: Crypto, blobs: Iterable[tuple[uuid.UUID, bytes]]
) -> dict[uuid.UUID, FeatureRecord]:
    cipher = crypto.cipher
    features: dict[uuid.UUID, FeatureRecord] = {}
    for record_id, blob in blobs:
        data = cipher.decrypt_json(
            blob, table="source_record", row_id=str(record_id), field="person"
        )
        features[record_id] = features_from_json(record_id, data)
    return features


def _link_row(
    record_id: uuid.UUID, person_id: uuid.UUID, evidence: dict[str, Any], *, manual: bool = False
) -> dict[str, Any]:
    return {
        "source_record_id": record_id,
        "person_id": person_id,
        "manual": manual,
        "rules_version": RULES_VERSION,
        "evidence": evidence,
        "linked_at": utcnow(),
    }


def _evidence(raw: dict[str, Any] | None, loaded: Sequence[uuid.UUID], rule: str) -> dict[str, Any]:
    if raw is None:
        return {"rule": rule, "rules_version": RULES_VERSION}
    evidence = dict(raw)
    evidence["matched_with"] = str(loaded[raw["matched_with"]])
    return evidence


def _pick_target(
    candidates: Sequence[uuid.UUID],
    sizes: dict[uuid.UUID, int],
    persons: dict[uuid.UUID, Person],
) -> uuid.UUID:
    # The person with most records survives; ties go to the oldest, then the smallest id.
    def rank(pid: uuid.UUID) -> tuple[int, float, str]:
        person = persons.get(pid)
        created = person.created_at.timestamp() if person is not None else 0.0
        return (-sizes.get(pid, 0), created, str(pid))

    return min(candidates, key=rank)


# -- incremental linking ---------------------------------------------------------------------


def link_records(session: Session, crypto: Crypto, record_ids: Sequence[uuid.UUID]) -> LinkOutcome:
    """Link new or changed source records to persons, without recomputing the others.

    Each record's blocking keys (blind indexes) are looked up among the stored ones; the
    candidates' persons (all their records) are decrypted and the engine links the new
    records to them, or creates persons. A record linked by a manual correction stays where it
    is. Two persons that new evidence shows to be one are merged (the larger survives).
    """
    ids = list(dict.fromkeys(record_ids))
    if not ids:
        return LinkOutcome()
    started = time.perf_counter()
    with no_gc_pauses():
        outcome = _link_incrementally(session, crypto, ids)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _link_incrementally(session: Session, crypto: Crypto, ids: list[uuid.UUID]) -> LinkOutcome:
    clock = _Clock()
    hasher = _Hasher(crypto)
    blobs = repository.person_blobs(session, ids)
    clock.lap("load")
    new_features = _decrypt(crypto, blobs)
    clock.lap("decrypt")
    ids = [rid for rid in ids if rid in new_features]
    previous = repository.links_for_records(session, ids)
    manual_ids = {rid for rid, (_pid, manual) in previous.items() if manual}
    active_ids = [rid for rid in ids if rid not in manual_ids]
    active_set = set(active_ids)
    # Plain keys feed the in-memory engine; only their blind indexes are stored and looked up.
    plain_keys = {rid: blocking_keys(new_features[rid]) for rid in ids}
    new_keys = {rid: hasher.hash(plain_keys[rid]) for rid in ids}
    clock.lap("keys")

    # Candidates: stored records sharing a key, blocks over their size cap left out.
    # Only records linked before can have stored keys (a brand-new record has none).
    repository.delete_keys(session, list(previous))
    kind_of: dict[str, str] = {}
    new_count: dict[str, int] = {}
    for rid in active_ids:
        dated = new_features[rid].birth_date is not None
        for kind, value in new_keys[rid]:
            if dated and kind in UNDATED_ONLY_KINDS:
                continue  # stored for the undated records to find, not looked up
            kind_of[value] = kind
            new_count[value] = new_count.get(value, 0) + 1
    holders: dict[str, list[uuid.UUID]] = {}
    for value, rid in repository.key_hits(session, list(kind_of)):
        holders.setdefault(value, []).append(rid)
    candidates: set[uuid.UUID] = set()
    for value, rids in holders.items():
        if len(rids) + new_count[value] <= MAX_BLOCK_SIZE.get(kind_of[value], 50):
            candidates.update(rids)
    candidates.difference_update(ids)

    # Their persons, every record of those persons, and what corrections tie to them.
    constraints = repository.constraints_touching(session, ids)
    partners = {c.record_a for c in constraints} | {c.record_b for c in constraints}
    partners.difference_update(ids)
    related = repository.links_for_records(session, candidates | partners)
    person_ids = {pid for pid, _ in related.values()}
    # The persons of manually linked records keep them; those of changed records are checked
    # again (the record may rejoin them, or leave).
    person_ids.update(pid for pid, _manual in previous.values())
    members = repository.members_of_persons(session, person_ids)
    fixed_members = {
        pid: [rid for rid in rids if rid not in active_set] for pid, rids in members.items()
    }
    existing: list[uuid.UUID] = list(
        dict.fromkeys(rid for rids in fixed_members.values() for rid in rids)
    )
    # A stored record without a person (stored while linking was off) is linked now too.
    orphans = [rid for rid in (candidates | partners) if rid not in related]
    to_decrypt = [rid for rid in existing + orphans if rid not in new_features]
    clock.lap("lookup")
    features = _decrypt(crypto, repository.person_blobs(session, to_decrypt))
    features.update(new_features)
    clock.lap("decrypt")
    existing = [rid for rid in existing if rid in features]
    pending = active_ids + [rid for rid in orphans if rid in features]
    active_set.update(pending)
    loaded = existing + pending
    index = {rid: i for i, rid in enumerate(loaded)}
    keys = [plain_keys.get(rid) or blocking_keys(features[rid]) for rid in loaded]
    all_constraints = repository.constraints_touching(session, loaded)
    must = [
        [index[c.record_a], index[c.record_b]]
        for c in all_constraints
        if c.kind == ConstraintKind.MUST_LINK and c.record_a in index and c.record_b in index
    ]
    cannot = [
        (index[c.record_a], index[c.record_b])
        for c in all_constraints
        if c.kind == ConstraintKind.CANNOT_LINK and c.record_a in index and c.record_b in index
    ]
    fixed = [[index[rid] for rid in rids if rid in index] for rids in fixed_members.values()]
    active = [rid in active_set for rid in loaded]
    clock.lap("lookup")
    linkage = link(
        [features[rid] for rid in loaded],
        fixed=[group for group in fixed if group],
        must_link=must,
        cannot_link=cannot,
        active=active,
        keys=keys,
    )

    clock.lap("link")
    # Clusters to persons.
    owner = {rid: pid for pid, rids in fixed_members.items() for rid in rids}
    sizes = {pid: len(rids) for pid, rids in fixed_members.items()}
    # Only persons that new evidence joins need their creation date (the oldest survives).
    joined = [
        [owner[loaded[i]] for i in cluster if loaded[i] in owner]
        for cluster in linkage.clusters
        if any(active[i] for i in cluster)
    ]
    meta = repository.persons_by_id(
        session, {pid for owners in joined if len(set(owners)) > 1 for pid in owners}
    )
    outcome = LinkOutcome(
        records=len(ids),
        kept_by_correction=len(manual_ids),
        candidates_decrypted=len(to_decrypt),
        stats=linkage.stats,
    )
    created: list[uuid.UUID] = []
    merged: dict[uuid.UUID, uuid.UUID] = {}
    rows: list[dict[str, Any]] = []
    assignments: dict[uuid.UUID, uuid.UUID] = {}
    reused: set[uuid.UUID] = set()
    for cluster in linkage.clusters:
        newcomers = [loaded[i] for i in cluster if active[i]]
        if not newcomers:
            continue
        owners = list(dict.fromkeys(owner[loaded[i]] for i in cluster if loaded[i] in owner))
        if len(owners) == 1:
            target = owners[0]
            outcome.linked_to_existing += len(newcomers)
        elif owners:
            target = _pick_target(owners, sizes, meta)
            for other in owners:
                if other != target:
                    merged[other] = target
            outcome.linked_to_existing += len(newcomers)
        else:
            # A changed record alone again keeps its person if nobody else is left in it.
            target = (
                next(
                    (
                        previous[rid][0]
                        for rid in newcomers
                        if rid in previous
                        and not fixed_members.get(previous[rid][0])
                        and previous[rid][0] not in reused
                    ),
                    None,
                )
                or new_id()
            )
            if target in {previous[rid][0] for rid in newcomers if rid in previous}:
                reused.add(target)
            else:
                created.append(target)
        for rid in newcomers:
            raw = linkage.evidence.get(index[rid])
            rows.append(_link_row(rid, target, _evidence(raw, loaded, "new-person")))
            assignments[rid] = target

    clock.lap("assign")
    repository.insert_persons(session, created)
    clock.lap("write:persons")
    outcome.new_persons = len(created)
    for other, target in merged.items():
        repository.move_links(session, other, target)
        repository.set_status(session, [other], PersonStatus.MERGED, merged_into=target)
        person_merged(session, other, target)
    outcome.merged_persons = len(merged)
    repository.replace_links(session, rows)
    clock.lap("write:links")
    repository.sync_record_persons(session, list(assignments))
    clock.lap("write:sync")
    repository.insert_keys(
        session,
        [(value, rid, kind) for rid in ids for kind, value in new_keys[rid]],
    )
    clock.lap("write:keys")
    left = {previous[rid][0] for rid in active_ids if rid in previous} - set(assignments.values())
    retired = repository.persons_without_links(session, left)
    repository.set_status(session, retired, PersonStatus.RETIRED)
    outcome.retired_persons = len(retired)
    repository.set_status(session, reused, PersonStatus.ACTIVE)
    repository.touch(session, set(assignments.values()) - set(created))
    clock.lap("write")
    outcome.stages = {stage: round(seconds, 3) for stage, seconds in clock.stages.items()}
    return outcome


# -- full re-linking -------------------------------------------------------------------------


def relink_all(
    session: Session, crypto: Crypto, *, progress: Progress | None = None
) -> LinkOutcome:
    """Re-run linking over every record, honouring the corrections.

    Person ids stay stable: each cluster keeps the person that held most of its records (the
    larger clusters choose first); a person left without records is marked merged into the
    person that took most of them, or retired.
    """
    started = time.perf_counter()
    with no_gc_pauses():
        outcome = _relink_all(session, crypto, progress)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _relink_all(session: Session, crypto: Crypto, progress: Progress | None) -> LinkOutcome:
    hasher = _Hasher(crypto)
    total = repository.count_records(session)
    features: dict[uuid.UUID, FeatureRecord] = {}
    for batch in repository.iter_all_person_blobs(session):
        features.update(_decrypt(crypto, batch))
        if progress:
            progress("decrypting", len(features), total)
    loaded = list(features)
    index = {rid: i for i, rid in enumerate(loaded)}
    keys = [blocking_keys(features[rid]) for rid in loaded]
    constraints = repository.all_constraints(session)
    must = [
        [index[c.record_a], index[c.record_b]]
        for c in constraints
        if c.kind == ConstraintKind.MUST_LINK and c.record_a in index and c.record_b in index
    ]
    cannot = [
        (index[c.record_a], index[c.record_b])
        for c in constraints
        if c.kind == ConstraintKind.CANNOT_LINK and c.record_a in index and c.record_b in index
    ]
    if progress:
        progress("linking", 0, 1)
    linkage = link([features[rid] for rid in loaded], must_link=must, cannot_link=cannot, keys=keys)
    if progress:
        progress("linking", 1, 1)
    previous = repository.all_links(session)
    known = repository.persons_by_id(session, {pid for pid, _ in previous.values()})

    clusters = sorted(linkage.clusters, key=lambda c: (-len(c), c[0]))
    taken: set[uuid.UUID] = set()
    created: list[uuid.UUID] = []
    rows: list[dict[str, Any]] = []
    assignments: dict[uuid.UUID, uuid.UUID] = {}
    outcome = LinkOutcome(records=len(loaded), stats=linkage.stats)
    for cluster in clusters:
        counts: dict[uuid.UUID, int] = {}
        for i in cluster:
            held = previous.get(loaded[i])
            if held is not None:
                counts[held[0]] = counts.get(held[0], 0) + 1
        choices = [pid for pid in counts if pid not in taken]
        if choices:
            target = _pick_target(choices, counts, known)
        else:
            target = new_id()
            created.append(target)
        taken.add(target)
        for i in cluster:
            rid = loaded[i]
            held = previous.get(rid)
            manual = held is not None and held[1] and held[0] == target
            rule = "correction" if manual else "new-person"
            rows.append(
                _link_row(
                    rid, target, _evidence(linkage.evidence.get(i), loaded, rule), manual=manual
                )
            )
            assignments[rid] = target
            if held is not None and held[0] == target:
                outcome.linked_to_existing += 1
    repository.insert_persons(session, created)
    outcome.new_persons = len(created)
    repository.delete_all_links(session)
    repository.replace_links(session, rows)
    repository.sync_all_record_persons(session)
    repository.delete_all_keys(session)
    repository.insert_keys(
        session,
        [
            (value, rid, kind)
            for rid, record_keys in zip(loaded, keys, strict=True)
            for kind, value in hasher.hash(record_keys)
        ],
    )
    repository.set_status(session, taken - set(created), PersonStatus.ACTIVE)
    # Persons that lost every record: merged into where most of their records went.
    destinations: dict[uuid.UUID, dict[uuid.UUID, int]] = {}
    for rid, (pid, _manual) in previous.items():
        if pid not in taken and rid in assignments:
            counter = destinations.setdefault(pid, {})
            counter[assignments[rid]] = counter.get(assignments[rid], 0) + 1
    for pid, counter in destinations.items():
        target = max(sorted(counter, key=str), key=lambda p: counter[p])
        repository.set_status(session, [pid], PersonStatus.MERGED, merged_into=target)
        person_merged(session, pid, target)
        outcome.merged_persons += 1
    retired = repository.active_person_ids_without_links(session)
    repository.set_status(session, retired, PersonStatus.RETIRED)
    outcome.retired_persons = len(retired)
    return outcome
