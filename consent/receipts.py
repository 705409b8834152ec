"""Consent receipts for the young person: JSON and a printable HTML page, in plain French.

A receipt carries no personal data (no name, no contact): only the consent's id, what was
agreed, to whom, on which basis, for how long, and how to withdraw.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from html import escape

from sqlmodel import Session

from consent import registry
from consent.schemas import ConsentPublic, ConsentReceipt, ReceiptItem
from consent.vocabulary import (
    COLLECTION_METHOD_LABELS,
    LAWFUL_BASIS_LABELS,
    PURPOSE_LABELS,
)
from hub.crypto import Crypto
from hub.settings import Settings


def retention_text(settings: Settings) -> str:
    return (
        "Vos données sont conservées tant qu'elles servent à vous accompagner, et supprimées "
        f"au plus tard à vos {settings.retention_person_age_limit_years} ans, ou après "
        f"{settings.retention_person_inactivity_years} ans sans aucun contact ni démarche. La "
        "preuve de votre accord (ou de son retrait) est gardée "
        f"{settings.retention_consent_proof_years} ans après sa fin, sans autre information "
        "sur vous."
    )


def withdraw_text(settings: Settings, consent_id: uuid.UUID) -> str:
    return (
        "Vous pouvez retirer votre accord à tout moment, gratuitement et sans avoir à vous "
        "justifier : dites-le au professionnel qui vous accompagne ou écrivez au délégué à la "
        f"protection des données ({settings.gdpr_dpo_contact}) en donnant la référence "
        f"{consent_id}. Le retrait prend effet immédiatement ; il ne remet pas en cause ce "
        "qui a été fait avant."
    )


def rights_text(settings: Settings) -> str:
    return (
        "Vous pouvez demander à voir les informations que nous avons sur vous, les faire "
        "corriger ou effacer, en limiter l'usage ou vous y opposer. Nous vous répondons dans "
        f"un délai d'un mois. Contact : {settings.gdpr_dpo_contact}. Si vous n'êtes pas "
        "satisfait(e) de la réponse, vous pouvez saisir la CNIL (www.cnil.fr)."
    )


def build_receipt(
    session: Session, crypto: Crypto, settings: Settings, consent_id: uuid.UUID, now: datetime
) -> ConsentReceipt:
    consent = registry.get_view(session, crypto, consent_id, now)
    return _receipt(session, settings, consent, now)


def _receipt(
    session: Session, settings: Settings, consent: ConsentPublic, now: datetime
) -> ConsentReceipt:
    grant_event = consent.history[0]
    return ConsentReceipt(
        receipt_id=consent.id,
        issued_at=now,
        responsable_de_traitement=settings.gdpr_controller_name,
        contact_responsable=settings.gdpr_controller_contact,
        contact_dpo=settings.gdpr_dpo_contact,
        finalite=ReceiptItem(code=consent.purpose.value, label=PURPOSE_LABELS[consent.purpose]),
        destinataires=[registry.recipient_label(session, consent)],
        base_legale=ReceiptItem(
            code=consent.lawful_basis.value, label=LAWFUL_BASIS_LABELS[consent.lawful_basis]
        ),
        recueil=f"Accord donné {COLLECTION_METHOD_LABELS[grant_event.collection_method]}.",
        version_notice=consent.notice_version,
        etat=consent.state,
        donne_le=consent.given_at,
        valable_du=consent.valid_from,
        valable_jusqu_au=consent.valid_until,
        retire_le=consent.withdrawn_at,
        duree_de_conservation=retention_text(settings),
        comment_retirer=withdraw_text(settings, consent.id),
        vos_droits=rights_text(settings),
    )


_STATE_LABELS = {
    "active": "en vigueur",
    "pending": "pas encore en vigueur",
    "expired": "arrivé à échéance",
    "withdrawn": "retiré",
}


def _day(when: datetime | None) -> str:
    return when.strftime("%d/%m/%Y") if when else "sans date de fin"


def render_html(receipt: ConsentReceipt) -> str:
    """A self-contained page (no script, no external resource) to print or send."""
    rows = [
        ("Responsable du traitement", receipt.responsable_de_traitement),
        ("Pour le contacter", receipt.contact_responsable),
        ("Délégué à la protection des données", receipt.contact_dpo),
        ("Pourquoi (finalité)", receipt.finalite.label),
        ("Qui recevra vos informations", ", ".join(receipt.destinataires)),
        ("Sur quelle base", receipt.base_legale.label),
        ("Comment vous avez donné votre accord", receipt.recueil),
        ("Version de la notice d'information", receipt.version_notice),
        ("Accord donné le", _day(receipt.donne_le)),
        ("Valable du", _day(receipt.valable_du)),
        ("Valable jusqu'au", _day(receipt.valable_jusqu_au)),
        ("État", _STATE_LABELS.get(receipt.etat.value, receipt.etat.value)),
    ]
    if receipt.retire_le:
        rows.append(("Retiré le", _day(receipt.retire_le)))
    table = "\n".join(
        f'<tr><th scope="row">{escape(label)}</th><td>{escape(value)}</td></tr>'
        for label, value in rows
    )
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Reçu de consentement {escape(str(receipt.receipt_id))}</title>
<style>
body {{ font-family: sans-serif; max-width: 42rem; margin: 2rem auto; line-height: 1.5; }}
th {{ text-align: left; vertical-align: top; padding-right: 1rem; }}
</style>
</head>
<body>
<h1>Votre accord pour le partage de vos informations</h1>
<p>Référence : <strong>{escape(str(receipt.receipt_id))}</strong>
(reçu établi le {escape(_day(receipt.issued_at))})</p>
<table>
{table}
</table>
<h2>Combien de temps nous gardons vos informations</h2>
<p>{escape(receipt.duree_de_conservation)}</p>
<h2>Comment retirer votre accord</h2>
<p>{escape(receipt.comment_retirer)}</p>
<h2>Vos droits</h2>
<p>{escape(receipt.vos_droits)}</p>
</body>
</html>
"""
