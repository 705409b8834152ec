"""Demo data for ``hub serve --demo``: organisations and synthetic young people (never real).

Seeding is idempotent: running it again finds what exists and adds nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import typer
from sqlmodel import Session

from hub.auth.client_secrets import generate_secret, verify_secret
from hub.directory.service import seed_demo_directory
from hub.organisations import repository as organisations_repository
from hub.organisations import service as organisations_service
from hub.organisations.models import Organisation, OrganisationKind
from hub.organisations.service import ensure
from hub.settings import Settings

DEMO_ORGANISATIONS: list[tuple[str, OrganisationKind]] = [
    ("Mission Locale de Mulhouse (démo)", OrganisationKind.MISSION_LOCALE),
    ("Équipe de rue SEMAPHORE (démo)", OrganisationKind.OUTREACH),
    ("Association Logement Jeunes (démo)", OrganisationKind.PARTNER),
    ("PSAD Mulhouse (démo)", OrganisationKind.PSAD),
    ("Délégué à la protection des données (démo)", OrganisationKind.DPO),
]


#: The scopes of each demo organisation's API client.
DEMO_CLIENT_SCOPES: dict[OrganisationKind, str] = {
    OrganisationKind.MISSION_LOCALE: "referrals:write referrals:read matches:read "
    "consents:write indicators:read",
    OrganisationKind.OUTREACH: "imports:write referrals:write referrals:read consents:write",
    OrganisationKind.PARTNER: "referrals:write referrals:read matches:read",
    OrganisationKind.PSAD: "imports:write referrals:read",
    OrganisationKind.DPO: "consents:write gdpr:admin indicators:read",
}
DEMO_CLIENTS_FILE = "demo-clients.json"


@dataclass(frozen=True)
class DemoClient:
    organisation: str
    client_id: str
    client_secret: str
    scopes: str


@dataclass
class DemoSummary:
    organisations_created: int = 0
    organisations_existing: int = 0
    clients_created: int = 0
    clients: list[DemoClient] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _demo_clients_path(settings: Settings) -> Path:
    return settings.data_dir / DEMO_CLIENTS_FILE


def _load_demo_credentials(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_demo_credentials(path: Path, data: dict[str, dict[str, str]]) -> None:
    """Owner-only file, replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False)
    os.chmod(partial, 0o600)
    os.replace(partial, path)


def _ensure_demo_client(
    session: Session, organisation: Organisation, stored: dict[str, str] | None
) -> tuple[DemoClient, bool]:
    """The organisation's demo client with the credentials kept locally (created, or its
    secret restored, when the database lost them); the flag says whether it was created."""
    scopes = DEMO_CLIENT_SCOPES[organisation.kind]
    client_id = (stored or {}).get("client_id")
    secret = (stored or {}).get("client_secret") or generate_secret()
    existing = organisations_repository.get_client(session, client_id) if client_id else None
    created = False
    if existing is None or existing.organisation_id != organisation.id:
        issued = organisations_service.create_client(
            session,
            organisation_id=organisation.id,
            scopes=scopes,
            name="Demo client",
            credentials=(client_id, secret) if client_id and existing is None else None,
        )
        client_id, created = issued.client.client_id, True
        secret = issued.client_secret or secret
    elif not verify_secret(secret, existing.secret_hash):
        organisations_service.rotate_client_secret(session, existing.client_id, secret=secret)
    assert client_id is not None
    return DemoClient(organisation.name, client_id, secret, scopes), created


def seed_demo(session: Session, settings: Settings) -> DemoSummary:
    if settings.is_production:
        raise RuntimeError("demo data is never seeded in production")
    summary = DemoSummary()
    credentials_path = _demo_clients_path(settings)
    credentials = _load_demo_credentials(credentials_path)
    for name, kind in DEMO_ORGANISATIONS:
        organisation, created = ensure(session, name=name, kind=kind)
        if created:
            summary.organisations_created += 1
        else:
            summary.organisations_existing += 1
        demo_client, client_created = _ensure_demo_client(
            session, organisation, credentials.get(name)
        )
        summary.clients.append(demo_client)
        summary.clients_created += int(client_created)
        credentials[name] = {
            "client_id": demo_client.client_id,
            "client_secret": demo_client.client_secret,
        }
    summary.notes.append(seed_demo_directory(session))
    # Written before the caller commits: at worst the file names a client that a failed
    # commit did not keep, and the next run creates it with these very credentials.
    _save_demo_credentials(credentials_path, credentials)
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
    if summary.clients:
        typer.echo(
            f"\nDemo API clients ({summary.clients_created} created; credentials kept in "
            f"{_demo_clients_path(settings)}, owner-only):"
        )
        for demo in summary.clients:
            typer.echo(f"  {demo.organisation}: {demo.client_id} [{demo.scopes}]")
        first = summary.clients[0]
        typer.echo(
            f"\nGet a token ({first.organisation}) and call the API:\n"
            f"  TOKEN=$(curl -s -u '{first.client_id}:{first.client_secret}' "
            f"-d grant_type=client_credentials {base}/oauth/token "
            "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')\n"
            f'  curl -H "Authorization: Bearer $TOKEN" {base}/v1/organisations/me'
        )
