"""Eligibility zones and needs matching (pure functions)."""

from __future__ import annotations

import pytest

from hub.directory.matching import category_of, match_needs, thematique_filter_matches
from hub.directory.zones import departement_of, place_of, zone_covers

MULHOUSE = "68224"
M2A = "200066009"
DIDENHEIM_FORMER = "68070"  # merged into Brunstatt-Didenheim (68056), an m2A commune
COLMAR = "68066"


def test_departement_of_metropolitan_corsican_and_overseas_codes() -> None:
    assert departement_of("68224") == "68"
    assert departement_of("2A004") == "2A"
    assert departement_of("97411") == "974"


def test_commune_epci_and_departement_zones_cover_mulhouse() -> None:
    mulhouse = place_of(MULHOUSE)
    assert mulhouse.epci_siren == M2A
    assert zone_covers([MULHOUSE], mulhouse)
    assert zone_covers([M2A], mulhouse)
    assert zone_covers(["68"], mulhouse)
    assert zone_covers(["france"], mulhouse)
    assert zone_covers(["99100"], mulhouse)
    assert zone_covers(None, mulhouse)


def test_zones_elsewhere_do_not_cover() -> None:
    mulhouse = place_of(MULHOUSE)
    assert not zone_covers([COLMAR], mulhouse)
    assert not zone_covers(["67"], mulhouse)
    assert not zone_covers(["200000000"], mulhouse)
    colmar = place_of(COLMAR)
    assert not zone_covers([M2A], colmar)
    assert zone_covers(["68"], colmar)


def test_former_commune_answers_for_its_successor() -> None:
    didenheim = place_of(DIDENHEIM_FORMER)
    assert didenheim.current_insee == "68056"
    assert zone_covers(["68056"], didenheim)
    assert zone_covers([M2A], didenheim)


def test_unknown_place_is_covered_only_by_unrestricted_zones() -> None:
    assert zone_covers(None, None)
    assert zone_covers(["france"], None)
    assert not zone_covers([M2A], None)


def test_commune_outside_the_reference_list_still_has_its_departement() -> None:
    strasbourg = place_of("67482")
    assert strasbourg.epci_siren is None
    assert zone_covers(["67"], strasbourg)
    assert not zone_covers(["68"], strasbourg)


@pytest.mark.parametrize(
    ("offered", "needs", "exact", "related"),
    [
        (
            ["logement-hebergement--louer-un-logement"],
            ["logement-hebergement--louer-un-logement"],
            ("logement-hebergement--louer-un-logement",),
            (),
        ),
        (
            ["logement-hebergement--louer-un-logement"],
            ["logement-hebergement"],
            ("logement-hebergement",),
            (),
        ),
        (
            ["logement-hebergement--louer-un-logement"],
            ["logement-hebergement--changer-de-logement"],
            (),
            ("logement-hebergement--changer-de-logement",),
        ),
        (["sante--acces-aux-soins"], ["mobilite--preparer-un-permis"], (), ()),
    ],
)
def test_needs_match_exactly_by_category_or_not_at_all(
    offered: list[str], needs: list[str], exact: tuple[str, ...], related: tuple[str, ...]
) -> None:
    found = match_needs(offered, needs)
    assert (found.exact, found.related) == (exact, related)
    assert found.any == bool(exact or related)


def test_exact_answers_outscore_related_ones() -> None:
    exact = match_needs(["sante--acces-aux-soins"], ["sante--acces-aux-soins"])
    related = match_needs(["sante--sante-mentale"], ["sante--acces-aux-soins"])
    assert exact.score > related.score > 0


def test_thematique_filter_takes_a_thematique_or_a_whole_category() -> None:
    offered = ["mobilite--preparer-un-permis"]
    assert thematique_filter_matches(offered, "mobilite")
    assert thematique_filter_matches(offered, "mobilite--preparer-un-permis")
    assert not thematique_filter_matches(offered, "mobilite--financer-ma-mobilite")
    assert not thematique_filter_matches(offered, "sante")
    assert category_of("mobilite--preparer-un-permis") == "mobilite"
