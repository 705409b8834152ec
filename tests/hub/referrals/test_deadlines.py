"""Overdue referrals: still requested after the service's guaranteed response delay."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from hub.auth.dependencies import Caller
from hub.cli import app
from hub.crypto import build_crypto
from hub.models_base import utcnow
from hub.referrals import intake, service
from hub.referrals.context import RoutingContext
from hub.referrals.models import OutboxEvent
from hub.referrals.schemas import ReferralCreate, TransitionCreate
from hub.referrals.vocabulary import ReferralStatus
from hub.settings import Settings
from tests.hub.referrals.helpers import network, referral_body

runner = CliRunner()


def test_overdue_after_the_service_delay_flagged_once_and_listed(
    client: TestClient, session: Session, settings: Settings, engine: Engine
) -> None:
    net = network(client, session)
    crypto = build_crypto(settings, engine)
    context = RoutingContext.from_settings(settings)
    outreach = Caller(
        "outreach-client", net.outreach.organisation_id, frozenset({"referrals:write"})
    )
    ml = Caller("ml-client", net.mission_locale.organisation_id, frozenset({"referrals:write"}))
    long_ago = utcnow() - timedelta(days=15)
    old = intake.create(
        session,
        crypto,
        context,
        outreach,
        ReferralCreate.model_validate(referral_body()),
        now=long_ago,
    )
    accepted = intake.create(
        session,
        crypto,
        context,
        outreach,
        ReferralCreate.model_validate(referral_body(given="Léa")),
        now=long_ago,
    )
    recent = intake.create(
        session,
        crypto,
        context,
        outreach,
        ReferralCreate.model_validate(referral_body(given="Noah")),
    )
    service.transition(
        session,
        crypto,
        ml,
        uuid.UUID(str(accepted.body["id"])),
        TransitionCreate(status=ReferralStatus.ACCEPTED),
    )
    session.commit()
    assert old.body["due_at"] is not None

    overdue = client.get("/v1/referrals?overdue=true", headers=net.mission_locale.headers).json()
    assert [r["id"] for r in overdue["items"]] == [old.body["id"]]
    assert overdue["items"][0]["overdue"] is True
    listed = client.get("/v1/referrals", headers=net.outreach.headers).json()["items"]
    assert {r["id"]: r["overdue"] for r in listed} == {
        old.body["id"]: True,
        accepted.body["id"]: False,
        recent.body["id"]: False,
    }

    assert service.flag_overdue(session) == 1
    assert service.flag_overdue(session) == 0  # once only
    session.commit()
    notified = session.exec(
        select(OutboxEvent).where(OutboxEvent.event_type == "referral.overdue")
    ).all()
    assert {e.organisation_id for e in notified} == {
        net.outreach.organisation_id,
        net.mission_locale.organisation_id,
    }
    assert {e.payload["referral_id"] for e in notified} == {old.body["id"]}


def test_due_date_follows_the_service_delay(
    client: TestClient, session: Session, settings: Settings, engine: Engine
) -> None:
    net = network(client, session)
    crypto = build_crypto(settings, engine)
    context = RoutingContext.from_settings(settings)
    outreach = Caller(
        "outreach-client", net.outreach.organisation_id, frozenset({"referrals:write"})
    )
    now = utcnow()
    housing = intake.create(
        session,
        crypto,
        context,
        outreach,
        ReferralCreate.model_validate(
            referral_body(age=27, needs=["logement-hebergement--louer-un-logement"])
        ),
        now=now,
    )
    assert housing.body["due_at"] is not None
    assert housing.body["routing"]["service"]["response_delay_days"] == 10
    due = str(housing.body["due_at"])
    assert due.startswith((now + timedelta(days=10)).date().isoformat())


def test_cli_flags_overdue(app_env: Settings) -> None:
    result = runner.invoke(app, ["referrals", "flag-overdue"])
    assert result.exit_code == 0, result.output
    assert "0 referral(s) newly flagged overdue" in result.stdout
