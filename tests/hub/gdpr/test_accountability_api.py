"""The DPO's accountability endpoints: register, audit chain, retention proofs."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from consent import audit
from consent.audit import Actor
from consent.models import AuditEvent
from consent.retention import run_retention
from consent.vocabulary import AuditAction
from hub.crypto import build_crypto
from hub.settings import Settings
from tests.auth_helpers import issue_token


def test_register_in_json_and_markdown(client: TestClient, session: Session) -> None:
    headers, _ = issue_token(client, session, kind="dpo", scopes="gdpr:admin")
    register = client.get("/v1/gdpr/register", headers=headers)
    assert register.status_code == 200
    body = register.json()
    assert body["dpo_contact"] == "dpo@invisibles-hub.example"
    assert {flow["lawful_basis"] for flow in body["flows_without_consent"]} == {
        "legal_obligation",
        "public_task",
        "ml_convention",
    }
    markdown = client.get("/v1/gdpr/register?format=md", headers=headers)
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "Durées de conservation" in markdown.text


def test_audit_verify_over_http(client: TestClient, session: Session) -> None:
    headers, _ = issue_token(client, session, kind="dpo", scopes="gdpr:admin")
    ids = [
        audit.record(
            session, actor=Actor(client_id="t"), action=AuditAction.READ, person_id=uuid.uuid4()
        ).id
        for _ in range(2)
    ]
    session.commit()
    assert client.get("/v1/gdpr/audit/verify", headers=headers).json()["ok"] is True
    session.execute(update(AuditEvent).where(col(AuditEvent.id) == ids[0]).values(purpose="x"))
    session.commit()
    report = client.get("/v1/gdpr/audit/verify", headers=headers).json()
    assert report["ok"] is False
    assert report["first_bad_entry"]["id"] == str(ids[0])


def test_retention_proofs_are_listed(
    client: TestClient, session: Session, settings: Settings
) -> None:
    headers, _ = issue_token(client, session, kind="dpo", scopes="gdpr:admin")
    crypto = build_crypto(settings, session.get_bind())  # type: ignore[arg-type]
    report = run_retention(session, crypto)
    session.commit()
    proofs = client.get("/v1/gdpr/retention/proofs", headers=headers).json()
    assert {p["run_id"] for p in proofs} == {str(report.run_id)}
    assert {p["rule"] for p in proofs} == {o.rule for o in report.outcomes}


def test_accountability_is_for_the_dpo(client: TestClient, session: Session) -> None:
    headers, _ = issue_token(client, session, kind="partner", scopes="consents:write")
    for url in ("/v1/gdpr/register", "/v1/gdpr/audit/verify", "/v1/gdpr/retention/proofs"):
        assert client.get(url, headers=headers).status_code == 403, url
