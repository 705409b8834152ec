"""The routing engine: facts about a young person + rules + directory -> an explained decision.

Pure functions: the service layer gathers the facts and the candidate services, this module
decides. Every decision lists the rules that fired, the facts each one read and the
services considered, so that anyone can see why a young person went where they went.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.directory.matching import category_of, match_needs
from hub.directory.zones import Place, zone_covers
from hub.referrals.rules import Action, Conditions, NeedsMode, Rule, RuleSet, Target
from hub.referrals.vocabulary import Priority

MAX_CANDIDATES_SHOWN = 5


@dataclass(frozen=True)
class Facts:
    """What routing may know about a young person (no identity: no name, no contact)."""

    source: str
    age: int | None = None
    known_to_mission_locale: bool | None = None
    lives_in_qpv: bool | None = None
    rural: bool | None = None
    in_m2a: bool | None = None
    sex: str | None = None
    place: Place | None = None
    needs: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "age": self.age,
            "known_to_mission_locale": self.known_to_mission_locale,
            "lives_in_qpv": self.lives_in_qpv,
            "rural": self.rural,
            "in_m2a": self.in_m2a,
            "commune_insee": self.place.current_insee if self.place else None,
            "needs": list(self.needs),
        }


@dataclass(frozen=True)
class Candidate:
    """A directory service as routing sees it."""

    service_id: uuid.UUID
    external_id: str
    name: str
    organisation_id: uuid.UUID
    organisation_kind: str
    reseaux_porteurs: tuple[str, ...]
    thematiques: tuple[str, ...]
    publics: tuple[str, ...] | None
    zone: tuple[str, ...] | None
    capacity: int | None
    open_referrals: int
    response_delay_days: int

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.open_referrals >= self.capacity


@dataclass(frozen=True)
class FiredRule:
    id: str
    action: str
    why: str
    facts: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "action": self.action, "why": self.why, "facts": self.facts}


@dataclass
class Decision:
    """The outcome of routing one referral."""

    rules: str
    facts: dict[str, Any]
    fired: list[FiredRule] = field(default_factory=list)
    priority: Priority = Priority.ROUTINE
    held: bool = False
    service_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    via_fallback: bool = False
    candidates: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def routed(self) -> bool:
        return self.organisation_id is not None

    def as_dict(self) -> dict[str, Any]:
        """JSON form stored with the referral (no personal data: facts are not identity)."""
        return {
            "rules": self.rules,
            "facts": self.facts,
            "fired": [rule.as_dict() for rule in self.fired],
            "priority": self.priority.value,
            "held": self.held,
            "service_id": str(self.service_id) if self.service_id else None,
            "organisation_id": str(self.organisation_id) if self.organisation_id else None,
            "via_fallback": self.via_fallback,
            "candidates": self.candidates,
            "notes": self.notes,
        }


def person_publics(facts: Facts) -> set[str]:
    """data·inclusion publics the young person belongs to, as far as the facts tell."""
    publics = {"tous-publics", "jeunes"}
    if facts.lives_in_qpv:
        publics.add("residents-qpv-frr")
    if facts.sex == "F":
        publics.add("femmes")
    return publics


def _condition_facts(when: Conditions, facts: Facts) -> dict[str, Any] | None:
    """The facts read by ``when`` when every condition holds, else None."""
    read: dict[str, Any] = {}
    if when.age is not None:
        if facts.age is None or not when.age[0] <= facts.age <= when.age[1]:
            return None
        read["age"] = facts.age
    if when.age_outside is not None:
        if facts.age is None or when.age_outside[0] <= facts.age <= when.age_outside[1]:
            return None
        read["age"] = facts.age
    if when.age_known is not None:
        if (facts.age is not None) is not when.age_known:
            return None
        read["age_known"] = facts.age is not None
    for name in ("known_to_mission_locale", "lives_in_qpv", "rural", "in_m2a"):
        wanted = getattr(when, name)
        if wanted is None:
            continue
        actual = getattr(facts, name)
        if actual is None or actual is not wanted:
            return None
        read[name] = actual
    if when.needs_any is not None:
        # A category in the condition covers its thématiques; a thématique only itself.
        listed = set(when.needs_any)
        hits = [need for need in facts.needs if need in listed or category_of(need) in listed]
        if not hits:
            return None
        read["needs"] = hits
    if when.sources is not None:
        if facts.source not in {s.value for s in when.sources}:
            return None
        read["source"] = facts.source
    return read


def _selected(target: Target, candidate: Candidate) -> bool:
    if target.organisation_kinds and candidate.organisation_kind not in {
        k.value for k in target.organisation_kinds
    }:
        return False
    if target.reseaux_porteurs and not (
        {r.value for r in target.reseaux_porteurs} & set(candidate.reseaux_porteurs)
    ):
        return False
    return not (target.services and candidate.external_id not in target.services)


def _zone_rank(candidate: Candidate, place: Place | None) -> int:
    """More local services first: commune, then EPCI, département, wider."""
    if place is None or not candidate.zone:
        return 3
    codes = set(candidate.zone)
    if place.insee in codes or place.current_insee in codes:
        return 0
    if place.epci_siren in codes:
        return 1
    if place.departement in codes:
        return 2
    return 3


def _choose(
    target: Target, facts: Facts, candidates: Sequence[Candidate], *, needs_mode: NeedsMode
) -> tuple[Candidate | None, list[dict[str, Any]]]:
    """The best candidate of ``target`` and what was considered (excluded ones with why)."""
    publics = person_publics(facts)
    considered: list[dict[str, Any]] = []
    eligible: list[tuple[tuple[Any, ...], Candidate]] = []
    for candidate in candidates:
        if not _selected(target, candidate):
            continue
        entry: dict[str, Any] = {
            "service_id": str(candidate.service_id),
            "service": candidate.external_id,
            "organisation_id": str(candidate.organisation_id),
        }
        if facts.place is not None and not zone_covers(candidate.zone, facts.place):
            considered.append({**entry, "excluded": "zone does not cover the commune"})
            continue
        if candidate.publics is not None and not publics & set(candidate.publics):
            considered.append({**entry, "excluded": "public not admitted"})
            continue
        needs = match_needs(candidate.thematiques, facts.needs)
        if needs_mode is NeedsMode.REQUIRED and not needs.any:
            considered.append({**entry, "excluded": "answers none of the needs"})
            continue
        entry.update(
            {
                "needs_answered": list(needs.exact),
                "needs_related": list(needs.related),
                "full": candidate.full,
            }
        )
        key = (
            candidate.full,
            -needs.score,
            _zone_rank(candidate, facts.place),
            candidate.response_delay_days,
            candidate.name,
            str(candidate.service_id),
        )
        eligible.append((key, candidate))
        considered.append(entry)
    eligible.sort(key=lambda pair: pair[0])
    order = {str(c.service_id): rank for rank, (_, c) in enumerate(eligible)}
    considered.sort(key=lambda e: (order.get(e["service_id"], len(order)), e["service"]))
    return (eligible[0][1] if eligible else None), considered[:MAX_CANDIDATES_SHOWN]


def _route(rule: Rule, facts: Facts, candidates: Sequence[Candidate], decision: Decision) -> None:
    assert rule.target is not None
    if facts.place is None:
        decision.notes.append("commune unknown: eligibility zones were not checked")
    chosen, considered = _choose(rule.target, facts, candidates, needs_mode=rule.target.needs)
    decision.candidates = considered
    if chosen is None and rule.fallback is not None:
        decision.notes.append(f"{rule.id}: no target service fits; trying the fallback")
        chosen, considered = _choose(
            rule.fallback, facts, candidates, needs_mode=rule.fallback.needs
        )
        decision.candidates += considered
        decision.via_fallback = chosen is not None
    if chosen is None:
        decision.notes.append(f"{rule.id}: no service of the directory can take the referral")
        return
    if chosen.full:
        decision.notes.append(f"every fitting service is full; {chosen.external_id} has least wait")
    decision.service_id = chosen.service_id
    decision.organisation_id = chosen.organisation_id


def decide(rules: RuleSet, facts: Facts, candidates: Sequence[Candidate]) -> Decision:
    """Apply ``rules`` to ``facts`` over the directory ``candidates``."""
    decision = Decision(rules=rules.label, facts=facts.as_dict())
    decided = False
    for rule in rules.rules:
        if decided and rule.action is not Action.PRIORITISE:
            continue
        read = _condition_facts(rule.when, facts)
        if read is None:
            continue
        decision.fired.append(FiredRule(rule.id, rule.action.value, rule.why, read))
        if rule.action is Action.PRIORITISE:
            decision.priority = Priority.URGENT
        elif rule.action is Action.HOLD:
            decision.held = True
            decided = True
        else:
            _route(rule, facts, candidates, decision)
            decided = True
    if not decided:
        decision.notes.append("no routing rule applies")
    return decision
