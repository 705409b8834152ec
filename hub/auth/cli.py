"""``hub keys rotate-signing`` and the signing keys part of ``hub keys status``."""

from __future__ import annotations

from typing import Any

import typer
from sqlmodel import Session

from hub.auth import repository
from hub.auth.keys import retention, rotate_signing_key
from hub.cli.base import CliError, load_settings
from hub.crypto import MissingKeyMaterialError, build_crypto
from hub.crypto.cli import keys_app, register_status_section
from hub.db import engine_from_settings, unit_of_work
from hub.models_base import utcnow


@keys_app.command("rotate-signing")
def rotate_signing() -> None:
    """New token signing key: new tokens use it at once; the old public key stays in the JWKS
    until the tokens it signed have expired, then it is deleted at a later rotation."""
    settings = load_settings()
    engine = engine_from_settings(settings)
    try:
        try:
            crypto = build_crypto(settings, engine)
        except MissingKeyMaterialError as exc:
            raise CliError(str(exc)) from None
        with unit_of_work(engine) as session:
            rotation = rotate_signing_key(
                session,
                crypto.cipher,
                token_lifetime_seconds=settings.access_token_lifetime_seconds,
            )
    finally:
        engine.dispose()
    retired = ", ".join(rotation.retired) or "none"
    typer.echo(
        f"New signing key {rotation.new_kid} signs new tokens; retired: {retired} (still "
        f"published until their tokens expire); {rotation.deleted} expired key(s) deleted."
    )


def _signing_status(session: Session) -> tuple[str, Any, list[str]]:
    settings = load_settings()
    cutoff = utcnow() - retention(settings.access_token_lifetime_seconds)
    current = repository.current_signing_key(session)
    rows = []
    for row in repository.all_signing_keys(session):
        rows.append(
            {
                "kid": row.kid,
                "alg": row.alg,
                "current": current is not None and row.kid == current.kid,
                "published": row.retired_at is None or row.retired_at > cutoff,
                "created_at": row.created_at.isoformat(),
                "retired_at": row.retired_at.isoformat() if row.retired_at else None,
            }
        )
    lines = [f"Token signing keys ({len(rows)}):"]
    for key in rows:
        state = "CURRENT" if key["current"] else ("published" if key["published"] else "expired")
        lines.append(f"  {key['kid']}  {key['alg']}  {state:<9}  created {key['created_at']}")
    if not rows:
        lines.append("  none yet (created at the first token request)")
    return "signing_keys", rows, lines


register_status_section(_signing_status)
