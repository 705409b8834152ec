"""Mapping profiles (TOML) declared by a deployment."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from connectors.base import FileRefusedError, ProfileError
from connectors.decrocheurs import REFERENCE_PROFILE, connector
from connectors.profile import load_profile, parse_profile
from tests.connectors.files import RECEIVED_AT, csv_bytes

PROFILE = """
source = "decrocheurs"
name = "rio-2025"

[columns]
ID_ELEVE_LISTE = "Identifiant élève"
PRENOM = ["Prénoms", "Prénom usuel"]
TEL_MOBILE = "Portable"
"""


def test_profile_renames_columns_and_keeps_the_others() -> None:
    profile = parse_profile(PROFILE, REFERENCE_PROFILE)
    assert profile.name == "rio-2025"
    assert profile.column("PRENOM").accepted_headers == ("Prénoms", "Prénom usuel")
    assert profile.column("NOM").accepted_headers == ("NOM",)
    data = csv_bytes(
        ["IDENTIFIANT ELEVE", "nom", "Prénom usuel", "portable"],
        [["E-1", "KLEIN", "Tom", "0612345678"]],
    )
    results = list(
        connector.read(
            io.BytesIO(data), file_name="x.csv", received_at=RECEIVED_AT, profile=profile
        )
    )
    record = results[0].record
    assert record is not None
    assert record.source_record_id == "E-1"
    assert record.person.given_names == ["Tom"]
    assert record.person.phones == ["+33612345678"]


def test_missing_required_column_is_named_with_the_profiles_header() -> None:
    profile = parse_profile(PROFILE, REFERENCE_PROFILE)
    data = csv_bytes(["ID_ELEVE_LISTE", "NOM"], [["E-1", "KLEIN"]])
    with pytest.raises(FileRefusedError) as refused:
        connector.read(
            io.BytesIO(data), file_name="x.csv", received_at=RECEIVED_AT, profile=profile
        )
    assert str(refused.value) == (
        "missing required column ID_ELEVE_LISTE (header 'Identifiant élève') "
        "(profile rio-2025): this is not a decrocheurs file in the expected layout"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source = ", "not valid TOML"),
        ('source = "boussole"', "for source 'boussole', not 'decrocheurs'"),
        ("[columns]\nNOPE = 'x'", "unknown column(s) NOPE"),
        ("[columns]\nNOM = ''", "must map to a header"),
        ("[columns]\nNOM = []", "must map to a header"),
        ("[columns]\nNOM = 3", "must map to a header"),
        ("colums = {}", "unknown key(s) colums"),
        ("columns = 'x'", "must be a table"),
        ("name = ''", "'name' must be a non-empty string"),
    ],
)
def test_bad_profiles_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(ProfileError) as error:
        parse_profile(text, REFERENCE_PROFILE)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_load_profile_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "rio.toml"
    path.write_text("[columns]\nNOM = 'Nom de famille'\n", encoding="utf-8")
    profile = load_profile(path, REFERENCE_PROFILE)
    assert profile.name == "rio"
    assert profile.file == str(path)
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "missing.toml", REFERENCE_PROFILE)
    (tmp_path / "latin.toml").write_bytes("name = 'é'".encode("latin-1"))
    with pytest.raises(ProfileError, match="UTF-8"):
        load_profile(tmp_path / "latin.toml", REFERENCE_PROFILE)


def test_a_profile_of_another_source_is_refused_by_read() -> None:
    from connectors.boussole import REFERENCE_PROFILE as BOUSSOLE

    with pytest.raises(ProfileError):
        connector.read(
            io.BytesIO(b"a;b\n1;2\n"), file_name="x.csv", received_at=RECEIVED_AT, profile=BOUSSOLE
        )
