"""Importing: connector results in, encrypted source records, an import run and the quarantine
out. Takes the session first and never commits: the caller's unit of work makes the whole
import one transaction (a crash leaves nothing, the run included).

Streaming: rows are consumed in chunks of :data:`CHUNK_SIZE`; for each chunk the stored keys
are loaded in one query, then new records are inserted, changed ones updated and unchanged
ones marked seen with one executemany each. Memory stays flat whatever the file size.

Semantics are those of importing the rows one by one, in order: a record identifier seen
again later in the same import (a repeated line, two feed events of one dossier) updates — or
leaves unchanged — what the earlier row stored; that row gets a note in the errors.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, BinaryIO

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from connectors.base import Connector, FileRefusedError, MappingProfile, RowError, RowResult
from connectors.registry import BrokenConnectorError, UnknownConnectorError, get_connector
from consent import audit
from consent.audit import Actor
from consent.vocabulary import AuditAction, Channel
from hub.crypto import Crypto
from hub.errors import ConflictError, HubError, NotFoundError, UnprocessableError
from hub.ingest import repository
from hub.ingest.hooks import run_post_import_hooks
from hub.ingest.models import ImportRun, ImportStatus
from hub.ingest.schemas import (
    ImportOutcome,
    ImportRunPublic,
    ImportSummary,
    QuarantinedRowPublic,
    RowErrorPublic,
)
from hub.models_base import new_id, utcnow
from schemas.v1 import SourceRecord

__all__ = [
    "CHUNK_SIZE",
    "ConcurrentImportError",
    "ConnectorUnavailableError",
    "ImportOutcome",
    "ImportRefusedError",
    "connector_or_raise",
    "get_import",
    "import_file",
    "run_import",
    "sha256_of",
]

logger = logging.getLogger("hub.ingest")

CHUNK_SIZE = 1_000
FINGERPRINT_PURPOSE = "source-record-fingerprint"
MAX_REASON = 1_000
MAX_COLUMN = 200


class ImportRefusedError(UnprocessableError):
    """The file is refused as a whole; nothing was written."""

    code = "file-refused"
    title = "File refused"


class ConnectorUnavailableError(HubError):
    status = 503
    code = "connector-unavailable"
    title = "Connector unavailable"


class ConcurrentImportError(ConflictError):
    code = "concurrent-import"
    title = "Concurrent import"


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def connector_or_raise(source: str) -> Connector:
    """The file connector of ``source``: 404 when unknown, 503 when it failed to load."""
    try:
        return get_connector(source)
    except UnknownConnectorError as exc:
        raise NotFoundError(str(exc)) from None
    except BrokenConnectorError as exc:
        raise ConnectorUnavailableError(str(exc)) from None


def sha256_of(stream: IO[bytes]) -> str:
    """SHA-256 of a seekable stream's content; the stream is left at its start."""
    digest = hashlib.sha256()
    stream.seek(0)
    for block in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


def import_file(
    session: Session,
    crypto: Crypto,
    *,
    source: str,
    stream: BinaryIO,
    file_name: str,
    actor: str,
    organisation_id: uuid.UUID | None,
    profile: MappingProfile | None = None,
    received_at: datetime | None = None,
    observe: Callable[[Iterator[RowResult]], Iterator[RowResult]] | None = None,
    channel: Channel = Channel.API,
) -> ImportOutcome:
    """Read a source file (seekable stream) with its connector and import it.

    Raises :class:`ImportRefusedError` (422) when the file is refused — before anything is written
    when it can be told from the file's start, else from the middle of the import, whose
    transaction the caller then rolls back. ``observe`` may wrap the rows (progress display).
    """
    connector = connector_or_raise(source)
    digest = sha256_of(stream)
    try:
        rows = connector.read(
            stream,
            file_name=file_name,
            received_at=received_at or utcnow(),
            profile=profile,
        )
        return run_import(
            session,
            crypto,
            source=source,
            rows=observe(rows) if observe is not None else rows,
            file_name=file_name,
            file_sha256=digest,
            actor=actor,
            organisation_id=organisation_id,
            channel=channel,
        )
    except FileRefusedError as exc:
        raise ImportRefusedError(str(exc)) from None


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


class _CollectorPause:
    """Pauses Python's cyclic garbage collector while imports run.

    An import allocates millions of short-lived objects that reference counting frees at
    once; the cyclic collector would meanwhile rescan the whole heap hundreds of times
    (a third of an import's CPU). It is re-enabled when the last concurrent import ends,
    if it was enabled when the first began.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._was_enabled = False

    @contextmanager
    def paused(self) -> Iterator[None]:
        with self._lock:
            if self._active == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0 and self._was_enabled:
                    gc.enable()


_COLLECTOR = _CollectorPause()


@dataclass
class _Run:
    run: ImportRun
    source: str
    crypto: Crypto
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    errors: list[RowErrorPublic] = field(default_factory=list)
    changed: dict[uuid.UUID, None] = field(default_factory=dict)
    first_row: dict[str, int] = field(default_factory=dict)


def run_import(
    session: Session,
    crypto: Crypto,
    *,
    source: str,
    rows: Iterable[RowResult],
    file_name: str,
    file_sha256: str,
    actor: str,
    organisation_id: uuid.UUID | None,
    channel: Channel = Channel.API,
) -> ImportOutcome:
    """Store connector results as one import run of ``source``.

    Records are upserted by ``(source, source_record_id)``: new ones created, those whose
    content fingerprint changed updated, the others left unchanged (and marked as seen by
    this run). Quarantined rows are stored encrypted with their reasons. The post-import
    hooks run last, in the same transaction, with the created and updated record ids.
    A record whose ``source`` is not ``source`` is quarantined.
    """
    run = repository.add_run(
        session,
        ImportRun(
            source=source,
            file_name=file_name[:255],
            file_sha256=file_sha256,
            actor=actor[:200],
            organisation_id=organisation_id,
            started_at=utcnow(),
            status=ImportStatus.RUNNING.value,
        ),
    )
    state = _Run(run=run, source=source, crypto=crypto)
    try:
        with _COLLECTOR.paused():
            _store_rows(session, state, rows)
    except IntegrityError as exc:
        raise ConcurrentImportError(
            f"another import of {source} stored the same records meanwhile; run this one again"
        ) from exc
    changed = list(state.changed)
    run_post_import_hooks(session, crypto, changed)
    run.rows, run.created, run.updated = state.rows, state.created, state.updated
    run.unchanged, run.quarantined = state.unchanged, state.quarantined
    run.finished_at = utcnow()
    run.status = ImportStatus.COMPLETED.value
    session.add(run)
    session.flush()
    # One audit entry per run (the run lists its records): who wrote personal data, when.
    audit.record(
        session,
        actor=Actor(client_id=actor[:200], organisation_id=organisation_id, channel=channel),
        action=AuditAction.WRITE,
        fields=("source_record", "quarantined_row"),
        reason=f"import of {source}: {state.created} created, {state.updated} updated, "
        f"{state.quarantined} quarantined",
        reference=str(run.id),
    )
    # Counts and ids only: never a value of a row.
    logger.info(
        "import stored",
        extra={
            "import_id": str(run.id),
            "source": source,
            # "created" would clash with the LogRecord attribute of that name.
            "rows_read": state.rows,
            "rows_created": state.created,
            "rows_updated": state.updated,
            "rows_unchanged": state.unchanged,
            "rows_quarantined": state.quarantined,
        },
    )
    summary = ImportSummary(
        import_id=run.id,
        source=source,
        rows=state.rows,
        created=state.created,
        updated=state.updated,
        unchanged=state.unchanged,
        quarantined=state.quarantined,
        errors=state.errors,
    )
    return ImportOutcome(summary=summary, changed_record_ids=changed)


def _store_rows(session: Session, state: _Run, rows: Iterable[RowResult]) -> None:
    chunk: list[RowResult] = []
    keys_in_chunk: set[str] = set()
    for result in rows:
        key = result.record.source_record_id if result.record is not None else None
        if len(chunk) >= CHUNK_SIZE or (key is not None and key in keys_in_chunk):
            # A key repeated within a chunk is stored after the chunk holding its first
            # occurrence, so that it meets that row's stored state.
            _store_chunk(session, state, chunk)
            chunk, keys_in_chunk = [], set()
        chunk.append(result)
        if key is not None:
            keys_in_chunk.add(key)
    _store_chunk(session, state, chunk)


def _store_chunk(session: Session, state: _Run, chunk: list[RowResult]) -> None:
    if not chunk:
        return
    now = utcnow()
    kept: list[tuple[RowResult, SourceRecord]] = []
    quarantine: list[dict[str, Any]] = []
    for result in chunk:
        state.rows += 1
        record = result.record
        errors = list(result.errors)
        if record is not None and record.source != state.source:
            errors = [RowError(result.row, None, f"a record of source {record.source!r}")]
            record = None
        if record is None:
            state.quarantined += 1
            state.errors.extend(_public(e) for e in errors)
            quarantine.append(_quarantine_values(state, result, errors, now))
            continue
        first = state.first_row.setdefault(record.source_record_id, result.row)
        if first != result.row:
            errors.append(
                RowError(result.row, None, f"same record identifier as row {first}: replaces it")
            )
        state.errors.extend(_public(e) for e in errors)
        kept.append((result, record))

    stored = repository.existing_records(
        session, state.source, [record.source_record_id for _, record in kept]
    )
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    seen: dict[datetime, list[uuid.UUID]] = {}
    for _, record in kept:
        texts = _Texts.of(record)
        fingerprint = state.crypto.blind.index(FINGERPRINT_PURPOSE, texts.canonical)
        existing = stored.get(record.source_record_id)
        if existing is None:
            record_id = new_id()
            values = _record_values(state, record_id, record, texts, fingerprint, now)
            values.update(
                id=record_id,
                source=state.source,
                source_record_id=record.source_record_id,
                first_import_id=state.run.id,
                created_at=now,
                person_id=None,
            )
            inserts.append(values)
            state.created += 1
            state.changed[record_id] = None
        elif existing[1] != fingerprint:
            record_id = existing[0]
            values = _record_values(state, record_id, record, texts, fingerprint, now)
            values["record_id"] = record_id
            updates.append(values)
            state.updated += 1
            state.changed[record_id] = None
        else:
            seen.setdefault(record.received_at, []).append(existing[0])
            state.unchanged += 1
    repository.insert_records(session, inserts)
    repository.update_records(session, updates)
    for received_at, ids in seen.items():
        repository.mark_seen(session, ids, import_id=state.run.id, received_at=received_at)
    repository.insert_quarantined(session, quarantine)


# Built once: json.dumps with options builds an encoder at every call.
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class _Texts:
    """The JSON texts of a record: what is encrypted, and what its fingerprint covers."""

    person: str
    details: str
    canonical: str

    @staticmethod
    def of(record: SourceRecord) -> _Texts:
        person = record.person.model_dump_json()
        recorded_on = f'"{record.recorded_on.isoformat()}"' if record.recorded_on else "null"
        attributes = _JSON.encode(record.attributes)
        details = (
            f'{{"follow_up":{record.follow_up.model_dump_json()},'
            f'"attributes":{attributes},"recorded_on":{recorded_on}}}'
        )
        return _Texts(
            person=person, details=details, canonical=canonical_text(record, person, details)
        )


def canonical_text(
    record: SourceRecord, person: str | None = None, details: str | None = None
) -> str:
    """Everything the source said about a record, not when the hub heard it (``received_at``):
    a re-import of the same row gives the same text, hence the same fingerprint."""
    head = _JSON.encode(
        [record.schema_version, record.source, record.source_record_id, record.needs, record.flags]
    )
    if person is None or details is None:
        texts = _Texts.of(record)
        person, details = texts.person, texts.details
    return f"{head}\x1e{person}\x1e{details}"


def _record_values(
    state: _Run,
    record_id: uuid.UUID,
    record: SourceRecord,
    texts: _Texts,
    fingerprint: str,
    now: datetime,
) -> dict[str, Any]:
    cipher = state.crypto.cipher
    person = record.person
    row_id = str(record_id)
    return {
        "schema_version": record.schema_version,
        "person": cipher.encrypt(
            texts.person.encode(), table="source_record", row_id=row_id, field="person"
        ),
        "details": cipher.encrypt(
            texts.details.encode(), table="source_record", row_id=row_id, field="details"
        ),
        "fingerprint": fingerprint,
        "needs": list(record.needs),
        "flags": [flag.value for flag in record.flags],
        "commune_insee": person.address.commune_insee if person.address else None,
        "sex": person.sex.value if person.sex else None,
        "birth_year": person.birth_date.year if person.birth_date else None,
        "lives_in_qpv": person.lives_in_qpv,
        "known_to_mission_locale": record.follow_up.known_to_mission_locale,
        "recorded_on": record.recorded_on,
        "received_at": record.received_at,
        "last_import_id": state.run.id,
        "updated_at": now,
    }


def _quarantine_values(
    state: _Run, result: RowResult, errors: list[RowError], now: datetime
) -> dict[str, Any]:
    row_id = new_id()
    reasons = errors or [RowError(result.row, None, "row unusable")]
    return {
        "id": row_id,
        "import_id": state.run.id,
        "row": result.row,
        "column": reasons[0].column[:MAX_COLUMN] if reasons[0].column else None,
        "reason": "; ".join(e.reason for e in reasons)[:MAX_REASON],
        "raw": state.crypto.cipher.encrypt_json(
            dict(result.raw), table="quarantined_row", row_id=str(row_id), field="raw"
        ),
        "created_at": now,
    }


def _public(error: RowError) -> RowErrorPublic:
    column = error.column[:MAX_COLUMN] if error.column else None
    return RowErrorPublic(row=error.row, column=column, reason=error.reason[:MAX_REASON])


# ---------------------------------------------------------------------------------------------
# Reading runs
# ---------------------------------------------------------------------------------------------


def get_import(
    session: Session,
    crypto: Crypto,
    import_id: uuid.UUID,
    *,
    organisation_id: uuid.UUID | None,
    include_raw: bool,
    reader: Actor | None = None,
) -> ImportRunPublic:
    """The run and its quarantined rows; 404 when missing or, for a caller acting for an
    organisation (``organisation_id`` not None), when the run is another organisation's.
    ``include_raw`` decrypts the rows as read (data-protection administrators only)."""
    run = repository.get_run(session, import_id)
    if run is None or (organisation_id is not None and run.organisation_id != organisation_id):
        raise NotFoundError(f"no import {import_id}")
    rows = [
        QuarantinedRowPublic(
            row=row.row,
            column=row.column,
            reason=row.reason,
            raw=crypto.cipher.decrypt_json(
                row.raw, table="quarantined_row", row_id=str(row.id), field="raw"
            )
            if include_raw
            else None,
        )
        for row in repository.quarantined_rows(session, import_id)
    ]
    if include_raw and rows:
        audit.record(
            session,
            actor=reader or Actor(client_id="unknown"),
            action=AuditAction.READ,
            fields=("quarantined_row.raw",),
            reason=f"quarantined rows of an import of {run.source}",
            reference=str(run.id),
        )
    return ImportRunPublic(
        id=run.id,
        source=run.source,
        file_name=run.file_name,
        file_sha256=run.file_sha256,
        actor=run.actor,
        organisation_id=run.organisation_id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
        rows=run.rows,
        created=run.created,
        updated=run.updated,
        unchanged=run.unchanged,
        quarantined=run.quarantined,
        quarantined_rows=rows,
    )
