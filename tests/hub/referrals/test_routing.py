"""The routing engine on the shipped rules: one named case per rule (pure functions)."""

from __future__ import annotations

import uuid

from hub.directory.zones import place_of
from hub.referrals.routing import Candidate, Facts, decide
from hub.referrals.rules import load_rules, parse_rules
from hub.referrals.vocabulary import Priority

MULHOUSE = "68224"
COLMAR = "68066"
M2A = "200066009"

ML_ORG = uuid.uuid4()
FT_ORG = uuid.uuid4()
LOGEMENT_ORG = uuid.uuid4()
SANTE_ORG = uuid.uuid4()


def candidate(
    external_id: str,
    organisation_id: uuid.UUID,
    kind: str,
    *,
    thematiques: tuple[str, ...] = (),
    zone: tuple[str, ...] | None = (M2A,),
    reseaux: tuple[str, ...] = (),
    publics: tuple[str, ...] | None = ("jeunes",),
    capacity: int | None = None,
    open_referrals: int = 0,
    delay: int = 14,
) -> Candidate:
    return Candidate(
        service_id=uuid.uuid5(uuid.NAMESPACE_URL, external_id),
        external_id=external_id,
        name=external_id,
        organisation_id=organisation_id,
        organisation_kind=kind,
        reseaux_porteurs=reseaux,
        thematiques=thematiques,
        publics=publics,
        zone=zone,
        capacity=capacity,
        open_referrals=open_referrals,
        response_delay_days=delay,
    )


DIRECTORY = [
    candidate(
        "ml",
        ML_ORG,
        "mission_locale",
        thematiques=(
            "se-former--trouver-sa-formation",
            "trouver-un-emploi--repondre-a-des-offres-demploi",
        ),
        reseaux=("mission-locale",),
    ),
    candidate(
        "france-travail",
        FT_ORG,
        "partner",
        thematiques=("trouver-un-emploi--repondre-a-des-offres-demploi",),
        zone=("68",),
        reseaux=("france-travail",),
        publics=("tous-publics",),
    ),
    candidate(
        "logement",
        LOGEMENT_ORG,
        "partner",
        thematiques=("logement-hebergement--louer-un-logement",),
        capacity=2,
    ),
    candidate("sante", SANTE_ORG, "partner", thematiques=("sante--acces-aux-soins",)),
]


def facts(**overrides: object) -> Facts:
    values: dict[str, object] = {
        "source": "outreach",
        "age": 19,
        "place": place_of(MULHOUSE),
        "in_m2a": True,
        "rural": False,
        "lives_in_qpv": False,
    }
    values.update(overrides)
    return Facts(**values)  # type: ignore[arg-type]


def fired(decision_facts: Facts) -> list[str]:
    return [rule.id for rule in decide(load_rules(), decision_facts, DIRECTORY).fired]


def test_19_year_old_in_mulhouse_goes_to_the_mission_locale() -> None:
    decision = decide(load_rules(), facts(), DIRECTORY)
    assert decision.organisation_id == ML_ORG
    assert [rule.id for rule in decision.fired] == ["mission-locale-16-25"]
    assert decision.fired[0].facts == {"age": 19}
    assert "16-25" in decision.fired[0].why
    assert decision.priority is Priority.ROUTINE


def test_16_17_year_olds_fall_under_the_obligation_de_formation() -> None:
    decision = decide(load_rules(), facts(age=16), DIRECTORY)
    assert decision.organisation_id == ML_ORG
    assert [rule.id for rule in decision.fired] == ["obligation-de-formation"]


def test_known_to_the_mission_locale_goes_back_to_it_even_with_other_needs() -> None:
    decision = decide(
        load_rules(),
        facts(
            age=22, known_to_mission_locale=True, needs=("logement-hebergement--louer-un-logement",)
        ),
        DIRECTORY,
    )
    assert decision.organisation_id == ML_ORG
    assert decision.fired[0].id == "back-to-mission-locale"
    assert decision.fired[0].facts == {"known_to_mission_locale": True, "age": 22}


def test_26_29_go_to_the_partner_answering_their_needs() -> None:
    decision = decide(
        load_rules(), facts(age=27, needs=("logement-hebergement--louer-un-logement",)), DIRECTORY
    )
    assert decision.organisation_id == LOGEMENT_ORG
    assert [rule.id for rule in decision.fired] == ["partners-26-29"]
    assert not decision.via_fallback
    assert decision.candidates[0]["service"] == "logement"
    assert decision.candidates[0]["needs_answered"] == ["logement-hebergement--louer-un-logement"]


def test_26_29_without_a_fitting_partner_fall_back_to_france_travail() -> None:
    decision = decide(
        load_rules(), facts(age=28, needs=("mobilite--preparer-un-permis",)), DIRECTORY
    )
    assert decision.organisation_id == FT_ORG
    assert decision.via_fallback
    assert any("fallback" in note for note in decision.notes)


def test_26_29_partner_outside_their_zone_is_excluded_with_the_reason() -> None:
    decision = decide(
        load_rules(),
        facts(age=27, place=place_of(COLMAR), in_m2a=False, needs=("sante--acces-aux-soins",)),
        DIRECTORY,
    )
    assert decision.organisation_id == FT_ORG  # zone 68 covers Colmar; the m2A partner does not
    excluded = {c["service"]: c.get("excluded") for c in decision.candidates}
    assert excluded["sante"] == "zone does not cover the commune"


def test_out_of_public_is_held_with_the_reason() -> None:
    for age in (15, 30):
        decision = decide(load_rules(), facts(age=age), DIRECTORY)
        assert decision.held
        assert not decision.routed
        assert [rule.id for rule in decision.fired] == ["out-of-public"]


def test_qpv_and_rural_residents_are_served_first() -> None:
    qpv = decide(load_rules(), facts(lives_in_qpv=True), DIRECTORY)
    assert qpv.priority is Priority.URGENT
    assert [rule.id for rule in qpv.fired] == ["qpv-first", "mission-locale-16-25"]
    rural = decide(load_rules(), facts(rural=True), DIRECTORY)
    assert rural.priority is Priority.URGENT
    assert "rural-first" in [rule.id for rule in rural.fired]
    unknown = decide(load_rules(), facts(lives_in_qpv=None, rural=None), DIRECTORY)
    assert unknown.priority is Priority.ROUTINE


def test_unknown_age_goes_to_the_mission_locale_to_assess() -> None:
    decision = decide(load_rules(), facts(age=None), DIRECTORY)
    assert decision.organisation_id == ML_ORG
    assert [rule.id for rule in decision.fired] == ["age-unknown"]


def test_unknown_commune_is_not_checked_against_zones_and_says_so() -> None:
    decision = decide(load_rules(), facts(place=None, in_m2a=None, rural=None), DIRECTORY)
    assert decision.organisation_id == ML_ORG
    assert "commune unknown: eligibility zones were not checked" in decision.notes


def test_no_service_leaves_the_referral_unrouted_with_the_reason() -> None:
    decision = decide(load_rules(), facts(), [])
    assert not decision.routed
    assert not decision.held
    assert any("no service" in note for note in decision.notes)


def test_a_full_service_yields_to_one_with_room() -> None:
    room = candidate(
        "logement-2",
        uuid.uuid4(),
        "partner",
        thematiques=("logement-hebergement--louer-un-logement",),
    )
    full = candidate(
        "logement-full",
        LOGEMENT_ORG,
        "partner",
        thematiques=("logement-hebergement--louer-un-logement",),
        capacity=2,
        open_referrals=2,
    )
    decision = decide(
        load_rules(),
        facts(age=27, needs=("logement-hebergement--louer-un-logement",)),
        [full, room],
    )
    assert decision.service_id == room.service_id
    only_full = decide(
        load_rules(), facts(age=27, needs=("logement-hebergement--louer-un-logement",)), [full]
    )
    assert only_full.service_id == full.service_id
    assert any("full" in note for note in only_full.notes)


def test_public_restrictions_are_respected() -> None:
    women_only = candidate(
        "femmes",
        uuid.uuid4(),
        "partner",
        thematiques=("sante--acces-aux-soins",),
        publics=("femmes",),
    )
    men = decide(
        load_rules(), facts(age=27, sex="M", needs=("sante--acces-aux-soins",)), [women_only]
    )
    assert not men.routed
    women = decide(
        load_rules(), facts(age=27, sex="F", needs=("sante--acces-aux-soins",)), [women_only]
    )
    assert women.service_id == women_only.service_id


def test_more_local_and_better_matching_services_rank_first() -> None:
    local = candidate(
        "local", uuid.uuid4(), "partner", thematiques=("sante--acces-aux-soins",), zone=(MULHOUSE,)
    )
    wide = candidate(
        "wide", uuid.uuid4(), "partner", thematiques=("sante--acces-aux-soins",), zone=("68",)
    )
    related = candidate(
        "related", uuid.uuid4(), "partner", thematiques=("sante--sante-mentale",), zone=(MULHOUSE,)
    )
    decision = decide(
        load_rules(), facts(age=27, needs=("sante--acces-aux-soins",)), [wide, related, local]
    )
    assert [c["service"] for c in decision.candidates] == ["local", "wide", "related"]


def test_decision_serialises_without_identity() -> None:
    stored = decide(load_rules(), facts(), DIRECTORY).as_dict()
    assert set(stored) == {
        "rules",
        "facts",
        "fired",
        "priority",
        "held",
        "service_id",
        "organisation_id",
        "via_fallback",
        "candidates",
        "notes",
    }
    assert set(stored["facts"]) == {
        "source",
        "age",
        "known_to_mission_locale",
        "lives_in_qpv",
        "rural",
        "in_m2a",
        "commune_insee",
        "needs",
    }


def test_custom_rules_with_needs_and_sources_conditions() -> None:
    rules = parse_rules(
        b"""
version = 1
[[rule]]
id = "housing-emergency"
why = "Housing first for Boussole requests about housing."
action = "route"
when.needs_any = ["logement-hebergement"]
when.sources = ["boussole"]
target.services = ["logement"]
[[rule]]
id = "rest"
why = "Everyone else to the Mission Locale."
action = "route"
target.reseaux_porteurs = ["mission-locale"]
"""
    )
    housing = facts(source="boussole", needs=("logement-hebergement--louer-un-logement",))
    assert decide(rules, housing, DIRECTORY).organisation_id == LOGEMENT_ORG
    assert (
        decide(rules, facts(source="outreach", needs=housing.needs), DIRECTORY).organisation_id
        == ML_ORG
    )
