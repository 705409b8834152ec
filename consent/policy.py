"""Lawful bases that come from the data flow rather than from consent: the one place to change.

DOMAIN.md §6: SIEI/PSAD lists are a legal obligation / public task (Code de l'éducation
L313-7); i-milo data ("perdus de vue") may be shared under the Mission Locale convention
(décret 2015-59); everything else (outreach contacts, Boussole requests, partner referrals
outside a convention) needs the young person's consent.

A flow is ``(source, recipient kind)``: the connector that brought the person's data and
the kind of organisation receiving it. A rule names the purposes it covers. When a person
has at least one source record from a flow that covers the requested purpose for the
recipient's kind, the release is allowed on that basis without consent (restriction,
objection and erasure still deny first). Statistics are never covered: the indicators are
computed on pseudonymised data inside the hub, and any release for that purpose needs
consent.
"""

from __future__ import annotations

from dataclasses import dataclass

from consent.vocabulary import LawfulBasis, Purpose
from hub.organisations.models import OrganisationKind


@dataclass(frozen=True)
class FlowRule:
    source: str
    recipient_kind: OrganisationKind
    purposes: frozenset[Purpose]
    lawful_basis: LawfulBasis
    reference: str
    """The legal text the rule relies on (printed in the record of processing)."""


_FOLLOW_UP = frozenset({Purpose.ORIENTATION, Purpose.ACCOMPAGNEMENT})

FLOW_RULES: tuple[FlowRule, ...] = (
    FlowRule(
        source="decrocheurs",
        recipient_kind=OrganisationKind.MISSION_LOCALE,
        purposes=_FOLLOW_UP,
        lawful_basis=LawfulBasis.LEGAL_OBLIGATION,
        reference="Code de l'éducation L313-7, L313-8; obligation de formation (L114-1)",
    ),
    FlowRule(
        source="decrocheurs",
        recipient_kind=OrganisationKind.PSAD,
        purposes=_FOLLOW_UP,
        lawful_basis=LawfulBasis.PUBLIC_TASK,
        reference="Circulaire du 9 février 2011; CNIL délibération 2010-446",
    ),
    *(
        FlowRule(
            source=source,
            recipient_kind=OrganisationKind.MISSION_LOCALE,
            purposes=_FOLLOW_UP,
            lawful_basis=LawfulBasis.ML_CONVENTION,
            reference="Décret 2015-59 (i-milo), art. 4-I-7° et 5-I-5°",
        )
        # i-milo data come as file extracts or through the operator feed
        for source in ("perdus-de-vue", "imilo-feed")
    ),
)


def flow_basis(
    sources: set[str], recipient_kind: OrganisationKind | None, purpose: Purpose
) -> FlowRule | None:
    """The first rule covering ``purpose`` for a recipient of ``recipient_kind`` fed by one of
    ``sources``, or None when only consent can allow the release."""
    if recipient_kind is None:
        return None
    for rule in FLOW_RULES:
        if (
            rule.source in sources
            and rule.recipient_kind == recipient_kind
            and purpose in rule.purposes
        ):
            return rule
    return None
