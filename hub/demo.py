"""Demo data for ``hub serve --demo``: organisations and synthetic young people (never real).

Seeding is idempotent: running it again finds what exists and adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import typer
from sqlmodel import Session

from hub.organisations.models import OrganisationKind
from hub.organisations.service import ensure
from hub.settings import Settings

DEMO_ORGANISATIONS: list[tuple[str, OrganisationKind]] = [
    ("Mission Locale de Mulhouse (démo)", OrganisationKind.MISSION_LOCALE),
    ("Équipe de rue SEMAPHORE (démo)", OrganisationKind.OUTREACH),
    ("Association Logement Jeunes (démo)", OrganisationKind.PARTNER),
    ("PSAD Mulhouse (démo)", OrganisationKind.PSAD),
    ("Délégué à la protection des données (démo)", OrganisationKind.DPO),
]


@dataclass
class DemoSummary:
    organisations_created: int = 0
    organisations_existing: int = 0
    notes: list[str] = field(default_factory=list)


def seed_demo(session: Session, settings: Settings) -> DemoSummary:
    summary = DemoSummary()
    for name, kind in DEMO_ORGANISATIONS:
        _, created = ensure(session, name=name, kind=kind)
        if created:
            summary.organisations_created += 1
        else:
            summary.organisations_existing += 1
    return summary


def print_try_it(summary: DemoSummary, settings: Settings, host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    typer.echo(
        f"Demo data: {summary.organisations_created} organisation(s) created, "
        f"{summary.organisations_existing} already present."
    )
    for note in summary.notes:
        typer.echo(note)
    typer.echo(f"Try it:\n  curl {base}/healthz\n  open {base}/docs")
