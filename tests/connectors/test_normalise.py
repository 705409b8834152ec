"""Pure normalisers."""

from __future__ import annotations

import random
import unicodedata
from datetime import date, datetime

import phonenumbers
import pytest

from connectors.normalise import (
    DAY_FIRST_FORMATS,
    ISO_FIRST_FORMATS,
    age_on,
    clean_cell,
    fold,
    header_key,
    is_formula,
    map_needs,
    name_key,
    name_key_without_particles,
    name_tokens,
    normalise_email,
    normalise_ine,
    parse_date,
    parse_dispositif,
    parse_period_start,
    parse_sex,
    parse_yes_no,
    split_full_name,
    split_given_names,
    split_phones,
    strip_controls,
    to_e164,
)
from schemas.v1 import Dispositif, Sex


def test_fold_ignores_case_accents_and_separators() -> None:
    nfd = unicodedata.normalize("NFD", "Éloïse D'Hôte-Lefèvre")
    assert fold(nfd) == "eloise d hote lefevre"
    assert fold("  Cœur   de\u00a0Lion ") == "coeur de lion"
    assert fold("O’Neil") == fold("O'Neil") == "o neil"
    assert fold("STRAßE") == "strasse"


def test_header_key_matches_the_usual_variants() -> None:
    assert header_key("Date_Naissance ") == header_key("date naissance")
    assert header_key("Prénom") == header_key("PRENOM")
    assert header_key("Nom d’usage") == header_key("nom d'usage")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Dupont  ", "Dupont"),
        ("Du\u00a0Pont\u202f", "Du Pont"),
        ("Mar\x00ie\x07", "Marie"),
        ("Line 1\r\nLine 2", "Line 1\nLine 2"),
        ("a\tb", "a b"),
        (unicodedata.normalize("NFD", "Hélène"), "Hélène"),
        ("=1+2", "'=1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd", "'-2+3+cmd"),
        ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),
        ("-12.5", "-12.5"),
        ("-", "-"),
        (None, ""),
    ],
)
def test_clean_cell(raw: str | None, expected: str) -> None:
    assert clean_cell(raw) == expected


def test_formula_detection_is_on_stripped_text() -> None:
    assert is_formula(strip_controls("\t =A1"))
    assert not is_formula("Jean-Pierre")
    assert not is_formula("")


def test_name_helpers() -> None:
    assert name_tokens("Ben Salah-Dupont") == ["ben", "salah", "dupont"]
    assert name_key("De La Tour") == name_key("DELATOUR") == "delatour"
    assert name_key_without_particles("de la Tour") == "tour"
    assert name_key_without_particles("Le") == "le"
    assert split_given_names("Marie Claire Anne", on_spaces=True) == ["Marie", "Claire", "Anne"]
    assert split_given_names("Jean-Pierre, Paul", on_spaces=True) == ["Jean-Pierre", "Paul"]
    assert split_given_names("Marie Claire", on_spaces=False) == ["Marie Claire"]
    assert split_full_name("DUPONT Marie") == ("DUPONT", ["Marie"])
    assert split_full_name("marie dupont") is None
    assert split_full_name("Marie") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14/03/2006", date(2006, 3, 14)),
        ("2006-03-14", date(2006, 3, 14)),
        ("14-03-2006", date(2006, 3, 14)),
        ("14.03.2006", date(2006, 3, 14)),
        (" 14 / 03 / 2006 ", date(2006, 3, 14)),
        ("14/03/06", date(2006, 3, 14)),
        ("14/03/98", date(1998, 3, 14)),
        ("2006-03-14 00:00:00", date(2006, 3, 14)),
        ("2006-03-14T10:20:00Z", date(2006, 3, 14)),
        ("1er mars 2006", date(2006, 3, 1)),
        ("14 février 2006", date(2006, 2, 14)),
        ("31/02/2006", None),
        ("13/13/2006", None),
        ("hier", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_parse_date_format_order() -> None:
    assert parse_date("2006-03-04", ISO_FIRST_FORMATS) == date(2006, 3, 4)
    assert parse_date("04/03/2006", ISO_FIRST_FORMATS) == date(2006, 3, 4)
    assert parse_date("2006-03-04", ("%d/%m/%Y",)) is None
    assert "%d/%m/%Y" in DAY_FIRST_FORMATS


def test_parse_period_start() -> None:
    assert parse_period_start("2024-03") == date(2024, 3, 1)
    assert parse_period_start("03/2024") == date(2024, 3, 1)
    assert parse_period_start("Mars 2024") == date(2024, 3, 1)
    assert parse_period_start("15/03/2024") == date(2024, 3, 15)
    assert parse_period_start("2023-2024") is None
    assert parse_period_start("campagne de printemps") is None


def test_age_on() -> None:
    assert age_on(date(2008, 4, 2), date(2024, 4, 2)) == 16
    assert age_on(date(2008, 4, 3), date(2024, 4, 2)) == 15
    assert age_on(date(2008, 2, 29), date(2024, 2, 28)) == 15


@pytest.mark.parametrize(
    "text",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33612345678",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
        "612345678",
        "Tél : 06 12 34 56 78",
    ],
)
def test_to_e164_accepts_the_usual_spellings(text: str) -> None:
    assert to_e164(text) == "+33612345678"


@pytest.mark.parametrize("text", ["", "12", "06 12 34", "not a phone", "0" * 50, None])
def test_to_e164_refuses_non_numbers(text: str | None) -> None:
    assert to_e164(text) is None


def test_landlines_foreign_numbers_and_lists() -> None:
    assert to_e164("03 89 12 34 56") == "+33389123456"
    assert to_e164("+41 61 123 45 67") == "+41611234567"
    assert split_phones("06 12 34 56 78 / 03 89 12 34 56") == ["+33612345678", "+33389123456"]
    assert split_phones("06 12 34 56 78 ou 07 61 22 33 44") == ["+33612345678", "+33761223344"]
    assert split_phones("rien") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lea.Martin@Example.ORG", "lea.martin@example.org"),
        (" mailto:lea@example.org ", "lea@example.org"),
        ("<lea@example.org>", "lea@example.org"),
        ("lea @ example.org", "lea@example.org"),
        ("lea@example", None),
        ("lea@@example.org", None),
        ("lea..x@example.org", None),
        ("lea@example.org.", None),
        ("pas de mail", None),
        (None, None),
    ],
)
def test_normalise_email(text: str | None, expected: str | None) -> None:
    assert normalise_email(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123456789AB", "123456789AB"),
        ("123 456 789 ab", "123456789AB"),
        ("1234567890A", "1234567890A"),
        ("1234a12345b", "1234A12345B"),
        ("12345678AB", None),
        ("123456789A1", None),
        ("", None),
    ],
)
def test_normalise_ine(text: str, expected: str | None) -> None:
    assert normalise_ine(text) == expected


def test_small_vocabularies() -> None:
    assert parse_sex("m") is Sex.MALE
    assert parse_sex("Homme") is Sex.MALE
    assert parse_sex("Féminin") is Sex.FEMALE
    assert parse_sex("2") is Sex.FEMALE
    assert parse_sex("X") is None
    assert parse_yes_no("O") is True
    assert parse_yes_no("non") is False
    assert parse_yes_no("peut-être") is None
    assert parse_dispositif("Garantie Jeunes") is Dispositif.GARANTIE_JEUNES
    assert parse_dispositif("cej") is Dispositif.CEJ
    assert parse_dispositif("PPAE") is None


def test_map_needs_to_data_inclusion_categories() -> None:
    known = {"sante", "sante--addictions", "logement-hebergement"}
    assert map_needs("Logement", known) == ["logement-hebergement"]
    assert map_needs("emploi, santé", known) == ["trouver-un-emploi", "sante"]
    assert map_needs("Formation et permis de conduire", known) == ["se-former", "mobilite"]
    assert map_needs("sante--addictions", known) == ["sante--addictions"]
    assert map_needs("je ne sais pas", known) == []
    assert map_needs("information", known) == []  # "formation" only at the start of a word


def test_french_fast_path_agrees_with_phonenumbers() -> None:
    rng = random.Random(7)
    for _ in range(3_000):
        national = str(rng.randint(100_000_000, 999_999_999))
        for typed in (f"0{national}", f"+33 {national}", f"0033{national}", national):
            expected = None
            parsed = phonenumbers.parse(typed, "FR")
            if phonenumbers.is_valid_number(parsed):
                expected = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            assert to_e164(typed) == expected, typed


def test_date_fast_path_agrees_with_strptime() -> None:
    rng = random.Random(11)
    for _ in range(3_000):
        day, month, year = rng.randint(0, 32), rng.randint(0, 13), rng.randint(1890, 2030)
        for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d%m%Y"):
            typed = fmt.replace("%d", f"{day:02d}").replace("%m", f"{month:02d}")
            typed = typed.replace("%Y", str(year))
            try:
                expected: date | None = datetime.strptime(typed, fmt).date()  # noqa: DTZ007
            except ValueError:
                expected = None
            assert parse_date(typed, (fmt,)) == expected, typed
    assert parse_date("1/2/2006", ("%d/%m/%Y",)) == date(2006, 2, 1)
    assert parse_date("12/2006", ("%m/%Y",)) == date(2006, 12, 1)
    # Other directives go to strptime.
    assert parse_date("2006 j032", ("%Y j%j",)) == date(2006, 2, 1)
