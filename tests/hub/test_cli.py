"""The command line, driven as a user would."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hub import __version__
from hub.cli import app
from hub.demo import seed_demo
from hub.settings import Settings

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == __version__


def test_every_command_has_help() -> None:
    for args in (
        ["--help"],
        ["serve", "--help"],
        ["db", "upgrade", "--help"],
        ["schema", "export", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
        assert "Usage" in result.stdout


def test_db_upgrade_is_idempotent(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    first = runner.invoke(app, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "migrated" in first.stdout
    second = runner.invoke(app, ["db", "upgrade"])
    assert second.exit_code == 0
    assert "nothing to do" in second.stdout
    assert (tmp_path / "hub.sqlite3").exists()


def test_unsafe_production_settings_are_one_line_errors(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HUB_ENVIRONMENT", "production")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code != 0
    assert "unsafe production settings" in str(result.exception)


def test_schema_export_writes_json_schemas(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "source_record.v1.schema.json" in files
    schema = json.loads((tmp_path / "out" / "source_record.v1.schema.json").read_text())
    assert schema["title"] == "SourceRecord"


def test_demo_seed_is_idempotent(session, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    first = seed_demo(session, settings)
    session.commit()
    second = seed_demo(session, settings)
    assert first.organisations_created > 0
    assert second.organisations_created == 0
    assert second.organisations_existing == first.organisations_created
