"""Importing and searching the directory through the service layer and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from hub.cli import app
from hub.directory import service
from hub.directory.models import DirectoryService
from hub.organisations import repository as organisations
from tests.hub.directory.helpers import service_json

DEMO_FILE = Path(__file__).parents[3] / "hub" / "directory" / "demo_services.json"
runner = CliRunner()


def _import(session: Session, items: list[dict[str, object]]) -> service.ImportSummary:
    summary = service.import_services(session, service.parse_services(items))
    session.commit()
    return summary


def test_import_creates_services_and_their_organisations(session: Session) -> None:
    summary = _import(
        session,
        [
            service_json(
                "t--ml", organisation="ML test", kind="mission_locale", reseaux=["mission-locale"]
            ),
            service_json(
                "t--logement",
                organisation="Logement test",
                capacity=3,
                delay=10,
                thematiques=["logement-hebergement--louer-un-logement"],
            ),
        ],
    )
    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    assert sorted(summary.organisations_created) == ["Logement test", "ML test"]
    ml = organisations.get_by_name(session, "ML test")
    assert ml is not None
    assert ml.kind == "mission_locale"
    logement = session.exec(
        select(DirectoryService).where(DirectoryService.external_id == "t--logement")
    ).one()
    assert logement.capacity == 3
    assert logement.response_delay_days == 10
    assert logement.thematiques == ["logement-hebergement--louer-un-logement"]


def test_reimport_updates_changed_services_only(session: Session) -> None:
    first = service_json("t--a", organisation="Org A")
    _import(session, [first, service_json("t--b", organisation="Org A")])
    changed = {**first, "nom": "Nouveau nom du service"}
    summary = _import(session, [changed, service_json("t--b", organisation="Org A")])
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    assert summary.organisations_created == []


def test_default_response_delay_is_fourteen_days(session: Session) -> None:
    item = service_json("t--d", organisation="Org D")
    del item["hub"]["response_delay_days"]  # type: ignore[attr-defined]
    _import(session, [item])
    stored = session.exec(select(DirectoryService)).one()
    assert stored.response_delay_days == 14


def test_invalid_services_are_all_reported_and_nothing_is_kept() -> None:
    bad_thematique = service_json("t--x", organisation="X", thematiques=["pas-une-thematique"])
    bad_hub = service_json("t--y", organisation="Y")
    bad_hub["hub"]["capacity"] = -1  # type: ignore[index]
    duplicate = service_json("t--x", organisation="X")
    with pytest.raises(service.InvalidDirectoryFileError) as caught:
        service.parse_services([bad_thematique, bad_hub, duplicate, "not an object"])
    problems = caught.value.problems
    assert len(problems) == 3  # the duplicate of an invalid service is not a second problem
    assert any("t--x" in p and "thematiques" in p for p in problems)
    assert any("t--y" in p and "capacity" in p for p in problems)
    assert any("#4" in p for p in problems)


def test_a_service_needs_a_receiving_organisation(session: Session) -> None:
    item = service_json("t--orphan", organisation="unused")
    del item["hub"]
    with pytest.raises(service.InvalidDirectoryFileError):
        service.import_services(session, service.parse_services([item]))
    summary = service.import_services(
        session, service.parse_services([item]), default_organisation="Fallback org"
    )
    assert summary.created == 1
    assert summary.organisations_created == ["Fallback org"]


def test_search_filters_by_thematique_public_commune_and_reseau(session: Session) -> None:
    _import(
        session,
        [
            service_json(
                "t--ml",
                organisation="ML",
                kind="mission_locale",
                reseaux=["mission-locale"],
                thematiques=["se-former--trouver-sa-formation"],
            ),
            service_json(
                "t--colmar",
                organisation="Colmar",
                zone=["68066"],
                thematiques=["se-former--trouver-sa-formation"],
            ),
            service_json(
                "t--femmes",
                organisation="F",
                publics=["femmes"],
                thematiques=["sante--acces-aux-soins"],
            ),
        ],
    )

    def ids(**filters: object) -> list[str]:
        items, total = service.search(
            session,
            service.ServiceFilters(**filters),
            limit=50,
            offset=0,  # type: ignore[arg-type]
        )
        assert total == len(items)
        return sorted(item.external_id for item in items)

    assert ids(thematiques=("se-former",)) == ["t--colmar", "t--ml"]
    assert ids(thematiques=("se-former",), commune="68224") == ["t--ml"]
    assert ids(public="jeunes") == ["t--colmar", "t--ml"]
    assert ids(reseau="mission-locale") == ["t--ml"]
    assert ids(thematiques=("sante--acces-aux-soins",), public="femmes") == ["t--femmes"]


def test_demo_services_file_is_valid() -> None:
    entries = service.read_services_file(DEMO_FILE)
    assert len(entries) >= 5
    assert any("mission-locale" in [r.value for r in e.hub.reseaux_porteurs] for e in entries)
    assert any("france-travail" in [r.value for r in e.hub.reseaux_porteurs] for e in entries)


def test_cli_imports_a_file_and_is_idempotent(app_env: object, tmp_path: Path) -> None:
    path = tmp_path / "services.json"
    path.write_text(json.dumps([service_json("t--cli", organisation="CLI org")]))
    first = runner.invoke(app, ["directory", "import", str(path)])
    assert first.exit_code == 0, first.output
    assert "1 created" in first.stdout
    assert "CLI org" in first.stdout
    second = runner.invoke(app, ["directory", "import", str(path), "--json"])
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["unchanged"] == 1


def test_cli_refuses_an_invalid_file_in_one_line(app_env: object, tmp_path: Path) -> None:
    path = tmp_path / "services.json"
    path.write_text('{"not": "a list"}')
    result = runner.invoke(app, ["directory", "import", str(path)])
    assert result.exit_code == 1
    assert "refused, nothing imported" in str(result.exception)
    path.write_text("not json at all")
    result = runner.invoke(app, ["directory", "import", str(path)])
    assert result.exit_code == 1
    missing = runner.invoke(app, ["directory", "import", str(tmp_path / "missing.json")])
    assert missing.exit_code == 1
