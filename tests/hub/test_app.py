"""Service basics through HTTP: health, problem+json errors, request ids, logs."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine

from hub.app import create_app
from hub.db import create_db_engine
from hub.observability import JsonFormatter, scrub
from hub.settings import Settings

PROBLEM = "application/problem+json"


def test_healthz_reports_database_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_is_503_problem_when_database_is_down(settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = create_db_engine(f"sqlite:///{tmp_path}/missing-dir/x/../../nope/db.sqlite3")
    broken.dispose()
    unreachable = create_db_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with TestClient(create_app(settings, engine=unreachable)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/database-unavailable")


def test_unknown_route_is_problem_json_404(client: TestClient) -> None:
    response = client.get("/no/such/route")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404
    assert body["title"] == "Not Found"
    assert body["instance"] == "/no/such/route"


def test_wrong_method_is_problem_json_405(client: TestClient) -> None:
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert "allow" in {k.lower() for k in response.headers}


class _Body(BaseModel):
    given_name: str
    age: int


def test_invalid_body_is_problem_json_422_without_echoing_values(
    settings: Settings, engine: Engine
) -> None:
    app = create_app(settings, engine=engine)

    @app.post("/echo")
    def echo(body: _Body) -> _Body:
        return body

    with TestClient(app) as client:
        response = client.post("/echo", json={"given_name": "Yasmina", "age": "douze"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["errors"][0]["location"] == ["body", "age"]
    assert "douze" not in response.text


def test_unexpected_error_is_generic_500_without_trace(settings: Settings, engine: Engine) -> None:
    app = create_app(settings, engine=engine)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals at /srv/hub/app.py line 12")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc12345-trace"})
    assert given.headers["x-request-id"] == "abc12345-trace"
    unsafe = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert unsafe.headers["x-request-id"] != "<script>"
    assert len(unsafe.headers["x-request-id"]) == 32


def test_access_log_is_json_with_route_and_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hub.access"):
        client.get("/healthz?email=jeune@example.org", headers={"X-Request-ID": "req-00000001"})
    record = next(r for r in caplog.records if r.name == "hub.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["route"] == "/healthz"
    assert line["status"] == 200
    assert "jeune@example.org" not in json.dumps(line)


@pytest.mark.parametrize(
    "text",
    [
        "contact jeune.dupont@example.org now",
        "call 06 12 34 56 78",
        "call +33612345678",
        "INE 123456789AB",
        "born 03/04/2007",
    ],
)
def test_scrubber_masks_personal_data(text: str) -> None:
    assert "[redacted]" in scrub(text)


def test_openapi_describes_the_hub(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["info"]["title"] == "INVISIBLES hub"
    assert "/healthz" in document["paths"]
