"""Closed vocabularies of consent and data-protection records, with their French labels.

The labels are what a young person reads on a consent receipt and what the record of
processing (Art. 30) prints; the enum values are the stable codes of the API.
"""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    """Why personal data is released to a recipient."""

    ORIENTATION = "orientation"
    """Directing the young person to the Mission Locale or a partner."""
    ACCOMPAGNEMENT = "accompagnement"
    """Following the young person once they are taken in charge."""
    STATISTIQUES = "statistiques"
    """Programme indicators (pseudonymised figures for the funders)."""


PURPOSE_LABELS: dict[Purpose, str] = {
    Purpose.ORIENTATION: "Vous orienter vers la Mission Locale ou une structure partenaire "
    "qui peut répondre à votre demande (emploi, formation, logement, santé, mobilité...).",
    Purpose.ACCOMPAGNEMENT: "Permettre à la structure qui vous accompagne de suivre votre "
    "parcours et de se coordonner avec les autres partenaires.",
    Purpose.STATISTIQUES: "Produire des statistiques sur le programme INVISIBLES, sans "
    "jamais publier votre nom.",
}


class LawfulBasis(StrEnum):
    """The GDPR Art. 6 basis a data flow relies on (DOMAIN.md §6)."""

    CONSENT = "consent"
    """The young person agreed (Art. 6(1)(a)); withdrawable at any time."""
    PUBLIC_TASK = "public_task"
    """A task carried out in the public interest (Art. 6(1)(e)), e.g. PSAD follow-up."""
    LEGAL_OBLIGATION = "legal_obligation"
    """A legal obligation (Art. 6(1)(c)), e.g. Code de l'éducation L313-7/L313-8."""
    ML_CONVENTION = "ml_convention"
    """Sharing under a convention with the Mission Locale (décret 2015-59)."""


LAWFUL_BASIS_LABELS: dict[LawfulBasis, str] = {
    LawfulBasis.CONSENT: "Votre consentement (article 6.1.a du RGPD). Vous pouvez le retirer "
    "à tout moment, aussi simplement que vous l'avez donné.",
    LawfulBasis.PUBLIC_TASK: "Une mission d'intérêt public (article 6.1.e du RGPD) : le suivi "
    "des jeunes sortis du système scolaire sans diplôme.",
    LawfulBasis.LEGAL_OBLIGATION: "Une obligation légale (article 6.1.c du RGPD ; articles "
    "L313-7 et L313-8 du Code de l'éducation).",
    LawfulBasis.ML_CONVENTION: "Une convention avec la Mission Locale, qui fixe les échanges "
    "autorisés (décret n° 2015-59).",
}


class CollectionMethod(StrEnum):
    """How the young person's agreement (or withdrawal) was collected."""

    ORAL_OUTREACH = "oral_outreach"
    SIGNED_FORM = "signed_form"
    ONLINE = "online"


COLLECTION_METHOD_LABELS: dict[CollectionMethod, str] = {
    CollectionMethod.ORAL_OUTREACH: "à l'oral, lors d'une rencontre avec un professionnel",
    CollectionMethod.SIGNED_FORM: "par un formulaire signé",
    CollectionMethod.ONLINE: "en ligne",
}


class ConsentEventKind(StrEnum):
    GRANT = "grant"
    WITHDRAW = "withdraw"


class ConsentState(StrEnum):
    """A consent's state, derived from its events and the clock (never stored)."""

    ACTIVE = "active"
    PENDING = "pending"
    """Granted, but its validity starts later."""
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class RightsRequestKind(StrEnum):
    """The data subject's rights the DPO answers through the hub."""

    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"


RIGHTS_ARTICLES: dict[RightsRequestKind, str] = {
    RightsRequestKind.ACCESS: "article 15",
    RightsRequestKind.RECTIFICATION: "article 16",
    RightsRequestKind.ERASURE: "article 17",
    RightsRequestKind.RESTRICTION: "article 18",
    RightsRequestKind.OBJECTION: "article 21",
}


class RequestStatus(StrEnum):
    RECEIVED = "received"
    EXTENDED = "extended"
    COMPLETED = "completed"
    REFUSED = "refused"


class RestrictionKind(StrEnum):
    RESTRICTION = "restriction"
    """Art. 18: data kept but not used."""
    OBJECTION = "objection"
    """Art. 21: the person objected; pending or upheld."""


class FlagStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class AuditAction(StrEnum):
    """What an audit entry records."""

    RELEASE = "release"
    """A decision of :func:`consent.decisions.may_release` (allowed or denied)."""
    READ = "read"
    WRITE = "write"
    EXPORT = "export"
    RECTIFY = "rectify"
    ERASE = "erase"
    PURGE = "purge"


class Channel(StrEnum):
    API = "api"
    CLI = "cli"
    JOB = "job"
