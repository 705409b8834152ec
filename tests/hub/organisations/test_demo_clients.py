"""``hub serve --demo`` gives each demo organisation an API client whose credentials are
generated once, kept in HUB_DATA_DIR/demo-clients.json (owner-only) and reused."""

from __future__ import annotations

import json
import stat

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from hub.db import unit_of_work
from hub.demo import DEMO_ORGANISATIONS, print_try_it, seed_demo
from hub.settings import Environment, Settings

GRANT = {"grant_type": "client_credentials"}


def _seed(engine: Engine, settings: Settings):  # type: ignore[no-untyped-def]
    with unit_of_work(engine) as session:
        return seed_demo(session, settings)


def test_demo_clients_are_created_once_and_work(
    client: TestClient, engine: Engine, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _seed(engine, settings)
    assert first.clients_created == len(DEMO_ORGANISATIONS)
    path = settings.data_dir / "demo-clients.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = _seed(engine, settings)
    assert second.clients_created == 0
    assert second.clients == first.clients
    for demo in first.clients:
        response = client.post(
            "/oauth/token", data=GRANT, auth=(demo.client_id, demo.client_secret)
        )
        assert response.status_code == 200, demo.organisation
        assert response.json()["scope"] == demo.scopes
    print_try_it(second, settings, "127.0.0.1", 8000)
    output = capsys.readouterr().out
    assert "curl -s -u" in output
    assert "grant_type=client_credentials http://127.0.0.1:8000/oauth/token" in output


def test_demo_credentials_survive_a_fresh_database(engine: Engine, settings: Settings) -> None:
    first = _seed(engine, settings)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM api_client"))
    again = _seed(engine, settings)
    assert again.clients == first.clients
    assert again.clients_created == len(DEMO_ORGANISATIONS)
    stored = json.loads((settings.data_dir / "demo-clients.json").read_text())
    assert {v["client_id"] for v in stored.values()} == {c.client_id for c in first.clients}


def test_no_demo_in_production(engine: Engine, settings: Settings) -> None:
    production = settings.model_copy(update={"environment": Environment.PRODUCTION})
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        seed_demo(session, production)
