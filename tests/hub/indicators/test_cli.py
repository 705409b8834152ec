"""``hub report``: stdout in md/csv/json, or files and the chart with ``--out``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from hub.cli import app
from hub.settings import Settings
from tests.hub.indicators.population import PERIOD_END, PERIOD_START, seed

runner = CliRunner()
PERIOD = ["--from", PERIOD_START.isoformat(), "--to", PERIOD_END.isoformat()]


@pytest.fixture
def seeded(
    client: TestClient,
    session: Session,
    engine: Engine,
    app_env: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed(client, session, engine, app_env, monkeypatch)


@pytest.mark.usefixtures("seeded")
def test_report_writes_every_format_and_the_chart(tmp_path: Path) -> None:
    out = tmp_path / "rapport"
    result = runner.invoke(app, ["report", *PERIOD, "--out", str(out)])
    assert result.exit_code == 0, result.output
    stem = "indicateurs_2025-01-01_2025-12-31"
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted([f"{stem}.md", f"{stem}.csv", f"{stem}.json", f"{stem}_cumul.png"])
    assert (out / f"{stem}_cumul.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    report = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
    reperes = report["funnel"]["reperes"]
    assert f"repérés {reperes}" in result.output
    assert "wrote" in result.output
    markdown = (out / f"{stem}.md").read_text(encoding="utf-8")
    assert f"![Entonnoir cumulé par mois et objectif]({stem}_cumul.png)" in markdown
    assert f"| Repérés | {reperes} |" in markdown
    assert "PROVISOIRE" in markdown
    rows = list(csv.DictReader(io.StringIO((out / f"{stem}.csv").read_text(encoding="utf-8"))))
    funnel = {r["row_id"]: r["value"] for r in rows if r["section"] == "funnel"}
    assert funnel["reperes"] == str(reperes)
    table_cells = [r for r in rows if r["section"] == "table"]
    assert {r["value"] for r in table_cells} >= {"<5", "s", "0"}


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("fmt", ["json", "csv", "md"])
def test_report_prints_one_format_on_stdout(fmt: str) -> None:
    result = runner.invoke(app, ["report", *PERIOD, "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert json.loads(result.stdout)["period"]["start"] == "2025-01-01"
    elif fmt == "csv":
        assert result.stdout.startswith("section,table,row_id,row_label,column_id")
    else:
        assert result.stdout.startswith("# INVISIBLES : indicateurs du programme")


@pytest.mark.usefixtures("seeded")
def test_report_writes_one_format_and_an_svg_chart(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["report", *PERIOD, "--format", "json", "--chart-format", "svg", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "indicateurs_2025-01-01_2025-12-31.json",
        "indicateurs_2025-01-01_2025-12-31_cumul.svg",
    ]
    assert b"<svg" in (out / names[1]).read_bytes()


@pytest.mark.usefixtures("app_env", "engine")
def test_the_programme_period_and_target_come_from_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_PROGRAMME_START", "2026-01-01")
    monkeypatch.setenv("HUB_PROGRAMME_END", "2026-06-30")
    monkeypatch.setenv("HUB_PROGRAMME_TARGET", "300")
    result = runner.invoke(app, ["report", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["period"] == {**report["period"], "start": "2026-01-01", "end": "2026-06-30"}
    assert report["programme"]["target"] == 300


@pytest.mark.usefixtures("app_env", "engine")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-02-30"], "--from '2025-02-30' is not a date"),
        (["--from", "2025-03-01", "--to", "2025-02-01"], "'from' must be on or before 'to'"),
        (["--chart-format", "gif", "--out", "x"], "--chart-format must be png or svg"),
    ],
)
def test_bad_options_are_one_line_errors(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["report", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("engine")  # empties the tables the command committed to
def test_demo_activity_gives_the_demo_a_meaningful_report(app_env: Settings) -> None:
    first = runner.invoke(app, ["demo-activity", "--size", "60"])
    assert first.exit_code == 0, first.output
    assert "Demo activity:" in first.stdout
    again = runner.invoke(app, ["demo-activity", "--size", "60"])
    assert again.exit_code == 0, again.output
    assert "already present: nothing added" in again.stdout
    hint = next(line for line in first.stdout.splitlines() if "HUB_PROGRAMME_START=" in line)
    env = dict(part.split("=", 1) for part in hint.split() if part.startswith("HUB_"))
    to = hint.split("--to ")[1].split()[0]
    result = runner.invoke(app, ["report", "--to", to, "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["period"]["start"] == env["HUB_PROGRAMME_START"]
    assert isinstance(report["funnel"]["reperes"], int)
    assert report["funnel"]["reperes"] >= 30
    assert report["funnel"]["mobilises"] not in (0, "<5")
    assert report["progress"]["expected_by_as_of"] > 0
