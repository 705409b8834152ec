"""``hub organisations`` and ``hub clients``: the partners and their API clients."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from sqlmodel import Session

from hub.cli.base import CliError, load_settings
from hub.db import engine_from_settings, unit_of_work
from hub.errors import HubError
from hub.organisations import service
from hub.organisations.models import OrganisationKind, auth_method
from hub.organisations.schemas import ClientPublic, OrganisationPublic

organisations_app = typer.Typer(
    help="Organisations of the partner network (Mission Locale, partners, outreach, PSAD, DPO).",
    no_args_is_help=True,
)
clients_app = typer.Typer(
    help="API clients: the partner systems that get OAuth tokens for an organisation.",
    no_args_is_help=True,
)

T = TypeVar("T")
KINDS = ", ".join(kind.value for kind in OrganisationKind)


@contextmanager
def _unit() -> Iterator[Session]:
    engine = engine_from_settings(load_settings())
    try:
        with unit_of_work(engine) as session:
            yield session
    finally:
        engine.dispose()


def _run(work: Callable[[Session], T]) -> T:
    """Run ``work`` in one committed unit of work; hub errors become one-line CLI errors."""
    try:
        with _unit() as session:
            return work(session)
    except HubError as exc:
        raise CliError(exc.detail) from None


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, default=str))


def _note(message: str) -> None:
    typer.echo(message, err=True)


# -- organisations ---------------------------------------------------------------------------


@organisations_app.command("create")
def create_organisation(
    name: str = typer.Option(..., "--name", help="Display name (unique)."),
    kind: str = typer.Option(..., "--kind", help=f"One of: {KINDS}."),
) -> None:
    """Create an organisation; prints {"id": ...} as JSON."""
    try:
        parsed = OrganisationKind(kind)
    except ValueError:
        raise CliError(f"unknown kind {kind!r}; expected one of: {KINDS}") from None
    organisation = _run(lambda s: service.create(s, name=name, kind=parsed))
    _print_json({"id": str(organisation.id)})
    _note(f"Created organisation {organisation.name!r} ({organisation.kind.value}).")


@organisations_app.command("list")
def list_organisations(
    as_json: bool = typer.Option(False, "--json", help="A JSON array on stdout."),
) -> None:
    """List the organisations."""
    rows = _run(lambda s: [OrganisationPublic.of(o) for o in service.list_organisations(s)])
    if as_json:
        _print_json([row.model_dump(mode="json") for row in rows])
        return
    for row in rows:
        state = "disabled" if row.disabled else "active"
        typer.echo(f"{row.id}  {row.kind.value:<14}  {state:<8}  {row.name}")
    typer.echo(f"{len(rows)} organisation(s).")


@organisations_app.command("disable")
def disable_organisation(
    organisation_id: uuid.UUID = typer.Argument(..., help="The organisation's id."),
) -> None:
    """Disable an organisation: its clients get no token and current tokens are refused."""
    organisation = _run(lambda s: service.disable(s, organisation_id))
    typer.echo(
        f"Disabled organisation {organisation.name!r}: its clients' tokens are refused from now."
    )


# -- clients -----------------------------------------------------------------------------------


def _read_jwks(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise CliError(f'{path} is not JSON (expected a JWKS: {{"keys": [...]}})') from None
    if isinstance(data, dict) and "kty" in data:
        data = {"keys": [data]}  # a single JWK is accepted too
    if not isinstance(data, dict):
        raise CliError(f"{path} is not a JWKS object")
    return data


@clients_app.command("create")
def create_client(
    organisation: uuid.UUID = typer.Option(..., "--organisation", help="Organisation id."),
    scopes: str = typer.Option(
        ...,
        "--scopes",
        help="Space-separated: imports:write referrals:write referrals:read matches:read "
        "consents:write gdpr:admin indicators:read admin.",
    ),
    jwks: Path | None = typer.Option(
        None,
        "--jwks",
        help="JSON file with the client's PUBLIC key(s) (JWKS or one JWK): the client then "
        "authenticates with private_key_jwt and gets no secret.",
    ),
    name: str | None = typer.Option(None, "--name", help="Label, e.g. the partner's system."),
) -> None:
    """Register a client; prints {"client_id": ..., "client_secret": ...} (secret shown once)."""
    keys = _read_jwks(jwks) if jwks is not None else None
    issued = _run(
        lambda s: service.create_client(
            s, organisation_id=organisation, scopes=scopes, name=name, jwks=keys
        )
    )
    output = {"client_id": issued.client.client_id}
    if issued.client_secret is not None:
        output["client_secret"] = issued.client_secret
    _print_json(output)
    if issued.client_secret is not None:
        _note(
            "Client created (client_secret_basic). Store the secret now: it is shown once and "
            "kept only as a hash."
        )
    else:
        _note("Client created (private_key_jwt): it signs assertions with its private key.")


@clients_app.command("list")
def list_clients(
    organisation: uuid.UUID | None = typer.Option(
        None, "--organisation", help="Only this organisation's clients."
    ),
    as_json: bool = typer.Option(False, "--json", help="A JSON array on stdout."),
) -> None:
    """List the clients (never their secrets)."""
    rows = _run(lambda s: [ClientPublic.of(c) for c in service.list_clients(s, organisation)])
    if as_json:
        _print_json([row.model_dump(mode="json") for row in rows])
        return
    for row in rows:
        state = "disabled" if row.disabled else "active"
        typer.echo(
            f"{row.client_id}  {row.organisation_id}  {row.token_endpoint_auth_method:<19}  "
            f"{state:<8}  {' '.join(row.scopes)}"
        )
    typer.echo(f"{len(rows)} client(s).")


@clients_app.command("disable")
def disable_client(client_id: str = typer.Argument(..., help="The client id.")) -> None:
    """Disable a client: no new token, and its current tokens are refused at once."""
    client = _run(lambda s: service.disable_client(s, client_id))
    typer.echo(f"Disabled client {client.client_id}: its tokens are refused from now.")


@clients_app.command("rotate-secret")
def rotate_secret(client_id: str = typer.Argument(..., help="The client id.")) -> None:
    """Give a client a new secret (the old one stops working); prints the new credentials."""
    issued = _run(lambda s: service.rotate_client_secret(s, client_id))
    _print_json({"client_id": issued.client.client_id, "client_secret": issued.client_secret})
    _note(
        f"New secret for {issued.client.client_id} ({auth_method(issued.client)}); the old one "
        "no longer works. Store it now: it is shown once."
    )
