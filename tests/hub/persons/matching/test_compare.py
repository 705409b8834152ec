"""Named cases of French identity data: each variation links, siblings and twins do not."""

from __future__ import annotations

from datetime import date

import pytest

from hub.persons.matching import blocking_keys, compare
from hub.persons.matching.text import phonetic
from tests.hub.persons.matching.factories import rec

HOUSEHOLD = "+33611223344"
FAMILY_MAIL = "famille.martin@example.org"


def assert_linked(a, b) -> None:  # type: ignore[no-untyped-def]
    result = compare(a, b)
    assert result.is_match, result.evidence()
    # Blocking must bring the pair together in the first place.
    assert set(blocking_keys(a)) & set(blocking_keys(b)), "no shared blocking key"


def assert_apart(a, b) -> None:  # type: ignore[no-untyped-def]
    result = compare(a, b)
    assert not result.is_match, result.evidence()


# -- variations of one person ------------------------------------------------------------


def test_accents_and_case() -> None:
    assert_linked(rec("a", "MÜLLER", ["ÉLODIE"]), rec("b", "muller", ["Elodie"]))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Martin-Dubois", "Martin Dubois"),
        ("Martin-Dubois", "MARTINDUBOIS"),
        ("Martin-Dubois", "Martin"),
        ("Martin Dubois", "Dubois"),
    ],
    ids=["hyphen-vs-space", "glued", "second-part-dropped", "first-part-dropped"],
)
def test_compound_family_names(one: str, other: str) -> None:
    assert_linked(rec("a", one, ["Inès"]), rec("b", other, ["Ines"]))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("El Amrani", "ELAMRANI"),
        ("El Amrani", "Amrani"),
        ("Ben Salah", "BENSALAH"),
        ("De la Fontaine", "Delafontaine"),
        ("De la Fontaine", "FONTAINE"),
        ("Van der Berg", "van-der-berg"),
        ("D'Angelo", "DANGELO"),
    ],
)
def test_particles(one: str, other: str) -> None:
    assert_linked(rec("a", one, ["Yasmine"]), rec("b", other, ["Yasmine"]))


def test_all_given_names_versus_the_usual_one() -> None:
    assert_linked(rec("a", "Weber", ["Marie", "Claire", "Anne"]), rec("b", "WEBER", ["Marie"]))


def test_usual_given_name_is_not_the_first() -> None:
    assert_linked(rec("a", "Weber", ["Marie", "Claire", "Anne"]), rec("b", "Weber", ["Claire"]))


@pytest.mark.parametrize("other", ["Jean Pierre", "JEANPIERRE", "Jean"])
def test_compound_given_names(other: str) -> None:
    assert_linked(rec("a", "Keller", ["Jean-Pierre"]), rec("b", "Keller", [other]))


def test_two_compound_given_names_sharing_a_part_are_different_people() -> None:
    result = compare(rec("a", "Keller", ["Marie-Claire"]), rec("b", "Keller", ["Marie-Anne"]))
    assert not result.is_match


def test_first_and_family_name_swapped() -> None:
    assert_linked(rec("a", "Lucas", ["Martin"]), rec("b", "Martin", ["Lucas"]))


@pytest.mark.parametrize(
    ("family", "given"),
    [("MARTIN Lucas", []), ("Lucas Martin", []), (None, ["Lucas Martin"])],
    ids=["family-first", "given-first", "in-the-given-field"],
)
def test_both_names_typed_in_one_field(family: str | None, given: list[str]) -> None:
    assert_linked(rec("a", family, given), rec("b", "Martin", ["Lucas"]))


def test_usage_name_versus_birth_name() -> None:
    # i-milo knows both names; the young person typed the married name on the Boussole.
    assert_linked(
        rec("a", "Schmitt", ["Sarah"], usage="Haddad", sex="F"),
        rec("b", "HADDAD", ["sarah"]),
    )


def test_married_name_with_a_shared_e_mail_and_no_birth_date() -> None:
    assert_linked(
        rec("a", "Schmitt", ["Sarah"], emails=["sarah.s@example.org"]),
        rec("b", "Haddad", ["Sarah"], birth=None, emails=["sarah.s@example.org"]),
    )


@pytest.mark.parametrize(
    ("family", "given"),
    [("Shneider", "Mathilde"), ("Schneider", "Mathidle"), ("Schnieder", "Matilde")],
)
def test_typos(family: str, given: str) -> None:
    assert_linked(rec("a", "Schneider", ["Mathilde"]), rec("b", family, [given]))


@pytest.mark.parametrize(
    ("one", "other"),
    [("Alexandre", "Alex"), ("Mohamed", "Mohammed"), ("Maxime", "Max"), ("Youssef", "Yusuf")],
)
def test_nicknames_and_spelling_variants(one: str, other: str) -> None:
    assert_linked(rec("a", "Haddad", [one]), rec("b", "Haddad", [other]))


def test_birth_date_with_day_and_month_swapped() -> None:
    assert_linked(rec("a", birth=date(2005, 3, 4)), rec("b", birth=date(2005, 4, 3)))


def test_birth_date_with_one_mistyped_digit_and_the_same_phone() -> None:
    assert_linked(
        rec("a", birth=date(2005, 3, 14), phones=["+33612345678"]),
        rec("b", birth=date(2005, 3, 15), phones=["+33612345678"]),
    )


def test_missing_birth_date_with_the_same_phone() -> None:
    assert_linked(rec("a", phones=["+33612345678"]), rec("b", birth=None, phones=["+33612345678"]))


def test_changed_phone_and_e_mail() -> None:
    assert_linked(
        rec("a", phones=["+33611111111"], emails=["old@example.org"], sex="M"),
        rec("b", phones=["+33622222222"], emails=["new@example.org"], sex="M"),
    )


def test_same_ine_despite_a_misspelt_name() -> None:
    result = compare(rec("a", "Martin", ine="123456789AB"), rec("b", "Matrin", ine="123456789AB"))
    assert result.rule == "ine"


def test_mistyped_ine_with_the_same_identity() -> None:
    assert_linked(rec("a", ine="123456789AB"), rec("b", ine="123456780AB"))


# -- different people ---------------------------------------------------------------------


def test_siblings_sharing_family_name_address_and_household_phone_stay_apart() -> None:
    older = rec("a", "Meyer", ["Hugo"], birth=date(2003, 5, 2), phones=[HOUSEHOLD], sex="M")
    younger = rec("b", "Meyer", ["Jade"], birth=date(2006, 9, 30), phones=[HOUSEHOLD], sex="F")
    result = compare(older, younger)
    assert result.veto
    assert not result.is_match


def test_twins_sharing_everything_but_the_given_name_stay_apart() -> None:
    one = rec("a", "Meyer", ["Hugo"], phones=[HOUSEHOLD], emails=[FAMILY_MAIL], sex="M")
    two = rec("b", "Meyer", ["Nathan"], phones=[HOUSEHOLD], emails=[FAMILY_MAIL], sex="M")
    result = compare(one, two)
    assert result.veto
    assert not result.is_match
    assert result.is_conflict


def test_twins_with_close_names_but_different_sexes_stay_apart() -> None:
    assert_apart(
        rec("a", "Meyer", ["Léa"], sex="F", phones=[HOUSEHOLD]),
        rec("b", "Meyer", ["Léo"], sex="M", phones=[HOUSEHOLD]),
    )


def test_household_phone_alone_does_not_link_a_sibling_without_birth_date() -> None:
    assert_apart(
        rec("a", "Meyer", ["Hugo"], phones=[HOUSEHOLD]),
        rec("b", "Meyer", ["Jade"], birth=None, phones=[HOUSEHOLD]),
    )


def test_namesakes_born_on_different_days_stay_apart() -> None:
    assert_apart(rec("a", birth=date(2001, 2, 3)), rec("b", birth=date(2004, 11, 23)))


def test_namesake_without_birth_date_or_contact_is_not_linked() -> None:
    assert_apart(rec("a"), rec("b", birth=None))


def test_same_ine_never_links_records_that_disagree_on_everything() -> None:
    result = compare(
        rec("a", "Martin", ["Lucas"], ine="123456789AB", birth=date(2001, 1, 1)),
        rec("b", "Martin", ["Jade"], ine="123456789AB", birth=date(2008, 12, 31)),
    )
    assert result.rule != "ine"


def test_evidence_holds_levels_not_values() -> None:
    evidence = compare(
        rec("a", "Meyer", ["Hugo"], phones=[HOUSEHOLD]), rec("b", "Meyer", ["Hugo"])
    ).evidence()
    text = repr(evidence).lower()
    assert "meyer" not in text
    assert "hugo" not in text
    assert HOUSEHOLD not in text
    assert evidence["birth_date"] == "exact"


def test_phonetic_codes_fold_usual_spelling_variants() -> None:
    assert phonetic("muller") == phonetic("mueller")
    assert phonetic("schmitt") == phonetic("schmidt")
    assert phonetic("kevin") == phonetic("kevyn")
    assert phonetic("lucas") != phonetic("hugo")
