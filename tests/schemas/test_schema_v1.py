"""The shared schema v1: validation rules and the JSON Schema snapshot of the contract."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas.v1 import Address, Person, SourceRecord, is_valid_ine, json_schemas

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize("ine", ["123456789AB", "1234567890C", "1234A12345B"])
def test_ine_accepts_the_three_shapes(ine: str) -> None:
    assert Person(ine=ine).ine == ine
    assert is_valid_ine(ine)


@pytest.mark.parametrize("ine", ["12345678AB", "123456789ab1", "ABCDEFGHIJK", "1234B12345B", ""])
def test_ine_refuses_other_shapes(ine: str) -> None:
    with pytest.raises(ValidationError):
        Person(ine=ine)


@pytest.mark.parametrize("code", ["68224", "2A004", "97411"])
def test_insee_code_shape(code: str) -> None:
    assert Address(commune_insee=code).commune_insee == code


@pytest.mark.parametrize("code", ["6822", "682240", "MULHO", "68 224"])
def test_insee_code_refuses_bad_shapes(code: str) -> None:
    with pytest.raises(ValidationError):
        Address(commune_insee=code)


def test_birth_date_must_be_plausible() -> None:
    with pytest.raises(ValidationError):
        Person(birth_date=date(1850, 1, 1))
    with pytest.raises(ValidationError):
        Person(birth_date=date(2999, 1, 1))
    assert Person(birth_date=date(2006, 2, 28)).birth_date == date(2006, 2, 28)


def test_emails_are_lower_cased_and_phones_must_be_e164() -> None:
    person = Person(emails=[" Jeune.Dupont@Example.ORG "], phones=["+33612345678"])
    assert person.emails == ["jeune.dupont@example.org"]
    with pytest.raises(ValidationError):
        Person(phones=["06 12 34 56 78"])


def test_needs_are_data_inclusion_thematiques() -> None:
    record = SourceRecord(
        source="boussole",
        source_record_id="42",
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
        person=Person(given_names=["Inès"]),
        needs=["logement-hebergement"],
    )
    assert record.needs == ["logement-hebergement"]
    with pytest.raises(ValidationError, match="thématique"):
        SourceRecord(
            source="boussole",
            source_record_id="42",
            received_at=datetime(2026, 1, 1, tzinfo=UTC),
            person=Person(),
            needs=["a-job-please"],
        )


def test_unknown_fields_are_refused_and_records_are_frozen() -> None:
    with pytest.raises(ValidationError):
        Person(nickname="Jo")  # type: ignore[call-arg]
    person = Person(family_name="Martin")
    with pytest.raises(ValidationError):
        person.family_name = "Other"  # type: ignore[misc]


def test_has_identity() -> None:
    assert not Person().has_identity()
    assert not Person(sex="F", birth_date=date(2005, 1, 1)).has_identity()
    assert Person(phones=["+33612345678"]).has_identity()


def test_json_schema_snapshot() -> None:
    """Any change of the contract shows up here. Review it, then regenerate the snapshots
    with ``UPDATE_SNAPSHOTS=1 make test`` (v1 may only grow additively)."""
    current = json_schemas()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        for name, schema in current.items():
            path = SNAPSHOTS / f"{name}.v1.schema.json"
            path.write_text(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    stored = {
        path.name.removesuffix(".v1.schema.json"): json.loads(path.read_text())
        for path in SNAPSHOTS.glob("*.v1.schema.json")
    }
    assert stored == current
