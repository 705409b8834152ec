"""Everything a database holds, as bytes: what an attacker with a copy of it would read.

- SQLite: the database file and its write-ahead log, byte for byte (after a checkpoint, and
  including free pages, where deleted rows may linger).
- PostgreSQL: every row of every table of the schema in use, each value as text, bytea raw.

Tests search the dump for personal data that must be stored only encrypted."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, MetaData, select, text


def raw_dump(engine: Engine) -> bytes:
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(FULL)"))
        database = engine.url.database
        assert database, "an in-memory database has no file to dump"
        files = [Path(database), Path(database + "-wal")]
        return b"".join(path.read_bytes() for path in files if path.exists())
    metadata = MetaData()
    chunks: list[bytes] = []
    with engine.connect() as connection:
        metadata.reflect(connection)
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode())
    return b"\n".join(chunks)


def leaks(dump: bytes, *needles: str) -> list[str]:
    """The needles found in the dump (UTF-8 and UTF-16, case-insensitively)."""
    lowered = dump.lower()
    found = []
    for needle in needles:
        low = needle.lower()
        if low.encode() in lowered or low.encode("utf-16-le") in lowered:
            found.append(needle)
    return found
