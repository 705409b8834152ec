"""Retention of young people's data: the age limit, inactivity, quarantined rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from consent.retention import RetentionPolicy, run_retention
from hub.crypto import Crypto
from hub.models_base import utcnow
from tests.consent.people import import_psad, person_of, psad_row, record_of


def _count(session: Session, table: str) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(SQLModel.metadata.tables[table])
        ).scalar_one()
    )


def _outcomes(report: object) -> dict[str, int]:
    return {o.rule: o.purged for o in report.outcomes}  # type: ignore[attr-defined]


def test_age_limit_and_inactivity_purge_exactly_those_persons(
    session: Session, crypto: Crypto
) -> None:
    now = utcnow()
    this_year = now.year
    import_psad(
        session,
        crypto,
        [
            # 28 this year (birthday on 1 January): past the Mission Locale limit + 2
            psad_row("SIEI-OLD", "AGEE", f"01/01/{this_year - 28}"),
            # 20, active
            psad_row("SIEI-YOUNG", "JEUNE", f"01/01/{this_year - 20}"),
        ],
    )
    import_psad(
        session,
        crypto,
        [psad_row("SIEI-GONE", "SILENCIEUX", f"01/01/{this_year - 20}")],
        received_at=now - timedelta(days=3 * 365),
    )
    old, young, gone = (person_of(session, r) for r in ("SIEI-OLD", "SIEI-YOUNG", "SIEI-GONE"))
    assert len({old, young, gone}) == 3

    dry = run_retention(session, crypto, now, dry_run=True, policy=RetentionPolicy())
    session.commit()
    assert _outcomes(dry)["person-age-limit"] == 1
    assert _outcomes(dry)["person-inactivity"] == 1
    assert _count(session, "source_record") == 3

    report = run_retention(session, crypto, now, policy=RetentionPolicy())
    session.commit()
    assert _outcomes(report)["person-age-limit"] == 1
    assert _outcomes(report)["person-inactivity"] == 1
    assert _count(session, "source_record") == 1
    assert record_of(session, "SIEI-YOUNG")[1] == young
    details = {o.rule: o.details for o in report.outcomes}
    assert details["person-age-limit"]["source_records"] == 1

    # a purge by retention leaves no tombstone: the next list may name the person again
    import_psad(session, crypto, [psad_row("SIEI-GONE", "SILENCIEUX", f"01/01/{this_year - 20}")])
    assert _count(session, "reimport_flag") == 0


def test_quarantined_rows_go_after_their_days(session: Session, crypto: Crypto) -> None:
    import_psad(session, crypto, [";;SANSID;Camille;F;99/99/2001;;;MULHOUSE;;\n"])
    assert _count(session, "quarantined_row") == 1
    soon = run_retention(session, crypto, utcnow() + timedelta(days=10), dry_run=True)
    assert _outcomes(soon)["quarantine"] == 0
    later = utcnow() + timedelta(days=91)
    assert _outcomes(run_retention(session, crypto, later, dry_run=True))["quarantine"] == 1
    assert _count(session, "quarantined_row") == 1
    assert _outcomes(run_retention(session, crypto, later))["quarantine"] == 1
    session.commit()
    assert _count(session, "quarantined_row") == 0
