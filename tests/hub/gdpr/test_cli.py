"""``hub retention``, ``hub audit verify`` and ``hub gdpr register`` as a user runs them."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from consent import audit, registry
from consent.audit import Actor
from consent.models import AuditEvent, RetentionProof
from consent.schemas import ConsentWithdraw
from consent.vocabulary import AuditAction
from hub.cli import app
from hub.crypto import build_crypto
from hub.models_base import utcnow
from hub.settings import Settings
from tests.consent.test_registry import grant_body

runner = CliRunner()


def _old_withdrawn_consent(session: Session, settings: Settings) -> None:
    crypto = build_crypto(settings, session.get_bind())  # type: ignore[arg-type]
    long_ago = utcnow() - timedelta(days=6 * 365)
    actor = Actor(client_id="t")
    granted = registry.grant(
        session, crypto, actor=actor, person_id=uuid.uuid4(), data=grant_body(), now=long_ago
    )
    registry.withdraw(
        session,
        crypto,
        actor=actor,
        consent_id=granted.id,
        data=ConsentWithdraw(),
        now=long_ago,
    )
    session.commit()


def test_retention_dry_run_then_run(app_env: Settings, session: Session) -> None:
    _old_withdrawn_consent(session, app_env)

    dry = runner.invoke(app, ["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "consent-evidence" in dry.stdout
    assert "would purge" in dry.stdout
    assert "nothing was changed" in dry.stdout
    assert session.exec(select(func.count()).select_from(RetentionProof)).one() == 0

    real = runner.invoke(app, ["retention", "run", "--json"])
    assert real.exit_code == 0, real.output
    report = json.loads(real.stdout)
    assert report["dry_run"] is False
    rules = {rule["rule"]: rule["purged"] for rule in report["rules"]}
    assert rules["consent-evidence"] == 1
    assert set(rules) >= {"person-age-limit", "person-inactivity", "quarantine", "audit-log"}
    assert session.exec(select(func.count()).select_from(RetentionProof)).one() == len(rules)

    text = runner.invoke(app, ["retention", "run"])
    assert "purged" in text.stdout
    assert "proof recorded" in text.stdout


def test_retention_at_a_given_date(app_env: Settings) -> None:
    result = runner.invoke(app, ["retention", "run", "--dry-run", "--at", "2030-01-01"])
    assert result.exit_code == 0, result.output
    assert "2028-01-01" in result.stdout  # two years of inactivity before the given date
    bad = runner.invoke(app, ["retention", "run", "--at", "yesterday"])
    assert bad.exit_code != 0


def test_retention_rules_are_listed(app_env: Settings) -> None:
    result = runner.invoke(app, ["retention", "rules"])
    assert result.exit_code == 0
    assert "28 ans" in result.stdout


def test_audit_verify_names_the_first_bad_entry(app_env: Settings, session: Session) -> None:
    ids = [
        audit.record(
            session, actor=Actor(client_id="t"), action=AuditAction.READ, person_id=uuid.uuid4()
        ).id
        for _ in range(3)
    ]
    session.commit()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact: 3 entries" in ok.stdout

    session.execute(update(AuditEvent).where(col(AuditEvent.id) == ids[1]).values(reason="x"))
    session.commit()
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"entry #2 (id {ids[1]})" in broken.stderr
    as_json = runner.invoke(app, ["audit", "verify", "--json"])
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["first_bad_entry"]["seq"] == 2


def test_gdpr_register(app_env: Settings, tmp_path: Path) -> None:
    md = runner.invoke(app, ["gdpr", "register", "--format", "md"])
    assert md.exit_code == 0
    assert md.stdout.startswith("# Registre des activités de traitement")
    assert "legal_obligation" in md.stdout
    assert "| orientation |" in md.stdout
    out = tmp_path / "register.json"
    written = runner.invoke(app, ["gdpr", "register", "--format", "json", "-o", str(out)])
    assert written.exit_code == 0
    register = json.loads(out.read_text())
    assert {a["purpose"] for a in register["activities"]} == {
        "orientation",
        "accompagnement",
        "statistiques",
    }
    assert register["retention"][0]["duration"].startswith("jusqu'à ses 28 ans")
    assert runner.invoke(app, ["gdpr", "register", "--format", "pdf"]).exit_code != 0


def test_every_command_has_help() -> None:
    for args in (
        ["retention", "run", "--help"],
        ["retention", "rules", "--help"],
        ["audit", "verify", "--help"],
        ["gdpr", "register", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
