"""Manual corrections: merge two persons, detach a record into its own person.

Each correction is kept (``person_correction``), written to the audit log for the persons it
touches, and imposes must-link / cannot-link constraints between records
(``person_constraint``) that every later linking honours.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import Session

from consent import audit
from consent.audit import Actor
from consent.vocabulary import AuditAction
from hub.errors import ConflictError, NotFoundError
from hub.models_base import utcnow
from hub.persons import repository
from hub.persons.events import person_merged
from hub.persons.matching import RULES_VERSION
from hub.persons.models import (
    ConstraintKind,
    CorrectionKind,
    Person,
    PersonConstraint,
    PersonCorrection,
    PersonLink,
    PersonStatus,
)
from hub.persons.service.linking import _link_row

# -- corrections -----------------------------------------------------------------------------


def _active_or_raise(session: Session, person_id: uuid.UUID) -> Person:
    person = repository.get(session, person_id)
    if person is None:
        raise NotFoundError(f"person {person_id} not found")
    if person.status != PersonStatus.ACTIVE:
        raise ConflictError(
            f"person {person_id} is {person.status}"
            + (f" into {person.merged_into_id}" if person.merged_into_id else ""),
            extra={"status": str(person.status), "merged_into_id": str(person.merged_into_id)},
        )
    return person


def _as_actor(actor: Actor | str) -> Actor:
    # A bare name is an API client id (the audit log's default channel).
    return Actor(client_id=actor) if isinstance(actor, str) else actor


def _constraint(
    kind: ConstraintKind, a: uuid.UUID, b: uuid.UUID, correction: PersonCorrection
) -> PersonConstraint:
    first, second = repository.constraint_pair(a, b)
    return PersonConstraint(kind=kind, record_a=first, record_b=second, correction_id=correction.id)


def merge_persons(
    session: Session, person_id: uuid.UUID, other_person_id: uuid.UUID, *, actor: Actor | str
) -> Person:
    """Merge ``other_person_id`` into ``person_id``: every record of both is one person from now
    on, whatever later imports and re-linking find (a must-link correction)."""
    actor = _as_actor(actor)
    if person_id == other_person_id:
        raise ConflictError("a person cannot be merged with itself")
    keep = _active_or_raise(session, person_id)
    other = _active_or_raise(session, other_person_id)
    members = repository.members_of_persons(session, [keep.id, other.id])
    kept, absorbed = members.get(keep.id, []), members.get(other.id, [])
    correction = repository.add_correction(
        session,
        PersonCorrection(
            kind=CorrectionKind.MERGE,
            person_id=keep.id,
            other_person_id=other.id,
            actor=actor.client_id[:200],
        ),
    )
    group = kept + absorbed
    existing = repository.constraints_touching(session, group)
    absorbed_set, kept_set = set(absorbed), set(kept)
    repository.delete_constraints(
        session,
        [
            c.id
            for c in existing
            if c.kind == ConstraintKind.CANNOT_LINK
            and (
                (c.record_a in kept_set and c.record_b in absorbed_set)
                or (c.record_a in absorbed_set and c.record_b in kept_set)
            )
        ],
    )
    if len(group) > 1:
        linked = {(c.record_a, c.record_b) for c in existing if c.kind == ConstraintKind.MUST_LINK}
        anchor = group[0]
        repository.add_constraints(
            session,
            [
                _constraint(ConstraintKind.MUST_LINK, anchor, rid, correction)
                for rid in group[1:]
                if repository.constraint_pair(anchor, rid) not in linked
            ],
        )
    repository.move_links(session, other.id, keep.id)
    for link_row in _links_of(session, group):
        link_row.manual = True
        link_row.evidence = {
            "rule": "correction:merge",
            "correction_id": str(correction.id),
            "previous": link_row.evidence,
            "rules_version": RULES_VERSION,
        }
        session.add(link_row)
    _audit_correction(session, actor, "merge", correction.id, keep.id, other.id)
    other.status = PersonStatus.MERGED
    other.merged_into_id = keep.id
    other.updated_at = keep.updated_at = utcnow()
    session.add_all([other, keep])
    session.flush()
    person_merged(session, other.id, keep.id)
    return keep


def detach_record(
    session: Session, person_id: uuid.UUID, source_record_id: uuid.UUID, *, actor: Actor | str
) -> Person:
    """Move one record of ``person_id`` into a new person of its own, and keep it apart from
    the person's other records from now on (cannot-link corrections). Returns the new person."""
    actor = _as_actor(actor)
    person = _active_or_raise(session, person_id)
    links = repository.links_for_records(session, [source_record_id])
    if source_record_id not in links or links[source_record_id][0] != person.id:
        raise NotFoundError(f"record {source_record_id} is not linked to person {person_id}")
    members = repository.members_of_persons(session, [person.id]).get(person.id, [])
    others = [rid for rid in members if rid != source_record_id]
    if not others:
        raise ConflictError("the record is already the only record of its person")
    fresh = Person()
    session.add(fresh)
    session.flush()
    correction = repository.add_correction(
        session,
        PersonCorrection(
            kind=CorrectionKind.DETACH,
            person_id=person.id,
            other_person_id=fresh.id,
            source_record_id=source_record_id,
            actor=actor.client_id[:200],
        ),
    )
    others_set = set(others)
    existing = repository.constraints_touching(session, [source_record_id])
    cut = [
        c
        for c in existing
        if c.kind == ConstraintKind.MUST_LINK
        and ({c.record_a, c.record_b} - {source_record_id}) <= others_set
    ]
    repository.delete_constraints(session, [c.id for c in cut])
    already_apart = {
        (c.record_a, c.record_b) for c in existing if c.kind == ConstraintKind.CANNOT_LINK
    }
    added: list[PersonConstraint] = [
        _constraint(ConstraintKind.CANNOT_LINK, source_record_id, rid, correction)
        for rid in others
        if repository.constraint_pair(source_record_id, rid) not in already_apart
    ]
    # The records the detached one held together through must-links stay together.
    held = sorted(
        ({c.record_a for c in cut} | {c.record_b for c in cut}) - {source_record_id}, key=str
    )
    added += [_constraint(ConstraintKind.MUST_LINK, held[0], rid, correction) for rid in held[1:]]
    repository.add_constraints(session, added)
    repository.replace_links(
        session,
        [
            _link_row(
                source_record_id,
                fresh.id,
                {
                    "rule": "correction:detach",
                    "correction_id": str(correction.id),
                    "rules_version": RULES_VERSION,
                },
                manual=True,
            )
        ],
    )
    repository.sync_record_persons(session, [source_record_id])
    _audit_correction(session, actor, "detach", correction.id, person.id, fresh.id)
    person.updated_at = utcnow()
    session.add(person)
    session.flush()
    return fresh


def _links_of(session: Session, record_ids: Sequence[uuid.UUID]) -> list[PersonLink]:
    found: list[PersonLink] = []
    for rid in record_ids:
        row = session.get(PersonLink, rid)
        if row is not None:
            found.append(row)
    return found


def _audit_correction(
    session: Session, actor: Actor, kind: str, correction_id: uuid.UUID, *person_ids: uuid.UUID
) -> None:
    """One audit entry per person whose links a correction rewrote."""
    for pid in person_ids:
        audit.record(
            session,
            actor=actor,
            action=AuditAction.WRITE,
            person_id=pid,
            fields=("person_link",),
            reason=f"identity correction: {kind}",
            reference=str(correction_id),
        )
