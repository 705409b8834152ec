"""Record of processing activities (GDPR Art. 30), generated from what the code declares.

Purposes and their labels (:mod:`consent.vocabulary`), flow-based lawful bases
(:mod:`consent.policy`), data categories (below, matching the shared schema v1 and the
hub's tables), recipients (organisation kinds) and retention rules (settings). Changing any
of them changes the register: it cannot drift from what the hub enforces.
"""

from __future__ import annotations

from pydantic import BaseModel

from consent.policy import FLOW_RULES
from consent.registry import KIND_LABELS
from consent.vocabulary import LAWFUL_BASIS_LABELS, PURPOSE_LABELS, LawfulBasis, Purpose
from hub.settings import Settings

DATA_CATEGORIES: dict[str, str] = {
    "identite": "Nom de naissance, nom d'usage, prénoms, sexe, date de naissance, INE",
    "coordonnees": "Téléphones, adresses électroniques, adresse postale, commune (code INSEE)",
    "situation": "Dernier établissement et dernière formation, date de sortie, suivi par la "
    "Mission Locale, dispositif (PACEA, Garantie jeunes, CEJ), dernier contact, besoins "
    "(thématiques data·inclusion), résidence en QPV",
    "orientation": "Orientations vers la Mission Locale ou les partenaires et leur suivi",
    "consentement": "Accords et retraits, base légale, version de la notice, mode de recueil, "
    "preuve",
    "journalisation": "Qui a consulté ou reçu quelles données, quand et pourquoi (sans les "
    "données elles-mêmes)",
}

SOURCES: dict[str, str] = {
    "decrocheurs": "Listes PSAD / SIEI (RIO) des jeunes sortis sans diplôme",
    "boussole": "Demandes de contact de la Boussole des jeunes",
    "perdus-de-vue": "Extractions i-milo des jeunes perdus de vue par la Mission Locale",
    "imilo-feed": "Flux d'événements i-milo de la Mission Locale (même contenu)",
    "repérage": "Rencontres des équipes de rue (avec l'accord du jeune)",
}

SECURITY_MEASURES = [
    "Chiffrement AES-256-GCM de chaque donnée personnelle au repos, lié à sa table, sa ligne "
    "et son champ; clés de données enveloppées par une clé maîtresse hors base",
    "Pseudonymisation des clés de rapprochement (index aveugles HMAC-SHA256)",
    "Accès des partenaires par OAuth 2 (client credentials), portées par organisation",
    "Décision unique de communication (consentement ou base légale du flux), journalisée",
    "Journal d'audit chaîné par empreintes SHA-256 (hub audit verify)",
    "Purge automatique quotidienne selon les durées de conservation, avec preuve",
    "Aucune donnée personnelle en clair dans les journaux techniques",
]


class Activity(BaseModel):
    purpose: Purpose
    description: str
    lawful_bases: list[str]
    data_categories: list[str]
    recipients: list[str]


class FlowEntry(BaseModel):
    source: str
    recipient: str
    purposes: list[str]
    lawful_basis: LawfulBasis
    reference: str


class RetentionEntry(BaseModel):
    category: str
    duration: str


class Register(BaseModel):
    controller: str
    controller_contact: str
    dpo_contact: str
    data_subjects: str
    activities: list[Activity]
    flows_without_consent: list[FlowEntry]
    data_categories: dict[str, str]
    sources: dict[str, str]
    retention: list[RetentionEntry]
    transfers_outside_eu: str
    security_measures: list[str]


def build_register(settings: Settings) -> Register:
    recipients = list(KIND_LABELS.values())
    bases_by_purpose: dict[Purpose, set[LawfulBasis]] = {p: {LawfulBasis.CONSENT} for p in Purpose}
    for rule in FLOW_RULES:
        for purpose in rule.purposes:
            bases_by_purpose[purpose].add(rule.lawful_basis)
    activities = [
        Activity(
            purpose=purpose,
            description=PURPOSE_LABELS[purpose],
            lawful_bases=[LAWFUL_BASIS_LABELS[b] for b in sorted(bases_by_purpose[purpose])],
            data_categories=sorted(DATA_CATEGORIES)
            if purpose is not Purpose.STATISTIQUES
            else ["situation", "orientation"],
            recipients=recipients
            if purpose is not Purpose.STATISTIQUES
            else ["financeurs du programme (chiffres agrégés, jamais nominatifs)"],
        )
        for purpose in Purpose
    ]
    flows = [
        FlowEntry(
            source=rule.source,
            recipient=KIND_LABELS[rule.recipient_kind],
            purposes=sorted(p.value for p in rule.purposes),
            lawful_basis=rule.lawful_basis,
            reference=rule.reference,
        )
        for rule in FLOW_RULES
    ]
    s = settings
    retention = [
        RetentionEntry(
            category="données d'un jeune",
            duration=f"jusqu'à ses {s.retention_person_age_limit_years} ans, ou "
            f"{s.retention_person_inactivity_years} ans après la dernière activité",
        ),
        RetentionEntry(
            category="lignes d'import en quarantaine",
            duration=f"{s.retention_quarantine_days} jours",
        ),
        RetentionEntry(
            category="preuve du consentement (texte libre)",
            duration=f"{s.retention_consent_proof_years} ans après le retrait ou l'échéance",
        ),
        RetentionEntry(category="journal d'audit", duration=f"{s.retention_audit_years} ans"),
        RetentionEntry(
            category="demandes d'exercice des droits",
            duration=f"{s.retention_rights_request_years} ans après leur clôture",
        ),
        RetentionEntry(
            category="traces d'effacement (sans donnée personnelle)",
            duration=f"{s.retention_tombstone_years} ans",
        ),
    ]
    return Register(
        controller=s.gdpr_controller_name,
        controller_contact=s.gdpr_controller_contact,
        dpo_contact=s.gdpr_dpo_contact,
        data_subjects="Jeunes de 16 à 29 ans ni en emploi, ni en études, ni en formation, "
        "résidant dans Mulhouse Alsace Agglomération; représentants légaux des mineurs",
        activities=activities,
        flows_without_consent=flows,
        data_categories=DATA_CATEGORIES,
        sources=SOURCES,
        retention=retention,
        transfers_outside_eu="Aucun",
        security_measures=SECURITY_MEASURES,
    )


def render_markdown(register: Register) -> str:
    lines = [
        "# Registre des activités de traitement (article 30 du RGPD)",
        "",
        f"- **Responsable du traitement** : {register.controller} ({register.controller_contact})",
        f"- **Délégué à la protection des données** : {register.dpo_contact}",
        f"- **Personnes concernées** : {register.data_subjects}",
        f"- **Transferts hors UE** : {register.transfers_outside_eu}",
        "",
        "## Finalités",
        "",
        "| finalité | description | bases légales | catégories de données | destinataires |",
        "|---|---|---|---|---|",
    ]
    for a in register.activities:
        lines.append(
            f"| {a.purpose.value} | {a.description} | {'<br>'.join(a.lawful_bases)} | "
            f"{', '.join(a.data_categories)} | {'; '.join(a.recipients)} |"
        )
    lines += [
        "",
        "## Flux fondés sur une autre base que le consentement",
        "",
        "| source | destinataire | finalités | base légale | référence |",
        "|---|---|---|---|---|",
    ]
    for f in register.flows_without_consent:
        lines.append(
            f"| {f.source} | {f.recipient} | {', '.join(f.purposes)} | {f.lawful_basis.value} | "
            f"{f.reference} |"
        )
    lines += ["", "## Catégories de données", ""]
    lines += [f"- **{name}** : {text}" for name, text in register.data_categories.items()]
    lines += ["", "## Sources", ""]
    lines += [f"- **{name}** : {text}" for name, text in register.sources.items()]
    lines += ["", "## Durées de conservation", "", "| catégorie | durée |", "|---|---|"]
    lines += [f"| {r.category} | {r.duration} |" for r in register.retention]
    lines += ["", "## Mesures de sécurité", ""]
    lines += [f"- {m}" for m in register.security_measures]
    return "\n".join(lines) + "\n"
