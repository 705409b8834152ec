"""``hub import`` and ``hub connectors``, driven as a user would."""

from __future__ import annotations

import json
import re
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session
from typer.testing import CliRunner

import connectors.registry as registry
from hub.cli import app
from hub.ingest.models import ImportRun, SourceRecordRow
from hub.settings import Settings
from tests.connectors.files import xlsx_bytes
from tests.hub.ingest.factories import HEADER, campaign, decrocheur, decrocheurs_file

runner = CliRunner()

SUMMARY_KEYS = {
    "import_id",
    "source",
    "rows",
    "created",
    "updated",
    "unchanged",
    "quarantined",
    "errors",
}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_import_prints_a_human_summary(app_env: Settings, engine: Engine, tmp_path: Path) -> None:
    rows = [*campaign(3), decrocheur("L-9", NOM="", PRENOM="")]
    path = _write(tmp_path, "liste.csv", decrocheurs_file(rows))
    result = runner.invoke(app, ["import", "decrocheurs", str(path), "--actor", "coordinator"])
    assert result.exit_code == 0, result.output
    assert "Imported 'liste.csv' as decrocheurs" in result.stdout
    assert "4 rows" in result.stdout
    assert re.search(r"quarantined +1\n", result.stdout)
    assert "row 4" in result.stdout
    with Session(engine) as session:
        run = session.execute(select(ImportRun)).scalar_one()
    assert run.actor == "coordinator"
    assert run.organisation_id is None


def test_import_json_is_exactly_one_object(
    app_env: Settings, engine: Engine, tmp_path: Path
) -> None:
    path = _write(tmp_path, "liste.csv", decrocheurs_file(campaign(3)))
    result = runner.invoke(app, ["import", "decrocheurs", str(path), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary) == SUMMARY_KEYS
    assert (summary["rows"], summary["created"]) == (3, 3)
    again = json.loads(runner.invoke(app, ["import", "decrocheurs", str(path), "--json"]).stdout)
    assert (again["created"], again["unchanged"]) == (0, 3)
    assert again["rows"] == again["created"] + again["updated"] + again["unchanged"]


def test_xlsx_and_profile(app_env: Settings, engine: Engine, tmp_path: Path) -> None:
    header = ["Identifiant élève" if h == "ID_ELEVE_LISTE" else h for h in HEADER]
    path = _write(tmp_path, "liste.xlsx", xlsx_bytes(header, campaign(2)))
    profile = _write(
        tmp_path,
        "rio.toml",
        b'source = "decrocheurs"\n[columns]\nID_ELEVE_LISTE = "Identifiant \xc3\xa9l\xc3\xa8ve"\n',
    )
    refused = runner.invoke(app, ["import", "decrocheurs", str(path)])
    assert refused.exit_code == 2
    assert "missing required column ID_ELEVE_LISTE" in refused.stderr
    result = runner.invoke(
        app, ["import", "decrocheurs", str(path), "--profile", str(profile), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "decrocheurs", "{empty}"], "hub: file refused: the file is empty"),
        (["import", "decrocheurs", "{other}"], "hub: file refused: missing required column"),
        (["import", "decrocheurs", "{missing}"], "hub: cannot read"),
        (["import", "nope", "{empty}"], "hub: unknown source 'nope'"),
        (["import", "decrocheurs", "{empty}", "--profile", "{missing}"], "hub: profile refused"),
        (["import", "decrocheurs", "{other}", "--json"], "hub: file refused"),
    ],
)
def test_refused_imports_exit_2_and_write_nothing(
    app_env: Settings, engine: Engine, tmp_path: Path, args: list[str], message: str
) -> None:
    paths = {
        "{empty}": str(_write(tmp_path, "empty.csv", b"")),
        "{other}": str(_write(tmp_path, "boussole.csv", b"id_demande,nom\n1,X\n")),
        "{missing}": str(tmp_path / "missing.csv"),
    }
    result = runner.invoke(app, [paths.get(arg, arg) for arg in args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert _count(engine, ImportRun) == 0
    assert _count(engine, SourceRecordRow) == 0


def test_import_refuses_an_unmigrated_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "fresh"))
    path = _write(tmp_path, "liste.csv", decrocheurs_file(campaign(1)))
    result = runner.invoke(app, ["import", "decrocheurs", str(path)])
    assert result.exit_code == 1
    assert "hub db upgrade" in result.stderr


def test_connectors_list_and_show() -> None:
    result = runner.invoke(app, ["connectors", "list"])
    assert result.exit_code == 0, result.output
    for name in ("decrocheurs", "boussole", "perdus-de-vue"):
        assert name in result.stdout
    listed = json.loads(runner.invoke(app, ["connectors", "list", "--json"]).stdout)
    assert {"name": "boussole", "origin": "builtin"}.items() <= listed[1].items()
    shown = runner.invoke(app, ["connectors", "show", "perdus-de-vue"])
    assert shown.exit_code == 0
    assert "* Identifiant ML" in shown.stdout


def test_connectors_list_shows_load_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        registry,
        "entry_points",
        lambda *, group: [EntryPoint(name="bad", value="no_such_module_xyz:c", group=group)],
    )
    result = runner.invoke(app, ["connectors", "list"])
    assert result.exit_code == 1
    assert "FAILED TO LOAD: ModuleNotFoundError" in result.stdout
    assert "1 failed to load" in result.stdout
