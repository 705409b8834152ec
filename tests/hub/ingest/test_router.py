"""POST /v1/imports/{source} and GET /v1/imports/{id}."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from hub.ingest.models import ImportRun, SourceRecordRow
from tests.auth_helpers import issue_token
from tests.connectors.files import xlsx_bytes
from tests.hub.ingest.factories import HEADER, campaign, decrocheur, decrocheurs_file

CSV = "text/csv"


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_upload_returns_the_summary(client: TestClient, engine: Engine) -> None:
    headers, organisation_id = issue_token(client, engine, kind="psad", scopes="imports:write")
    rows = [*campaign(2), decrocheur("L-9", NOM="", PRENOM="")]
    response = client.post(
        "/v1/imports/decrocheurs",
        headers=headers,
        files={"file": ("liste.csv", decrocheurs_file(rows), CSV)},
    )
    assert response.status_code == 201, response.text
    summary = response.json()
    assert (summary["rows"], summary["created"], summary["quarantined"]) == (3, 2, 1)
    with Session(engine) as session:
        run = session.execute(select(ImportRun)).scalar_one()
    assert run.organisation_id == organisation_id
    assert run.actor != "local-development"
    assert run.file_name == "liste.csv"
    again = client.post(
        "/v1/imports/decrocheurs",
        headers=headers,
        files={"file": ("liste.xlsx", xlsx_bytes(HEADER, rows), "application/octet-stream")},
    ).json()
    assert (again["created"], again["unchanged"], again["quarantined"]) == (0, 2, 1)


def test_refused_file_is_a_422_problem_and_writes_nothing(
    client: TestClient, engine: Engine
) -> None:
    headers, _ = issue_token(client, engine, scopes="imports:write")
    response = client.post(
        "/v1/imports/decrocheurs",
        headers=headers,
        files={"file": ("x.csv", b"id_demande;nom\n1;X\n", CSV)},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/file-refused")
    assert problem["detail"].startswith("missing required column ID_ELEVE_LISTE")
    assert _count(engine, ImportRun) == 0
    assert _count(engine, SourceRecordRow) == 0


def test_unknown_source_is_404(client: TestClient, engine: Engine) -> None:
    headers, _ = issue_token(client, engine, scopes="imports:write")
    response = client.post(
        "/v1/imports/nope", headers=headers, files={"file": ("x.csv", b"a;b\n1;2\n", CSV)}
    )
    assert response.status_code == 404
    assert "unknown source 'nope'" in response.json()["detail"]


def test_uploads_need_a_token_with_the_scope(client: TestClient, engine: Engine) -> None:
    files = {"file": ("x.csv", decrocheurs_file(campaign(1)), CSV)}
    assert client.post("/v1/imports/decrocheurs", files=files).status_code == 401
    headers, _ = issue_token(client, engine, scopes="referrals:read")
    assert client.post("/v1/imports/decrocheurs", headers=headers, files=files).status_code == 403
    assert _count(engine, ImportRun) == 0


def test_get_import_with_and_without_raw_rows(client: TestClient, engine: Engine) -> None:
    headers, organisation_id = issue_token(client, engine, scopes="imports:write")
    rows = [decrocheur("L-1"), decrocheur("L-2", NOM="", PRENOM="")]
    summary = client.post(
        "/v1/imports/decrocheurs",
        headers=headers,
        files={"file": ("liste.csv", decrocheurs_file(rows), CSV)},
    ).json()
    path = f"/v1/imports/{summary['import_id']}"

    plain = client.get(path, headers=headers)
    assert plain.status_code == 200, plain.text
    body = plain.json()
    assert body["organisation_id"] == str(organisation_id)
    assert (body["rows"], body["created"], body["quarantined"]) == (2, 1, 1)
    assert body["status"] == "completed"
    assert body["quarantined_rows"] == [
        {
            "row": 2,
            "column": None,
            "reason": "nothing identifies a person (name, INE, phone, e-mail)",
        }
    ]

    # Same organisation? No: each token is a new organisation -> 404, as if it did not exist.
    dpo_headers, _ = issue_token(client, engine, kind="dpo", scopes="imports:write gdpr:admin")
    assert client.get(path, headers=dpo_headers).status_code == 404

    admin_headers, _ = issue_token(client, engine, scopes="admin")
    full = client.get(path, headers=admin_headers).json()
    assert full["quarantined_rows"][0]["raw"]["ID_ELEVE_LISTE"] == "L-2"

    missing = client.get("/v1/imports/00000000-0000-4000-8000-000000000000", headers=headers)
    assert missing.status_code == 404


def test_gdpr_admin_of_the_same_organisation_sees_raw_rows(
    client: TestClient, engine: Engine
) -> None:
    headers, _ = issue_token(client, engine, scopes="imports:write gdpr:admin")
    summary = client.post(
        "/v1/imports/decrocheurs",
        headers=headers,
        files={
            "file": ("liste.csv", decrocheurs_file([decrocheur("L-2", NOM="", PRENOM="")]), CSV)
        },
    ).json()
    body = client.get(f"/v1/imports/{summary['import_id']}", headers=headers).json()
    assert body["quarantined_rows"][0]["raw"]["ID_ELEVE_LISTE"] == "L-2"


def test_imports_and_raw_row_reads_are_in_the_audit_log(client: TestClient, engine: Engine) -> None:
    from consent.audit import verify_chain
    from consent.models import AuditEvent

    headers, organisation_id = issue_token(
        client, engine, kind="dpo", scopes="imports:write gdpr:admin"
    )
    rows = [*campaign(1), decrocheur("L-9", NOM="", PRENOM="")]
    import_id = client.post(
        "/v1/imports/decrocheurs",
        headers=headers,
        files={"file": ("liste.csv", decrocheurs_file(rows), CSV)},
    ).json()["import_id"]
    assert client.get(f"/v1/imports/{import_id}", headers=headers).status_code == 200
    with Session(engine) as session:
        entries = (
            session.execute(
                select(AuditEvent).where(AuditEvent.reference == import_id).order_by(AuditEvent.seq)
            )
            .scalars()
            .all()
        )
        assert [e.action for e in entries] == ["write", "read"]
        assert all(e.actor_organisation_id == organisation_id for e in entries)
        assert entries[1].fields == ["quarantined_row.raw"]
        assert verify_chain(session).ok
