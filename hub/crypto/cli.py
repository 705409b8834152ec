"""``hub keys``: data key rotation, re-encryption, status (token signing keys: hub.auth)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlmodel import Session

from hub.cli.base import CliError, load_settings
from hub.crypto.keyring import Crypto, MissingKeyMaterialError, build_crypto, load_key_material
from hub.crypto.registry import EncryptedTable, encrypted_tables
from hub.crypto.rotation import (
    ciphertexts_by_key,
    list_data_keys,
    reencrypt_all,
    rotate_data_key,
)
from hub.db import engine_from_settings, unit_of_work

keys_app = typer.Typer(
    help="Encryption keys: rotate the data key, re-encrypt old rows, show the key ring.",
    no_args_is_help=True,
)

#: Extra ``hub keys status`` sections (e.g. token signing keys), registered by other domains:
#: each returns ``(name, JSON-able value, text lines)``.
StatusSection = Callable[[Session], tuple[str, Any, list[str]]]
_STATUS_SECTIONS: list[StatusSection] = []


def register_status_section(section: StatusSection) -> None:
    _STATUS_SECTIONS.append(section)


@contextmanager
def _crypto() -> Iterator[tuple[Any, Crypto]]:
    import hub.models  # noqa: F401  (every domain registers its encrypted tables)

    settings = load_settings()
    engine = engine_from_settings(settings)
    try:
        try:
            crypto = build_crypto(settings, engine)
        except MissingKeyMaterialError as exc:
            raise CliError(str(exc)) from None
        yield engine, crypto
    finally:
        engine.dispose()


@keys_app.command("rotate")
def rotate() -> None:
    """Create a new data key: new writes use it (running hubs within 30 s); old rows stay
    readable until `hub keys reencrypt` rewrites them."""
    with _crypto() as (engine, crypto), unit_of_work(engine) as session:
        rotation = rotate_data_key(session, crypto.cipher)
    retired = ", ".join(rotation.retired) or "none"
    typer.echo(
        f"New data key {rotation.new_kid} is current; retired: {retired}. "
        "Run `hub keys reencrypt` to rewrite older rows."
    )


@keys_app.command("reencrypt")
def reencrypt(
    batch_size: int = typer.Option(500, "--batch-size", min=1, help="Rows per transaction."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
) -> None:
    """Rewrite every ciphertext not under the current data key, in batches each committed on
    its own, so the hub keeps serving."""
    with _crypto() as (engine, crypto):
        show = not as_json and sys.stderr.isatty()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            disable=not show,
        ) as progress:

            def on_table(spec: EncryptedTable, total: int) -> Callable[[int], None]:
                task = progress.add_task(spec.table, total=total)
                return lambda done: progress.advance(task, done)

            reports = reencrypt_all(engine, crypto.cipher, batch_size=batch_size, on_table=on_table)
        current = crypto.cipher.current_kid()
    if as_json:
        typer.echo(json.dumps({"current_key": current, "tables": [vars(r) for r in reports]}))
        return
    for r in reports:
        typer.echo(
            f"{r.table}: {r.rows_scanned} row(s) scanned, {r.rows_reencrypted} re-encrypted "
            f"({r.values_reencrypted} value(s)), {r.rows_changed_meanwhile} changed meanwhile, "
            f"{r.values_unreadable} unreadable, {r.batches} batch(es)"
        )
    total = sum(r.rows_reencrypted for r in reports)
    pending = sum(r.rows_changed_meanwhile for r in reports)
    typer.echo(
        f"Re-encrypted {total} row(s) in {len(reports)} table(s) under data key {current}."
        + (f" {pending} row(s) changed meanwhile: run it again." if pending else "")
    )
    if any(r.values_unreadable for r in reports):
        raise CliError("some values did not decrypt (see the warnings); they were left as is")


@keys_app.command("status")
def status(
    scan: bool = typer.Option(
        False, "--scan", help="Also count stored values per data key (reads every table)."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
) -> None:
    """Show the key ring: data keys (current, retired, wrapped by which KEK) and more."""
    with _crypto() as (engine, crypto):
        material = load_key_material(load_settings())
        current = crypto.cipher.current_kid()
        with unit_of_work(engine) as session:
            keys = [
                {
                    "kid": row.kid,
                    "current": row.kid == current,
                    "created_at": row.created_at.isoformat(),
                    "retired_at": row.retired_at.isoformat() if row.retired_at else None,
                    "wrapped_by_current_kek": row.kek_id == material.kek_id,
                }
                for row in list_data_keys(session)
            ]
            sections = [section(session) for section in _STATUS_SECTIONS]
        census = {t: dict(c) for t, c in ciphertexts_by_key(engine).items()} if scan else None
    tables = [spec.table for spec in encrypted_tables()]
    if as_json:
        payload: dict[str, Any] = {"data_keys": keys, "encrypted_tables": tables}
        payload.update({name: value for name, value, _ in sections})
        if census is not None:
            payload["ciphertexts"] = census
        typer.echo(json.dumps(payload))
        return
    typer.echo(f"Data keys ({len(keys)}), KEK {material.kek_id}:")
    for key in keys:
        state = "CURRENT" if key["current"] else ("retired" if key["retired_at"] else "active")
        kek = "" if key["wrapped_by_current_kek"] else "  (wrapped by ANOTHER KEK)"
        typer.echo(f"  {key['kid']}  {state:<8}  created {key['created_at']}{kek}")
    for _, _, lines in sections:
        for line in lines:
            typer.echo(line)
    typer.echo(f"Encrypted tables ({len(tables)}): {', '.join(tables) or 'none'}")
    if census is not None:
        for table, counts in census.items():
            old = sum(n for kid, n in counts.items() if kid != current)
            typer.echo(
                f"  {table}: {sum(counts.values())} value(s), {old} not under the current key"
            )
