"""The referral tables: referrals of the period by recipient and status or outcome at the end
of the period, and where they stand against their guaranteed response delay."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime

from hub.indicators.population import ReferralFact
from hub.indicators.tables import Column, Period, RawTable, Row, grid_table
from hub.referrals.vocabulary import Outcome, ReferralStatus

REFERRAL_STATES: tuple[tuple[str, str], ...] = (
    ("requested", "En attente de réponse"),
    ("ongoing", "Acceptée, en cours ou en pause"),
    *(
        (f"completed:{o.value}", f"Terminée : {label}")
        for o, label in (
            (Outcome.ENTREE_PACEA, "entrée PACEA"),
            (Outcome.CEJ, "CEJ"),
            (Outcome.FORMATION, "formation"),
            (Outcome.EMPLOI, "emploi"),
            (Outcome.AUTRE_PARTENAIRE, "autre partenaire"),
            (Outcome.OTHER, "autre issue"),
        )
    ),
    ("failed", "Échec"),
    ("rejected", "Refusée"),
    ("cancelled", "Annulée"),
)
DEADLINE_STATES: tuple[tuple[str, str], ...] = (
    ("on_time", "Réponse dans le délai"),
    ("late", "Réponse après le délai"),
    ("overdue", "En retard, sans réponse"),
    ("pending", "En attente, délai non échu"),
    ("cancelled", "Annulée avant réponse"),
)
NO_RECIPIENT = "none"


def referral_state(status: str, outcome: str | None) -> str:
    if status == ReferralStatus.REQUESTED.value:
        return "requested"
    if status in (
        ReferralStatus.ACCEPTED.value,
        ReferralStatus.IN_PROGRESS.value,
        ReferralStatus.ON_HOLD.value,
    ):
        return "ongoing"
    if status == ReferralStatus.COMPLETED.value:
        return f"completed:{outcome or Outcome.OTHER.value}"
    return status


def deadline_state(referral: ReferralFact, moment: datetime) -> str | None:
    """Where a referral with a response deadline stands at ``moment`` (None without one)."""
    if referral.due_at is None:
        return None
    for event in referral.history_until(moment):
        if event.to_status in (ReferralStatus.ACCEPTED.value, ReferralStatus.REJECTED.value):
            return "on_time" if event.occurred_at <= referral.due_at else "late"
        if event.to_status == ReferralStatus.CANCELLED.value:
            return "cancelled"
    return "overdue" if referral.due_at < moment else "pending"


def referral_tables(
    referrals: Iterable[ReferralFact],
    period: Period,
    moment: datetime,
    organisation_names: Mapping[uuid.UUID, str],
) -> list[RawTable]:
    states: Counter[tuple[str, str]] = Counter()
    deadlines: Counter[tuple[str, str]] = Counter()
    recipients: dict[str, str] = {}
    for referral in referrals:
        if referral.day not in period or referral.created_at >= moment:
            continue
        if referral.recipient_organisation_id is None:
            recipient = NO_RECIPIENT
        else:
            recipient = str(referral.recipient_organisation_id)
            recipients[recipient] = organisation_names.get(
                referral.recipient_organisation_id, "Structure inconnue"
            )
        current = referral.status_at(moment)
        assert current is not None
        states[(recipient, referral_state(*current))] += 1
        deadline = deadline_state(referral, moment)
        if deadline is not None:
            deadlines[(recipient, deadline)] += 1
    org_rows = [
        Row(key, name, 1)
        for key, name in sorted(recipients.items(), key=lambda item: (item[1], item[0]))
    ]
    outcome_rows = [*org_rows, Row(NO_RECIPIENT, "Sans destinataire (non routée ou retenue)", 1)]
    return [
        grid_table(
            id="referral_outcomes",
            title="Demandes d'orientation de la période par structure destinataire",
            unit="demandes d'orientation",
            rows=outcome_rows,
            columns=[Column(k, label) for k, label in REFERRAL_STATES],
            counts=states,
            note="Statut à la fin de la période. Les issues entrée PACEA, CEJ, formation, "
            "emploi et autre partenaire sont des entrées dans le droit commun.",
        ),
        grid_table(
            id="referral_deadlines",
            title="Délais de réponse garantis par structure destinataire",
            unit="demandes d'orientation",
            rows=org_rows,
            columns=[Column(k, label) for k, label in DEADLINE_STATES],
            counts=deadlines,
            note="Demandes transmises au destinataire (avec un délai de réponse garanti par "
            "son service) ; une demande est en retard quand elle n'est ni acceptée ni refusée "
            "au terme du délai.",
        ),
    ]
