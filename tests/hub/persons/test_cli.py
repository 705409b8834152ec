"""``hub persons export|merge|detach|relink`` driven as a user would."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from hub.cli import app
from hub.crypto import Crypto, build_crypto
from hub.settings import Settings
from tests.hub.persons.factories import (
    decrocheur,
    demande,
    import_rows,
    persons_by_record,
    record_id,
)

runner = CliRunner()


@pytest.fixture
def crypto(app_env: Settings, engine: Engine) -> Crypto:
    return build_crypto(app_env, engine)


def _data(engine: Engine, crypto: Crypto) -> None:
    import_rows(
        engine,
        crypto,
        "decrocheurs",
        [
            decrocheur("L-1", NOM="WEBER", PRENOM="Jade", SEXE="F", DATE_NAISSANCE="09/09/2005"),
            decrocheur("L-2", NOM="WEBER", PRENOM="Louis", DATE_NAISSANCE="01/01/2003"),
        ],
    )
    import_rows(
        engine,
        crypto,
        "boussole",
        [demande("B-1", prenom="jade", nom="Weber", date_de_naissance="2005-09-09")],
    )


def test_export_writes_one_csv_line_per_source_record(engine: Engine, crypto: Crypto) -> None:
    _data(engine, crypto)
    result = runner.invoke(app, ["persons", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "source,source_record_id,person_id"
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3
    persons = persons_by_record(engine)
    for row in rows:
        assert uuid.UUID(row["person_id"]) == persons[(row["source"], row["source_record_id"])]
    assert "exported 3 source records of 2 persons" in result.stderr


def test_export_refuses_another_format(engine: Engine, crypto: Crypto) -> None:
    result = runner.invoke(app, ["persons", "export", "--format", "xml"])
    assert result.exit_code != 0


def test_detach_merge_and_relink(engine: Engine, crypto: Crypto) -> None:
    _data(engine, crypto)
    persons = persons_by_record(engine)
    jade = persons[("decrocheurs", "L-1")]
    record = record_id(engine, "boussole", "B-1")
    result = runner.invoke(app, ["persons", "detach", str(jade), str(record)])
    assert result.exit_code == 0, result.output
    assert f"detached record {record} from person {jade}" in result.stdout
    fresh = persons_by_record(engine)[("boussole", "B-1")]
    assert fresh != jade

    result = runner.invoke(app, ["persons", "relink"])
    assert result.exit_code == 0, result.output
    assert "relinked 3 records" in result.stdout
    assert persons_by_record(engine)[("boussole", "B-1")] == fresh

    result = runner.invoke(app, ["persons", "merge", str(jade), str(fresh), "--actor", "dpo"])
    assert result.exit_code == 0, result.output
    assert f"merged person {fresh} into {jade}" in result.stdout
    assert persons_by_record(engine)[("boussole", "B-1")] == jade


def test_errors_are_one_line(engine: Engine, crypto: Crypto) -> None:
    result = runner.invoke(app, ["persons", "merge", "not-an-id", str(uuid.uuid4())])
    assert result.exit_code == 1
    assert "is not a valid id" in result.stderr
    result = runner.invoke(app, ["persons", "merge", str(uuid.uuid4()), str(uuid.uuid4())])
    assert result.exit_code == 1
    assert "not found" in result.stderr
    assert "Traceback" not in result.output


def test_relink_json(engine: Engine, crypto: Crypto) -> None:
    _data(engine, crypto)
    result = runner.invoke(app, ["persons", "relink", "--json"])
    assert result.exit_code == 0, result.output
    assert '"records": 3' in result.stdout
