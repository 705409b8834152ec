"""A throw-away encrypted table for key rotation tests (kept out of the hub's metadata)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Column, Engine, LargeBinary, MetaData, String, Table, insert, select

from hub.crypto import FieldCipher
from hub.crypto.registry import EncryptedTable

SPEC = EncryptedTable(table="rotation_probe", key_column="id", columns=("secret", "note"))

_metadata = MetaData()
probe = Table(
    "rotation_probe",
    _metadata,
    Column("id", String(36), primary_key=True),
    Column("secret", LargeBinary, nullable=False),
    Column("note", LargeBinary, nullable=True),
)


@contextmanager
def probe_table(engine: Engine) -> Iterator[Table]:
    _metadata.create_all(engine)
    try:
        yield probe
    finally:
        _metadata.drop_all(engine)


def write(engine: Engine, cipher: FieldCipher, row_id: str, secret: str, note: str | None) -> None:
    where = {"table": SPEC.table, "row_id": row_id}
    with engine.begin() as connection:
        connection.execute(
            insert(probe).values(
                id=row_id,
                secret=cipher.encrypt_text(secret, field="secret", **where),
                note=cipher.encrypt_text(note, field="note", **where),
            )
        )


def read_all(engine: Engine, cipher: FieldCipher) -> dict[str, tuple[str | None, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(select(probe).order_by(probe.c.id)).all()
    return {
        row.id: (
            cipher.decrypt_text(row.secret, table=SPEC.table, row_id=row.id, field="secret"),
            cipher.decrypt_text(row.note, table=SPEC.table, row_id=row.id, field="note"),
        )
        for row in rows
    }


def kids(engine: Engine) -> set[str]:
    from hub.crypto import Ciphertext

    with engine.connect() as connection:
        rows = connection.execute(select(probe.c.secret, probe.c.note)).all()
    return {Ciphertext.parse(value).kid for row in rows for value in row if value is not None}
