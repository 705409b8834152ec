from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hub.synthetic import (
    BOUSSOLE,
    COLUMNS,
    DECROCHEURS,
    PERDUS_DE_VUE,
    SOURCES,
    Population,
    generate_population,
    later_rows,
    write_ground_truth,
    write_source_file,
)

REFERENCE = date(2025, 6, 1)


@pytest.fixture(scope="module")
def population() -> Population:
    return generate_population(4000, seed=7, reference_date=REFERENCE)


def test_same_seed_same_population_other_seed_other_population() -> None:
    first = generate_population(300, seed=11, reference_date=REFERENCE)
    again = generate_population(300, seed=11, reference_date=REFERENCE)
    other = generate_population(300, seed=12, reference_date=REFERENCE)
    assert first.rows == again.rows
    assert first.persons == again.persons
    assert first.rows != other.rows


def test_about_one_and_a_half_rows_per_person_across_three_sources(population: Population) -> None:
    assert len(population.persons) == 4000
    assert 1.33 <= population.row_count / 4000 <= 1.47
    assert all(len(population.rows[source]) > 800 for source in SOURCES)


def test_ground_truth_names_a_person_for_every_row(population: Population) -> None:
    truth = population.truth()
    assert len(truth) == population.row_count
    person_ids = {p.person_id for p in population.persons}
    assert set(truth.values()) <= person_ids
    per_person = Counter(truth.values())
    assert max(per_person.values()) >= 3  # repeats and several sources


def test_siblings_share_family_name_address_and_household_phone(population: Population) -> None:
    households: dict[str, list[str]] = {}
    for person in population.persons:
        households.setdefault(person.household_id, []).append(person.person_id)
    by_id = {p.person_id: p for p in population.persons}
    families = [members for members in households.values() if len(members) > 1]
    assert len(families) > 200
    for members in families:
        people = [by_id[m] for m in members]
        assert len({p.family_name for p in people}) == 1
        assert len({p.household_phone for p in people}) == 1
        assert len({p.street for p in people}) == 1
        assert len({p.usual_given for p in people}) == len(people)
    twins = [p for p in population.persons if p.twin_of]
    assert twins
    assert all(by_id[p.twin_of].birth_date == p.birth_date for p in twins if p.twin_of)


def test_every_kind_of_mess_occurs(population: Population) -> None:
    seen = Counter(v for rows in population.rows.values() for row in rows for v in row.variations)
    for kind in (
        "accents_dropped", "typo_family", "typo_given", "names_swapped", "names_in_one_field",
        "all_given_names", "compound", "compound_given", "particle", "usage_name", "nickname",
        "dob_format", "dob_swapped", "dob_missing", "household_phone", "old_phone", "old_email",
        "town_variant", "repeat", "twin", "ine_mistyped",
    ):  # fmt: skip
        assert seen[kind] > 0, kind
    assert any(kind.startswith("bad:") for kind in seen)


def test_some_people_are_outside_the_16_29_public(population: Population) -> None:
    ages = [(REFERENCE - p.birth_date).days / 365.25 for p in population.persons]
    assert any(age < 16 for age in ages)
    assert any(age >= 30 for age in ages)
    assert sum(16 <= age < 30 for age in ages) / len(ages) > 0.9


def test_boussole_rows_carry_names_as_typed(population: Population) -> None:
    rows = population.rows[BOUSSOLE]
    one_field = [
        r.as_dict()
        for r in rows
        if "names_in_one_field" in r.variations and "bad:no_identity" not in r.variations
    ]
    assert one_field
    assert all(not row["prenom"] or not row["nom"] for row in one_field)
    assert all(" " in (row["prenom"] or row["nom"]) for row in one_field)


@pytest.mark.parametrize("source", SOURCES)
def test_csv_files_have_the_reference_layout(
    population: Population, source: str, tmp_path: Path
) -> None:
    path = tmp_path / f"{source}.csv"
    written = write_source_file(population, source, path, "csv")
    encoding = {DECROCHEURS: "utf-8-sig", BOUSSOLE: "utf-8", PERDUS_DE_VUE: "cp1252"}[source]
    delimiter = {DECROCHEURS: ";", BOUSSOLE: ",", PERDUS_DE_VUE: ";"}[source]
    with path.open(encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle, delimiter=delimiter))
    assert tuple(rows[0]) == COLUMNS[source]
    assert len(rows) - 1 == written == len(population.rows[source])
    good = [r for r, src in zip(rows[1:], population.rows[source], strict=True)
            if not any(v.startswith("bad:") for v in src.variations)]  # fmt: skip
    assert all(len(r) == len(COLUMNS[source]) for r in good)


def test_xlsx_file_has_the_reference_layout(population: Population, tmp_path: Path) -> None:
    path = tmp_path / "perdus.xlsx"
    write_source_file(population, PERDUS_DE_VUE, path, "xlsx")
    sheet = load_workbook(path, read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert tuple(rows[0]) == COLUMNS[PERDUS_DE_VUE]
    assert len(rows) - 1 == len(population.rows[PERDUS_DE_VUE])


def test_ground_truth_file(population: Population, tmp_path: Path) -> None:
    path = tmp_path / "truth.csv"
    assert write_ground_truth(population, path) == population.row_count
    lines = path.read_text().splitlines()
    assert lines[0] == "source,source_record_id,person_id"


def test_unknown_source_or_format_is_refused(population: Population, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown source"):
        write_source_file(population, "nope", tmp_path / "x.csv")
    with pytest.raises(ValueError, match="unknown format"):
        write_source_file(population, BOUSSOLE, tmp_path / "x.ods", "ods")  # type: ignore[arg-type]


def test_later_rows_are_new_records_of_known_people(population: Population, tmp_path: Path) -> None:
    later = later_rows(population, DECROCHEURS, 300, seed=5)
    assert later == later_rows(population, DECROCHEURS, 300, seed=5)
    known_ids = {row.source_record_id for row in population.rows[DECROCHEURS]}
    assert not known_ids & {row.source_record_id for row in later}
    assert {row.person_id for row in later} <= {p.person_id for p in population.persons}
    path = tmp_path / "next.csv"
    assert write_source_file(population, DECROCHEURS, path, rows=later) == 300
