"""A seeded synthetic population for the indicators tests, built through the real services
(ingest ``run_import``, identity resolution, routing of imported records, referral intake
and lifecycle) with a controlled clock, and the ledger of what was done: the tests compute
their expected figures from the ledger, in plain Python, independently of hub.indicators.

Synthetic only (Faker fr_FR with a fixed seed); every event happens at 10:00 UTC, so that
its day is the same in UTC and in Paris.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from faker import Faker
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from connectors.base import RowResult
from hub.auth.dependencies import Caller
from hub.crypto import Crypto, build_crypto
from hub.ingest.models import SourceRecordRow
from hub.ingest.service import run_import
from hub.persons.service import merge_persons
from hub.referrals import imports, intake, service
from hub.referrals.context import RoutingContext
from hub.referrals.models import Referral
from hub.referrals.schemas import ReferralCreate, TransitionCreate
from hub.settings import Settings
from schemas.v1.models import Person, SourceRecord
from tests.hub.referrals.helpers import Network, network

PERIOD_START = date(2025, 1, 1)
PERIOD_END = date(2025, 12, 31)
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
"""The reports' clock: after the period (events later than the period are in the data)."""

COMMUNES: dict[str | None, str] = {
    "68224": "Mulhouse",
    "68154": "Illzach",
    "68376": "Wittenheim",
    "68386": "Zimmersheim",
    "68070": "Didenheim",
    "68066": "Colmar",
    None: "",
}
NEED = "se-former--trouver-sa-formation"
PATHS = ["none", "accept", "progress", "hold", "fail", "reject", "cancel"] + ["complete"] * 3
OUTCOMES = ["entree_pacea", "cej", "formation", "emploi", "autre_partenaire", "other"]


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=UTC)


@dataclass
class Step:
    status: str
    day: date
    outcome: str | None = None


@dataclass
class ReferralPlan:
    day: date
    source: str
    """Referral source (outreach, peer, partner for the API; psad... for routed records)."""
    peer_code: str | None = None
    steps: list[Step] = field(default_factory=list)
    id: uuid.UUID | None = None
    recipient: uuid.UUID | None = None
    sender: uuid.UUID | None = None
    due_at: datetime | None = None


@dataclass
class Young:
    """One synthetic young person and everything done for them."""

    key: int
    given: str
    family: str
    birth: date | None
    sex: str | None
    insee: str | None
    qpv: bool | None
    phone: str
    records: list[tuple[str, date]] = field(default_factory=list)
    """Imported records: (connector source, recorded_on)."""
    referral: ReferralPlan | None = None
    merged_into: int | None = None
    """Key of the young person this one's person was merged into."""
    person_id: uuid.UUID | None = None


@dataclass
class Ledger:
    young: list[Young]
    network: Network
    programme_target: int = 150

    def settings(self, base: Settings) -> Settings:
        return base.model_copy(
            update={
                "programme_start": PERIOD_START,
                "programme_end": PERIOD_END,
                "programme_target": self.programme_target,
            }
        )


def _person(young: Young) -> Person:
    data: dict[str, Any] = {
        "family_name": young.family,
        "given_names": [young.given],
        "phones": [young.phone],
    }
    if young.birth is not None:
        data["birth_date"] = young.birth.isoformat()
    if young.sex is not None:
        data["sex"] = young.sex
    if young.insee is not None:
        data["address"] = {"commune_insee": young.insee, "town": COMMUNES[young.insee]}
    if young.qpv is not None:
        data["lives_in_qpv"] = young.qpv
    return Person.model_validate(data)


def _steps(rng: random.Random, start: date) -> list[Step]:
    t1 = start + timedelta(days=rng.randint(0, 25))
    t2 = t1 + timedelta(days=rng.randint(1, 20))
    t3 = t2 + timedelta(days=rng.randint(1, 60))
    path = rng.choice(PATHS)
    if path == "none":
        return []
    if path == "reject":
        return [Step("rejected", t1)]
    if path == "cancel":
        return [Step("cancelled", t1)]
    steps = [Step("accepted", t1)]
    if path == "accept":
        return steps
    if path in ("progress", "hold") or rng.random() < 0.5:
        steps.append(Step("in-progress", t2))
    if path == "hold":
        steps.append(Step("on-hold", t3))
    elif path == "complete":
        steps.append(Step("completed", t3, rng.choice(OUTCOMES)))
    elif path == "fail":
        steps.append(Step("failed", t3))
    return steps


def plan_population(seed: int = 2700, size: int = 90) -> list[Young]:
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    families = set()
    young: list[Young] = []
    for key in range(size):
        family = fake.unique.last_name()
        families.add(family)
        sex = rng.choice(["F", "M", "F", "M", None])
        given = fake.first_name_female() if sex == "F" else fake.first_name_male()
        first_seen = PERIOD_START - timedelta(days=40) + timedelta(days=rng.randrange(0, 400))
        age = rng.choice([16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 27, 15, 31])
        # Born on 1 January: the exact age on any day of a year is the age reached that year.
        birth = date(first_seen.year - age, 1, 1) if rng.random() < 0.93 else None
        person = Young(
            key=key,
            given=given,
            family=family,
            birth=birth,
            sex=sex,
            insee=rng.choice(["68224"] * 5 + ["68154", "68376", "68386", "68070", "68066", None]),
            qpv=rng.choice([True, False, None]),
            phone=f"+3361{key:07d}",
        )
        if rng.random() < 0.6:
            sources = rng.sample(
                ["decrocheurs", "boussole", "perdus-de-vue"], k=rng.choice([1, 1, 2])
            )
            person.records.append((sources[0], first_seen))
            if len(sources) == 2:
                person.records.append((sources[1], first_seen + timedelta(days=rng.randint(3, 60))))
            if rng.random() < 0.8:
                routed = first_seen + timedelta(days=rng.randint(0, 10))
                source = imports.SOURCES[sources[0]].value
                person.referral = ReferralPlan(day=routed, source=source)
        else:
            source = rng.choice(["outreach", "outreach", "peer", "partner"])
            code = f"AMB-{rng.randint(1, 6)}" if source == "peer" else None
            person.referral = ReferralPlan(day=first_seen, source=source, peer_code=code)
        if person.referral is not None:
            person.referral.steps = _steps(rng, person.referral.day)
        young.append(person)
    # Two records of the same young person that identity resolution keeps apart (different
    # names, phones and birth dates), merged by the coordinator: one person.
    base = len(young)
    first = Young(base, "Maëlys", "Ostermann", date(2006, 1, 1), "F", "68224", True, "+33619990001")
    first.records.append(("decrocheurs", date(2025, 3, 10)))
    second = Young(
        base + 1, "Maelis", "Ostermeyer", date(2006, 1, 1), "F", "68224", True, "+33619990002"
    )
    second.records.append(("boussole", date(2025, 2, 20)))
    second.referral = ReferralPlan(
        day=date(2025, 2, 22),
        source="boussole",
        steps=[Step("accepted", date(2025, 3, 1)), Step("completed", date(2025, 4, 2), "cej")],
    )
    second.merged_into = first.key
    young += [first, second]
    return young


def _import_record(
    session: Session, crypto: Crypto, young: Young, source: str, day: date, sender: uuid.UUID
) -> uuid.UUID:
    record = SourceRecord(
        source=source,
        source_record_id=f"{source}-{young.key}-{day.isoformat()}",
        received_at=at(day),
        recorded_on=day,
        person=_person(young),
        needs=[NEED],
    )
    outcome = run_import(
        session,
        crypto,
        source=source,
        rows=[RowResult(row=1, record=record, errors=(), raw={})],
        file_name=f"{source}.csv",
        file_sha256=hashlib.sha256(record.source_record_id.encode()).hexdigest(),
        actor="tests",
        organisation_id=sender,
    )
    [record_id] = outcome.changed_record_ids
    return record_id


def _caller(organisation_id: uuid.UUID) -> Caller:
    return Caller(f"client-{organisation_id}", organisation_id, frozenset({"referrals:write"}))


def seed(
    client: TestClient,
    session: Session,
    engine: Engine,
    settings: Settings,
    monkeypatch: Any,
    *,
    young: list[Young] | None = None,
) -> Ledger:
    """Build the population in the database (committed) and return the ledger."""
    # Imported records are routed below, on the day the plan says, instead of at import.
    monkeypatch.setattr(imports, "INLINE_LIMIT", 0)
    net = network(client, session)
    crypto = build_crypto(settings, engine)
    context = RoutingContext.from_settings(settings)
    people = young if young is not None else plan_population()
    by_key = {y.key: y for y in people}
    events: list[tuple[date, int, int, Young]] = []  # (day, order, key) of each action
    for person in people:
        for index, (_source, day) in enumerate(person.records):
            events.append((day, 0, index, person))
        if person.referral is not None:
            events.append((person.referral.day, 1, 0, person))
    events.sort(key=lambda e: (e[0], e[1], e[3].key, e[2]))
    first_record: dict[int, uuid.UUID] = {}
    records_of: dict[int, list[uuid.UUID]] = {}
    for day, kind, index, person in events:
        if kind == 0:
            source = person.records[index][0]
            record_id = _import_record(
                session, crypto, person, source, day, net.outreach.organisation_id
            )
            first_record.setdefault(person.key, record_id)
            records_of.setdefault(person.key, []).append(record_id)
            continue
        plan = person.referral
        assert plan is not None
        if person.records:
            imports.route_records(session, crypto, context, [first_record[person.key]], now=at(day))
            referral = session.exec(
                select(Referral).where(Referral.source_record_id == first_record[person.key])
            ).first()
            if referral is None:  # held or unrouted: the plan has no referral after all
                person.referral = None
                continue
        else:
            sender = net.partner if plan.source == "partner" else net.outreach
            body = ReferralCreate(
                person=_person(person),
                needs=[NEED],
                source=plan.source,  # type: ignore[arg-type]
                peer_code=plan.peer_code,
                consent={  # type: ignore[arg-type]
                    "purposes": ["orientation"],
                    "method": "oral_outreach",
                    "notice_version": "2025-01",
                },
            )
            stored = intake.create(
                session, crypto, context, _caller(sender.organisation_id), body, now=at(day)
            )
            referral = session.get(Referral, uuid.UUID(str(stored.body["id"])))
            assert referral is not None
        plan.id, plan.recipient = referral.id, referral.recipient_organisation_id
        plan.sender = referral.sender_organisation_id
    # The lifecycle, in time order across everyone.
    steps = sorted(
        (
            (step.day, person.key, n, person, step)
            for person in people
            if person.referral is not None
            for n, step in enumerate(person.referral.steps)
        ),
        key=lambda item: item[:3],
    )
    for _day, _key, _n, person, step in steps:
        plan = person.referral
        assert plan is not None
        assert plan.id is not None
        if plan.recipient is None:
            plan.steps = []
            continue
        actor = plan.sender if step.status == "cancelled" else plan.recipient
        assert actor is not None
        reason = (
            "motif synthétique"
            if step.status in ("rejected", "cancelled", "on-hold", "failed")
            else None
        )
        service.transition(
            session,
            crypto,
            _caller(actor),
            plan.id,
            TransitionCreate(status=step.status, reason=reason, outcome=step.outcome),  # type: ignore[arg-type]
            now=at(step.day),
        )
    session.flush()
    for person in people:
        if person.referral is not None and person.referral.id is not None:
            stored_referral = session.get(Referral, person.referral.id)
            assert stored_referral is not None
            person.referral.due_at = stored_referral.due_at
        record_ids = [
            person_id
            for record_id in records_of.get(person.key, [])
            for person_id in [session.get(SourceRecordRow, record_id).person_id]  # type: ignore[union-attr]
        ]
        if person.referral is not None and person.referral.id is not None:
            stored_referral = session.get(Referral, person.referral.id)
            assert stored_referral is not None
            record_ids.append(stored_referral.person_id)
        assert len(set(record_ids)) == 1, (
            f"identity resolution split young person {person.key} (identical identity) "
            f"into {len(set(record_ids))} persons"
        )
        person.person_id = record_ids[0]
    for person in people:
        if person.merged_into is not None:
            target = by_key[person.merged_into]
            assert target.person_id is not None
            assert person.person_id is not None
            assert target.person_id != person.person_id
            merge_persons(session, target.person_id, person.person_id, actor="tests")
    session.commit()
    return Ledger(young=people, network=net)
