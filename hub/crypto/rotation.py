"""Data key rotation and re-encryption of every registered encrypted column.

``reencrypt_all`` walks each table of :func:`hub.crypto.registry.encrypted_tables` by primary
key in batches, each batch its own committed transaction, so the hub keeps serving meanwhile.
A row is rewritten only if its ciphertext is unchanged since it was read (compare-and-set
in the ``UPDATE``): a concurrent write is never overwritten with stale data; such rows are
counted and picked up by the next run.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import Engine, MetaData, Table, func, select, update
from sqlmodel import Session, SQLModel, col
from sqlmodel import select as select_models

from hub.crypto.keyring import Ciphertext, FieldCipher
from hub.crypto.models import DataKey
from hub.crypto.registry import EncryptedTable, encrypted_tables
from hub.db import unit_of_work

logger = logging.getLogger("hub.crypto")


@dataclass(frozen=True)
class DataKeyRotation:
    new_kid: str
    retired: list[str]


def rotate_data_key(session: Session, cipher: FieldCipher) -> DataKeyRotation:
    """A new data key for new writes; the previous ones are retired (they still decrypt)."""
    previous = [
        row.kid
        for row in session.exec(select_models(DataKey).where(col(DataKey.retired_at).is_(None)))
    ]
    return DataKeyRotation(new_kid=cipher.rotate(session), retired=previous)


def list_data_keys(session: Session) -> Sequence[DataKey]:
    return session.exec(select_models(DataKey).order_by(col(DataKey.created_at))).all()


@dataclass
class TableReport:
    """What re-encryption did to one table."""

    table: str
    rows_scanned: int = 0
    rows_reencrypted: int = 0
    values_reencrypted: int = 0
    #: Rows written by someone else between read and rewrite (left for the next run).
    rows_changed_meanwhile: int = 0
    #: Values that did not decrypt (bad associated data, unknown format): left untouched.
    values_unreadable: int = 0
    batches: int = 0


def _table(engine: Engine, name: str) -> Table:
    table = SQLModel.metadata.tables.get(name)
    if table is not None:
        return table
    return Table(name, MetaData(), autoload_with=engine)


def count_rows(engine: Engine, spec: EncryptedTable) -> int:
    table = _table(engine, spec.table)
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def reencrypt_table(
    engine: Engine,
    cipher: FieldCipher,
    spec: EncryptedTable,
    *,
    batch_size: int = 500,
    on_batch: Callable[[int], None] | None = None,
) -> TableReport:
    """Re-encrypt under the current data key every value of ``spec`` that is not.

    Each batch is read in one short transaction, re-encrypted with no transaction open, then
    written in another, each row only if its ciphertexts are still those read (so a write
    made meanwhile by the hub is never lost, and SQLite's single writer is held briefly)."""
    table = _table(engine, spec.table)
    key_column = table.c[spec.key_column]
    columns = [table.c[name] for name in spec.columns]
    report = TableReport(table=spec.table)
    cipher.refresh()
    last: Any = None
    while True:
        query = select(key_column, *columns).order_by(key_column).limit(batch_size)
        if last is not None:
            query = query.where(key_column > last)
        with engine.connect() as connection:
            rows = connection.execute(query).all()
        if not rows:
            break
        current = cipher.current_kid()
        planned = [
            change
            for row in rows
            if (change := _plan_row(cipher, spec, row, current, report)) is not None
        ]
        if planned:
            with unit_of_work(engine) as session:
                for key, updates, read in planned:
                    unchanged = [table.c[name] == blob for name, blob in read.items()]
                    result = session.execute(
                        update(table).where(key_column == key, *unchanged).values(**updates)
                    )
                    if result.rowcount == 1:  # type: ignore[attr-defined]
                        report.rows_reencrypted += 1
                        report.values_reencrypted += len(updates)
                    else:
                        report.rows_changed_meanwhile += 1
        last = rows[-1][0]
        report.rows_scanned += len(rows)
        report.batches += 1
        if on_batch is not None:
            on_batch(len(rows))
    return report


def _plan_row(
    cipher: FieldCipher, spec: EncryptedTable, row: Any, current: str, report: TableReport
) -> tuple[Any, dict[str, bytes], dict[str, bytes]] | None:
    """``(key, new ciphertexts, ciphertexts read)`` for a row with values to rewrite."""
    key, values = row[0], row[1:]
    updates: dict[str, bytes] = {}
    read: dict[str, bytes] = {}
    for name, value in zip(spec.columns, values, strict=True):
        if value is None:
            continue
        blob = bytes(value)
        where = {"table": spec.table, "row_id": str(key), "field": name}
        try:
            if Ciphertext.parse(blob).kid == current:
                continue
            plaintext = cipher.decrypt(blob, **where)
        except (ValueError, InvalidTag):
            report.values_unreadable += 1
            logger.warning(
                "a ciphertext did not decrypt; left as is",
                extra={"table": spec.table, "row_key": str(key), "column": name},
            )
            continue
        updates[name] = cipher.encrypt(plaintext, **where)
        read[name] = blob
    return (key, updates, read) if updates else None


def reencrypt_all(
    engine: Engine,
    cipher: FieldCipher,
    *,
    batch_size: int = 500,
    tables: Sequence[EncryptedTable] | None = None,
    on_table: Callable[[EncryptedTable, int], Callable[[int], None] | None] | None = None,
) -> list[TableReport]:
    """Re-encrypt every registered table; ``on_table(spec, row_count)`` may return a per-batch
    callback (progress)."""
    reports = []
    for spec in tables if tables is not None else encrypted_tables():
        on_batch = on_table(spec, count_rows(engine, spec)) if on_table is not None else None
        reports.append(
            reencrypt_table(engine, cipher, spec, batch_size=batch_size, on_batch=on_batch)
        )
    return reports


def ciphertexts_by_key(
    engine: Engine, tables: Sequence[EncryptedTable] | None = None
) -> dict[str, Counter[str]]:
    """For each table, how many stored values each data key encrypted (a full scan)."""
    census: dict[str, Counter[str]] = {}
    for spec in tables if tables is not None else encrypted_tables():
        table = _table(engine, spec.table)
        counts: Counter[str] = Counter()
        with engine.connect() as connection:
            for row in connection.execute(select(*[table.c[c] for c in spec.columns])):
                for value in row:
                    if value is None:
                        continue
                    try:
                        counts[Ciphertext.parse(bytes(value)).kid] += 1
                    except ValueError:
                        counts["(not a hub ciphertext)"] += 1
        census[spec.table] = counts
    return census
