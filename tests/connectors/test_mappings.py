"""The pure ``map_row`` functions of the three file connectors."""

from __future__ import annotations

from datetime import date

import pytest

from connectors import boussole, decrocheurs, perdus_de_vue
from connectors.base import RowResult
from schemas.v1 import Dispositif, RecordFlag, Sex, SourceRecord
from tests.connectors.files import RECEIVED_AT, row_dict

MULHOUSE = "68224"
BRUNSTATT_DIDENHEIM = "68056"


def _decrocheur(**values: str) -> RowResult:
    cells = row_dict(decrocheurs.COLUMNS, ID_ELEVE_LISTE="L-1", NOM="MARTIN", PRENOM="Lucas")
    cells.update(values)
    return decrocheurs.map_row(cells, row=7, received_at=RECEIVED_AT)


def _record(result: RowResult) -> SourceRecord:
    assert result.record is not None, result.errors
    return result.record


def _reasons(result: RowResult) -> list[tuple[str | None, str]]:
    return [(e.column, e.reason) for e in result.errors]


# -- décrocheurs ------------------------------------------------------------------------------


def test_decrocheur_full_row() -> None:
    result = _decrocheur(
        INE="123 456 789 ab",
        PRENOM="Marie Claire Anne",
        SEXE="F",
        DATE_NAISSANCE="14/03/2006",
        ADRESSE="12 rue des Vosges",
        CODE_POSTAL="68 100",
        COMMUNE="MULHOUSE CEDEX",
        TEL_MOBILE="06.12.34.56.78",
        MAIL="Marie.Martin@Example.org",
        CONNU_ML="O",
        DATE_SORTIE="30/06/2023",
        CAMPAGNE="Mars 2024",
    )
    record = _record(result)
    assert result.errors == ()
    assert record.source == "decrocheurs"
    assert record.source_record_id == "L-1"
    assert record.recorded_on == date(2024, 3, 1)
    person = record.person
    assert person.given_names == ["Marie", "Claire", "Anne"]
    assert person.sex is Sex.FEMALE
    assert person.ine == "123456789AB"
    assert person.phones == ["+33612345678"]
    assert person.emails == ["marie.martin@example.org"]
    assert person.address is not None
    assert person.address.commune_insee == MULHOUSE
    assert person.address.postal_code == "68100"
    assert person.address.town == "MULHOUSE CEDEX"  # as written
    assert record.follow_up.known_to_mission_locale is True
    assert record.follow_up.left_school_on == date(2023, 6, 30)
    assert record.follow_up.campaign == "Mars 2024"
    assert record.flags == []


def test_unreadable_birth_date_is_a_field_error_on_a_kept_row() -> None:
    result = _decrocheur(DATE_NAISSANCE="31/02/2006")
    record = _record(result)
    assert record.person.birth_date is None
    assert RecordFlag.BIRTH_DATE_UNREADABLE in record.flags
    assert _reasons(result) == [("DATE_NAISSANCE", "birth date unreadable; kept in attributes")]
    assert record.attributes["DATE_NAISSANCE"] == "31/02/2006"
    assert result.row == 7
    assert result.errors[0].row == 7


@pytest.mark.parametrize("birth", ["01/01/1850", "01/01/2030"])
def test_impossible_birth_date_is_dropped_and_flagged(birth: str) -> None:
    record = _record(_decrocheur(DATE_NAISSANCE=birth))
    assert record.person.birth_date is None
    assert RecordFlag.BIRTH_DATE_UNREADABLE in record.flags


@pytest.mark.parametrize(
    ("birth", "campaign", "out"),
    [
        ("02/04/2008", "", False),  # 16 on the day received
        ("03/04/2008", "", True),  # 15
        ("02/04/1994", "", True),  # 30 on the day received
        ("03/04/1994", "", False),  # 29
        ("01/01/1990", "", True),  # 34
        ("03/04/2008", "2025-01", False),  # 16 on the campaign's date
    ],
)
def test_age_outside_16_29_is_kept_and_flagged(birth: str, campaign: str, out: bool) -> None:
    record = _record(_decrocheur(DATE_NAISSANCE=birth, CAMPAGNE=campaign))
    assert (RecordFlag.OUT_OF_PUBLIC_AGE in record.flags) is out


def test_commune_resolution_and_territory_flags() -> None:
    assert _record(_decrocheur(COMMUNE="Didenheim")).person.address.commune_insee == (  # type: ignore[union-attr]
        BRUNSTATT_DIDENHEIM
    )
    outside = _record(_decrocheur(COMMUNE="Colmar", CODE_POSTAL="68000"))
    assert outside.flags == [RecordFlag.OUTSIDE_M2A]
    lost = _record(_decrocheur(COMMUNE="Atlantis"))
    assert lost.flags == [RecordFlag.COMMUNE_UNRESOLVED]
    assert lost.person.address is not None
    assert lost.person.address.town == "Atlantis"
    elsewhere = _record(_decrocheur(COMMUNE="Paris", CODE_POSTAL="75011"))
    assert set(elsewhere.flags) == {RecordFlag.COMMUNE_UNRESOLVED, RecordFlag.OUTSIDE_M2A}
    assert _record(_decrocheur()).person.address is None


def test_invalid_identifiers_and_contacts_are_field_errors() -> None:
    result = _decrocheur(INE="12345", TEL_MOBILE="06 12", MAIL="martin@", SEXE="X", CONNU_ML="?")
    record = _record(result)
    assert {RecordFlag.INE_INVALID, RecordFlag.PHONE_INVALID, RecordFlag.EMAIL_INVALID} <= set(
        record.flags
    )
    assert [column for column, _ in _reasons(result)] == [
        "SEXE",
        "INE",
        "TEL_MOBILE",
        "MAIL",
        "CONNU_ML",
    ]
    assert record.attributes == {
        "SEXE": "X",
        "INE": "12345",
        "TEL_MOBILE": "06 12",
        "MAIL": "martin@",
        "CONNU_ML": "?",
    }


def test_reasons_never_quote_the_value() -> None:
    result = _decrocheur(INE="SECRET-VALUE", MAIL="secret-value@", DATE_NAISSANCE="secret value")
    assert all("secret" not in reason.lower() for _, reason in _reasons(result))


@pytest.mark.parametrize(
    ("values", "column", "reason"),
    [
        ({"NOM": "", "PRENOM": ""}, None, "nothing identifies a person"),
        ({"NOM": "12", "PRENOM": "--"}, None, "nothing identifies a person"),
        ({"NOM": "=cmd|'/c calc'!A1", "PRENOM": ""}, None, "nothing identifies a person"),
        ({"ID_ELEVE_LISTE": " "}, "ID_ELEVE_LISTE", "missing record identifier"),
        ({"ID_ELEVE_LISTE": "x" * 129}, "ID_ELEVE_LISTE", "impossible record identifier"),
        ({"ADRESSE": "x" * 2_001}, "ADRESSE", "cell longer than 2,000 characters"),
    ],
)
def test_unusable_rows_are_quarantined(
    values: dict[str, str], column: str | None, reason: str
) -> None:
    result = _decrocheur(**values)
    assert result.record is None
    assert result.errors[0].column == column
    assert result.errors[0].reason.startswith(reason)
    assert result.raw["NOM"] == values.get("NOM", "MARTIN")


def test_identity_from_a_phone_alone_is_enough() -> None:
    record = _record(_decrocheur(NOM="", PRENOM="", TEL_MOBILE="0612345678"))
    assert record.person.phones == ["+33612345678"]


def test_formula_cells_are_neutralised_and_flagged() -> None:
    result = _decrocheur(ETABLISSEMENT_ORIGINE='=HYPERLINK("http://x","clic")')
    record = _record(result)
    assert record.follow_up.last_school == '\'=HYPERLINK("http://x","clic")'
    assert record.flags == [RecordFlag.FORMULA_NEUTRALISED]
    assert _reasons(result) == [("ETABLISSEMENT_ORIGINE", "spreadsheet formula neutralised")]


def test_map_row_is_pure() -> None:
    cells = row_dict(decrocheurs.COLUMNS, ID_ELEVE_LISTE="L-1", NOM="MARTIN", COMMUNE="Mulhouse")
    before = dict(cells)
    first = decrocheurs.map_row(cells, row=1, received_at=RECEIVED_AT)
    second = decrocheurs.map_row(cells, row=1, received_at=RECEIVED_AT)
    assert first == second
    assert cells == before


def test_extra_keys_are_attributes_and_none_is_empty() -> None:
    cells: dict[str, str | None] = {"ID_ELEVE_LISTE": "L-1", "NOM": "MARTIN", "PRENOM": None}
    cells["Remarque"] = "rappeler"
    record = _record(decrocheurs.map_row(cells, row=1, received_at=RECEIVED_AT))
    assert record.attributes == {"Remarque": "rappeler"}
    assert record.person.given_names == []


# -- Boussole ---------------------------------------------------------------------------------


def _boussole(**values: str) -> RowResult:
    cells = row_dict(boussole.COLUMNS, id_demande="BJ-1", prenom="Inès", nom="Dupont")
    cells.update(values)
    return boussole.map_row(cells, row=3, received_at=RECEIVED_AT)


@pytest.mark.parametrize(
    "typed", ["05/09/2004", "05/09/04", "2004-09-05", "05-09-2004", "05.09.2004", " 5/9/2004 "]
)
def test_boussole_birth_date_formats(typed: str) -> None:
    assert _record(_boussole(date_de_naissance=typed)).person.birth_date == date(2004, 9, 5)


def test_boussole_names_are_kept_as_typed() -> None:
    swapped = _record(_boussole(prenom="DUPONT", nom="inès"))
    assert (swapped.person.family_name, swapped.person.given_names) == ("inès", ["DUPONT"])
    together = _record(_boussole(prenom="", nom="Inès DUPONT"))
    assert (together.person.family_name, together.person.given_names) == ("Inès DUPONT", [])
    compound = _record(_boussole(prenom="Marie Claire"))
    assert compound.person.given_names == ["Marie Claire"]


def test_boussole_contacts_typed_in_the_wrong_field() -> None:
    record = _record(_boussole(telephone="ines.d@example.org", email="06 11 22 33 44"))
    assert record.person.emails == ["ines.d@example.org"]
    assert record.person.phones == ["+33611223344"]
    assert record.flags == []
    record = _record(_boussole(telephone="0033 6 11 22 33 44", email="Ines@Example.ORG"))
    assert (record.person.phones, record.person.emails) == (["+33611223344"], ["ines@example.org"])


def test_boussole_commune_from_code_or_town() -> None:
    by_code = _record(_boussole(ville="Mulhouse Cedex 1", code_insee="68224"))
    assert by_code.person.address.commune_insee == MULHOUSE  # type: ignore[union-attr]
    former = _record(_boussole(ville="", code_insee="68070"))  # Didenheim before 2016
    assert former.person.address.commune_insee == BRUNSTATT_DIDENHEIM  # type: ignore[union-attr]
    by_town = _record(_boussole(ville="mulhose"))  # a typo
    assert by_town.person.address.commune_insee == MULHOUSE  # type: ignore[union-attr]
    strasbourg = _record(_boussole(ville="Strasbourg", code_insee="67482"))
    assert strasbourg.person.address.commune_insee == "67482"  # type: ignore[union-attr]
    assert strasbourg.flags == [RecordFlag.OUTSIDE_M2A]
    bad_code = _boussole(ville="Mulhouse", code_insee="n/a")
    assert _record(bad_code).person.address.commune_insee == MULHOUSE  # type: ignore[union-attr]
    assert _reasons(bad_code) == [("code_insee", "not an INSEE commune code; kept in attributes")]


def test_boussole_needs_and_context() -> None:
    record = _record(
        _boussole(
            besoin="Logement / Santé",
            offre="Hébergement d'urgence",
            date_demande="2024-03-02",
            date_traitement="2024-03-05",
            commentaire="rappel fait",
        )
    )
    assert record.needs == ["logement-hebergement", "sante"]
    assert record.recorded_on == date(2024, 3, 2)
    assert record.attributes == {
        "besoin": "Logement / Santé",
        "offre": "Hébergement d'urgence",
        "date_traitement": "2024-03-05",
        "commentaire": "rappel fait",
    }


def test_boussole_age_is_taken_on_the_request_date() -> None:
    record = _record(_boussole(date_de_naissance="01/01/2008", date_demande="2023-12-31"))
    assert RecordFlag.OUT_OF_PUBLIC_AGE in record.flags


# -- perdus de vue ----------------------------------------------------------------------------


def _perdu(**values: str) -> RowResult:
    cells = row_dict(perdus_de_vue.COLUMNS, **{"Identifiant ML": "ML-1", "Nom": "GARCIA"})
    cells.update(values)
    return perdus_de_vue.map_row(cells, row=1, received_at=RECEIVED_AT)


def test_perdu_de_vue_row() -> None:
    result = _perdu(
        **{
            "Nom d'usage": "ROTH",
            "Prénom": "Maria",
            "Sexe": "F",
            "Date de naissance": "1999-01-30",
            "Commune": "Kingersheim",
            "Code postal": "68260",
            "Téléphone": "06 55 66 77 88",
            "Courriel": "maria@example.org",
            "INE": "1234A12345B",
            "Date dernier contact": "2023-05-02",
            "Conseiller référent": "Conseiller B",
            "Dispositif": "Garantie jeunes",
            "Situation": "Formation",
        }
    )
    record = _record(result)
    assert result.errors == ()
    assert record.person.usage_name == "ROTH"
    assert record.person.birth_date == date(1999, 1, 30)
    assert record.person.ine == "1234A12345B"
    assert record.follow_up.known_to_mission_locale is True
    assert record.follow_up.dispositif is Dispositif.GARANTIE_JEUNES
    assert record.follow_up.last_contact_on == date(2023, 5, 2)
    assert record.attributes == {"Conseiller référent": "Conseiller B", "Situation": "Formation"}


def test_perdu_de_vue_map_row_takes_another_source_name() -> None:
    record = _record(
        perdus_de_vue.map_row(
            {"Identifiant ML": "ML-1", "Nom": "GARCIA"},
            row=1,
            received_at=RECEIVED_AT,
            source="imilo-feed",
        )
    )
    assert record.source == "imilo-feed"


def test_perdu_de_vue_unknown_dispositif() -> None:
    result = _perdu(Dispositif="PPAE")
    assert _record(result).follow_up.dispositif is None
    assert _reasons(result)[0][0] == "Dispositif"
