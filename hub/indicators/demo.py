"""Demo programme activity, so that the demo's indicators mean something: synthetic young
people (never real) found by the three platforms' lists and by outreach workers and peers,
routed, accepted, followed and oriented over the last months, through the real services
(ingest ``run_import``, identity resolution, routing, referral intake and lifecycle) with a
replayed clock.

Idempotent: a second run finds the demo imports and adds nothing.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from faker import Faker
from sqlmodel import Session, col, select

from connectors.base import RowResult
from hub.auth.dependencies import Caller
from hub.crypto import Crypto
from hub.directory.service import seed_demo_directory
from hub.ingest.hooks import register_post_import, unregister_post_import
from hub.ingest.models import ImportRun
from hub.ingest.service import run_import
from hub.organisations.models import OrganisationKind
from hub.organisations.service import ensure
from hub.referrals import imports, intake, service
from hub.referrals.context import RoutingContext
from hub.referrals.models import Referral
from hub.referrals.schemas import ReferralCreate, TransitionCreate
from hub.referrals.vocabulary import ReferralStatus
from hub.settings import Settings
from schemas.v1.models import Person, SourceRecord

ACTOR = "demo-activity"
DAYS = 300
"""How far back the demo activity goes."""

ORGANISATIONS = {
    "ml": ("Mission Locale de Mulhouse (démo)", OrganisationKind.MISSION_LOCALE),
    "outreach": ("Équipe de rue SEMAPHORE (démo)", OrganisationKind.OUTREACH),
    "partner": ("Association Logement Jeunes (démo)", OrganisationKind.PARTNER),
    "psad": ("PSAD Mulhouse (démo)", OrganisationKind.PSAD),
}
IMPORTERS = {"decrocheurs": "psad", "boussole": "outreach", "perdus-de-vue": "ml"}
COMMUNES = [("68224", "Mulhouse")] * 8 + [
    ("68154", "Illzach"),
    ("68376", "Wittenheim"),
    ("68278", "Rixheim"),
    ("68166", "Kingersheim"),
    ("68271", "Riedisheim"),
    ("68386", "Zimmersheim"),
    ("68101", "Galfingue"),
    ("68056", "Brunstatt-Didenheim"),
    ("68066", "Colmar"),
]
NEEDS = [
    ["se-former--trouver-sa-formation"],
    ["trouver-un-emploi--repondre-a-des-offres-demploi"],
    ["logement-hebergement--louer-un-logement"],
    ["sante--acces-aux-soins"],
    ["mobilite--preparer-un-permis"],
]
OUTCOMES = ["entree_pacea"] * 3 + ["cej"] * 3 + ["formation", "emploi", "autre_partenaire", "other"]


@dataclass
class DemoActivity:
    start: date
    end: date
    young_people: int = 0
    records: int = 0
    referrals: int = 0
    transitions: int = 0
    skipped: bool = False
    notes: list[str] = field(default_factory=list)


def describe(summary: DemoActivity) -> list[str]:
    """What a seeding did, and the command that reports on it (for the CLI commands)."""
    if summary.skipped:
        lines = ["Demo activity already present: nothing added."]
    else:
        lines = [
            f"Demo activity: {summary.young_people} young people, {summary.records} source "
            f"records, {summary.referrals} referrals, {summary.transitions} status changes "
            f"from {summary.start.isoformat()} to {summary.end.isoformat()}."
        ]
    programme_end = summary.start.replace(year=summary.start.year + 2) - timedelta(days=1)
    lines += [
        "Report, with a two-year programme starting with the demo activity:",
        f"  HUB_PROGRAMME_START={summary.start.isoformat()} "
        f"HUB_PROGRAMME_END={programme_end.isoformat()} "
        f"hub report --to {summary.end.isoformat()} --out report/",
    ]
    return lines


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@contextmanager
def _routing_on_replayed_days() -> Iterator[None]:
    """Imported records are routed below on the day the demo replays, not at import time (the
    post-import routing hook would date their referrals today)."""
    hook = imports.route_after_import
    unregister_post_import(hook)
    try:
        yield
    finally:
        register_post_import(hook)


def _caller(organisation_id: uuid.UUID) -> Caller:
    return Caller(f"{ACTOR}-{organisation_id}", organisation_id, frozenset({"referrals:write"}))


@dataclass
class _Young:
    person: Person
    needs: list[str]
    records: list[tuple[str, date]] = field(default_factory=list)
    referral_day: date | None = None
    api_source: str | None = None
    peer_code: str | None = None
    steps: list[tuple[str, date, str | None]] = field(default_factory=list)


def _plan(rng: random.Random, fake: Faker, start: date, today: date, size: int) -> list[_Young]:
    young: list[_Young] = []
    for key in range(size):
        sex = rng.choice(["F", "M", "F", "M", None])
        given = fake.first_name_female() if sex == "F" else fake.first_name_male()
        first = start + timedelta(days=int(rng.triangular(0, DAYS - 2, DAYS * 0.7)))
        age = rng.choice([16, 17] + [18, 19, 20, 21, 22, 23, 24, 25] * 2 + [26, 27, 28, 29])
        insee, town = rng.choice(COMMUNES)
        data: dict[str, Any] = {
            "family_name": fake.unique.last_name(),
            "given_names": [given],
            "phones": [f"+3367{key:07d}"],
            "birth_date": date(first.year - age, rng.randint(1, 12), rng.randint(1, 28)),
            "address": {"commune_insee": insee, "town": town},
        }
        if sex:
            data["sex"] = sex
        if insee in ("68224", "68154", "68376") and rng.random() < 0.55:
            data["lives_in_qpv"] = True
        elif rng.random() < 0.5:
            data["lives_in_qpv"] = False
        item = _Young(Person.model_validate(data), rng.choice(NEEDS))
        if rng.random() < 0.55:
            sources = rng.sample(list(IMPORTERS), k=rng.choice([1, 1, 1, 2]))
            item.records.append((sources[0], first))
            if len(sources) == 2:
                item.records.append((sources[1], first + timedelta(days=rng.randint(5, 60))))
            if rng.random() < 0.8:
                item.referral_day = first + timedelta(days=rng.randint(0, 12))
        else:
            item.api_source = rng.choice(["outreach"] * 3 + ["peer"] * 2 + ["partner"])
            if item.api_source == "peer":
                item.peer_code = f"AMB-{rng.randint(1, 9):02d}"
            item.referral_day = first
        if item.referral_day is not None:
            item.steps = _steps(rng, item.referral_day)
        item.records = [(s, d) for s, d in item.records if d < today]
        item.steps = [s for s in item.steps if s[1] < today]
        if item.referral_day is not None and item.referral_day >= today:
            item.referral_day, item.steps = None, []
        if item.records or item.referral_day is not None:
            young.append(item)
    return young


def _steps(rng: random.Random, day: date) -> list[tuple[str, date, str | None]]:
    answer = day + timedelta(days=max(0, int(rng.gauss(8, 6))))
    draw = rng.random()
    if draw < 0.12:
        return []  # no answer yet
    if draw < 0.2:
        return [(ReferralStatus.REJECTED.value, answer, None)]
    if draw < 0.25:
        return [(ReferralStatus.CANCELLED.value, answer, None)]
    steps: list[tuple[str, date, str | None]] = [(ReferralStatus.ACCEPTED.value, answer, None)]
    follow = answer + timedelta(days=rng.randint(2, 25))
    steps.append((ReferralStatus.IN_PROGRESS.value, follow, None))
    end = follow + timedelta(days=rng.randint(10, 90))
    fate = rng.random()
    if fate < 0.6:
        steps.append((ReferralStatus.COMPLETED.value, end, rng.choice(OUTCOMES)))
    elif fate < 0.7:
        steps.append((ReferralStatus.FAILED.value, end, None))
    elif fate < 0.78:
        steps.append((ReferralStatus.ON_HOLD.value, end, None))
    return steps


def seed_demo_activity(
    session: Session,
    crypto: Crypto,
    settings: Settings,
    *,
    today: date | None = None,
    size: int = 320,
    seed: int = 2019,
) -> DemoActivity:
    """Replay ``DAYS`` days of synthetic programme activity ending yesterday (idempotent)."""
    if settings.is_production:
        raise RuntimeError("demo data is never seeded in production")
    today = today or datetime.now(UTC).date()
    start = today - timedelta(days=DAYS)
    summary = DemoActivity(start=start, end=today - timedelta(days=1))
    if session.exec(select(ImportRun.id).where(col(ImportRun.actor) == ACTOR)).first():
        summary.skipped = True
        return summary
    orgs = {k: ensure(session, name=n, kind=kind)[0].id for k, (n, kind) in ORGANISATIONS.items()}
    seed_demo_directory(session)
    context = RoutingContext.from_settings(settings)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    people = _plan(random.Random(seed), fake, start, today, size)  # noqa: S311 - synthetic data
    summary.young_people = len(people)
    actions: list[tuple[datetime, int, int, _Young]] = []
    for index, item in enumerate(people):
        actions += [(_at(day, 9), index, n, item) for n, (_, day) in enumerate(item.records)]
        if item.referral_day is not None:
            actions.append((_at(item.referral_day, 11), index, -1, item))
    first_record: dict[int, uuid.UUID] = {}
    referral_of: dict[int, Referral] = {}
    with _routing_on_replayed_days():
        for moment, index, n, item in sorted(actions, key=lambda a: (a[0], a[1], a[2])):
            if n >= 0:
                source, day = item.records[n]
                record = SourceRecord(
                    source=source,
                    source_record_id=f"demo-{seed}-{index}-{n}",
                    received_at=moment,
                    recorded_on=day,
                    person=item.person,
                    needs=item.needs,
                )
                outcome = run_import(
                    session,
                    crypto,
                    source=source,
                    rows=[RowResult(row=1, record=record, errors=(), raw={})],
                    file_name=f"demo-{source}-{day.isoformat()}.csv",
                    file_sha256=hashlib.sha256(record.source_record_id.encode()).hexdigest(),
                    actor=ACTOR,
                    organisation_id=orgs[IMPORTERS[source]],
                )
                first_record.setdefault(index, outcome.changed_record_ids[0])
                summary.records += 1
                continue
            referral = _refer(session, crypto, context, orgs, item, index, first_record, moment)
            if referral is not None:
                referral_of[index] = referral
                summary.referrals += 1
    steps = sorted(
        (
            (day, index, status, result)
            for index, item in enumerate(people)
            for status, day, result in item.steps
            if index in referral_of
        ),
        key=lambda s: (s[0], s[1]),
    )
    for day, index, status, result in steps:
        referral = referral_of[index]
        if referral.recipient_organisation_id is None:
            continue
        actor = (
            referral.sender_organisation_id
            if status == ReferralStatus.CANCELLED.value
            else referral.recipient_organisation_id
        )
        if actor is None:
            continue
        reason = (
            "motif de démonstration"
            if status in ("rejected", "cancelled", "on-hold", "failed")
            else None
        )
        service.transition(
            session,
            crypto,
            _caller(actor),
            referral.id,
            TransitionCreate.model_validate(
                {"status": status, "reason": reason, "outcome": result}
            ),
            now=_at(day, 15),
        )
        summary.transitions += 1
    session.flush()
    return summary


def _refer(
    session: Session,
    crypto: Crypto,
    context: RoutingContext,
    orgs: dict[str, uuid.UUID],
    item: _Young,
    index: int,
    first_record: dict[int, uuid.UUID],
    moment: datetime,
) -> Referral | None:
    if item.api_source is None:
        record_id = first_record.get(index)
        if record_id is None:
            return None
        imports.route_records(session, crypto, context, [record_id], now=moment)
        return session.exec(
            select(Referral).where(col(Referral.source_record_id) == record_id)
        ).first()
    sender = orgs["partner"] if item.api_source == "partner" else orgs["outreach"]
    body = ReferralCreate.model_validate(
        {
            "person": item.person.model_dump(mode="json", exclude_none=True),
            "needs": item.needs,
            "source": item.api_source,
            "peer_code": item.peer_code,
            "consent": {
                "purposes": ["orientation"],
                "method": "oral_outreach",
                "notice_version": "demo-1",
            },
        }
    )
    stored = intake.create(session, crypto, context, _caller(sender), body, now=moment)
    return session.get(Referral, uuid.UUID(str(stored.body["id"])))
