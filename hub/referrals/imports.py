"""Records imported from the platforms enter the same routing as referrals sent to the API.

Each linked source record (``source_record.person_id`` set by identity resolution) is
considered once (``source_record_routing``):

- its person already has an open, routed referral: nothing new (``already_referred``);
- the rules route it: a referral is opened, sent by the organisation that imported the file,
  and its match waits for a lawful basis like any other (the flow rules of
  :mod:`consent.policy` allow PSAD lists and Mission Locale extracts to reach the Mission
  Locale without consent);
- the rules hold it or find no service: the decision is kept, no referral (``held`` /
  ``unrouted``).

Small imports (a feed page, an upload of a few rows) are routed by a post-import hook, in
the import's transaction, after identity resolution's and consent's hooks (registered
first: see the imports below). Big files are left to the ``referrals-route-pending`` job
(and ``hub referrals route-pending``) so that an import of a whole campaign stays fast.
Records stored for referrals sent to the API (source ``referrals``) are never routed again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import exists
from sqlmodel import Session, col, select

import hub.gdpr  # consent flags re-imports of erased persons first
import hub.persons.hooks  # noqa: F401 - identity resolution links the records first
from hub.crypto import Crypto
from hub.ingest.hooks import register_post_import
from hub.ingest.models import ImportRun, SourceRecordRow
from hub.models_base import utcnow
from hub.referrals import identity, intake, repository
from hub.referrals.context import RoutingContext
from hub.referrals.models import SourceRecordRouting
from hub.referrals.rules import RoutingRulesError
from hub.referrals.vocabulary import ReferralSource
from hub.settings import get_settings
from schemas.v1.models import Person

logger = logging.getLogger("hub.referrals")

SOURCES: dict[str, ReferralSource] = {
    "decrocheurs": ReferralSource.PSAD,
    "boussole": ReferralSource.BOUSSOLE,
    "perdus-de-vue": ReferralSource.MISSION_LOCALE,
    "imilo-feed": ReferralSource.MISSION_LOCALE,
}
"""Connector name -> referral source; another connector's records count as ``partner``."""

INLINE_LIMIT = 200
"""Imports changing more records than this are routed by the job, not in the import."""

_CHUNK = 500


@dataclass
class RoutingSummary:
    considered: int = 0
    referred: int = 0
    awaiting_consent: int = 0
    already_referred: int = 0
    held: int = 0
    unrouted: int = 0
    released: int = 0
    """Waiting matches of these persons released by this pass (a new lawful basis)."""

    def add(self, other: RoutingSummary) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)


def _open_person(crypto: Crypto, row: SourceRecordRow) -> Person:
    data = crypto.cipher.decrypt_json(
        row.person, table="source_record", row_id=str(row.id), field="person"
    )
    return Person.model_validate(data)


def _known_to_mission_locale(row: SourceRecordRow) -> bool | None:
    if row.known_to_mission_locale or row.source in identity.MISSION_LOCALE_EXTRACTS:
        return True
    return row.known_to_mission_locale


def _route_one(
    session: Session,
    crypto: Crypto,
    context: RoutingContext,
    row: SourceRecordRow,
    senders: dict[uuid.UUID, uuid.UUID | None],
    summary: RoutingSummary,
    now: datetime,
) -> None:
    assert row.person_id is not None
    summary.considered += 1

    def mark(
        outcome: str,
        *,
        referral_id: uuid.UUID | None = None,
        decision: dict[str, object] | None = None,
    ) -> None:
        assert row.person_id is not None
        session.add(
            SourceRecordRouting(
                source_record_id=row.id,
                person_id=row.person_id,
                outcome=outcome,
                referral_id=referral_id,
                decision=decision or {},
                decided_at=now,
            )
        )

    if repository.persons_with_open_referrals(session, [row.person_id]):
        mark("already_referred")
        summary.already_referred += 1
        return
    person = _open_person(crypto, row)
    source = SOURCES.get(row.source, ReferralSource.PARTNER)
    needs = list(row.needs)
    known = _known_to_mission_locale(row)
    decision = intake.decide_routing(
        session,
        context,
        person=person,
        needs=needs,
        source=source,
        known_to_mission_locale=known,
        now=now,
    )
    if not decision.routed:
        mark("held" if decision.held else "unrouted", decision=decision.as_dict())
        summary.held += decision.held
        summary.unrouted += not decision.held
        return
    referral = intake.open_referral(
        session,
        crypto,
        context,
        person=person,
        person_id=row.person_id,
        needs=needs,
        source=source,
        peer_code=None,
        sender_organisation_id=senders.get(row.last_import_id),
        sender_client_id=None,
        source_record_id=row.id,
        known_to_mission_locale=known,
        now=now,
        decision=decision,
    )
    match = intake.open_match(session, referral, actor=None, now=now)
    mark("referred", referral_id=referral.id)
    summary.referred += 1
    summary.awaiting_consent += bool(match is not None and match.awaiting_consent)
    session.flush()


def route_records(
    session: Session,
    crypto: Crypto,
    context: RoutingContext,
    record_ids: Sequence[uuid.UUID],
    *,
    now: datetime | None = None,
) -> RoutingSummary:
    """Route the linked, not yet considered records among ``record_ids``; first release the
    waiting matches of their persons that a new record now gives a lawful basis for."""
    now = now or utcnow()
    summary = RoutingSummary()
    unique = list(dict.fromkeys(record_ids))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        rows = session.exec(
            select(SourceRecordRow).where(
                col(SourceRecordRow.id).in_(chunk),
                col(SourceRecordRow.person_id).is_not(None),
                col(SourceRecordRow.source) != identity.REFERRAL_SOURCE,
                ~exists().where(
                    col(SourceRecordRouting.source_record_id) == col(SourceRecordRow.id)
                ),
            )
        ).all()
        person_ids = list({row.person_id for row in rows if row.person_id is not None})
        for person_id in person_ids:
            summary.released += intake.reconsider_person(session, person_id, now=now)
        run_ids = list({row.last_import_id for row in rows})
        senders = {
            run.id: run.organisation_id
            for run in session.exec(select(ImportRun).where(col(ImportRun.id).in_(run_ids))).all()
        }
        for row in sorted(rows, key=lambda r: (r.created_at, r.id)):
            _route_one(session, crypto, context, row, senders, summary, now)
    session.flush()
    return summary


def pending_record_ids(session: Session, *, limit: int) -> list[uuid.UUID]:
    """Linked records not yet considered by routing, oldest first."""
    return list(
        session.exec(
            select(SourceRecordRow.id)
            .where(
                col(SourceRecordRow.person_id).is_not(None),
                col(SourceRecordRow.source) != identity.REFERRAL_SOURCE,
                ~exists().where(
                    col(SourceRecordRouting.source_record_id) == col(SourceRecordRow.id)
                ),
            )
            .order_by(col(SourceRecordRow.created_at), col(SourceRecordRow.id))
            .limit(limit)
        ).all()
    )


def route_pending(
    session: Session,
    crypto: Crypto,
    context: RoutingContext,
    *,
    limit: int = 1000,
    now: datetime | None = None,
) -> RoutingSummary:
    """Route up to ``limit`` pending records (the job and the CLI call it in a loop)."""
    return route_records(
        session, crypto, context, pending_record_ids(session, limit=limit), now=now
    )


def route_after_import(session: Session, crypto: Crypto, changed_ids: list[uuid.UUID]) -> None:
    """Post-import hook: route a small import at once. Routing never fails an import: on any
    error the records stay pending for the job (the reason is logged, without personal
    data)."""
    if not changed_ids or len(changed_ids) > INLINE_LIMIT:
        return
    try:
        context = RoutingContext.from_settings(get_settings())
        with session.begin_nested():
            summary = route_records(session, crypto, context, changed_ids)
    except (RoutingRulesError, Exception) as exc:  # an import must not fail because of routing
        logger.warning(
            "imported records left for the routing job",
            extra={"records": len(changed_ids), "error": type(exc).__name__},
        )
        return
    logger.info("imported records routed", extra=asdict(summary))


# After identity resolution (10) and the consent flags (20): routing needs both.
register_post_import(route_after_import, order=50)
