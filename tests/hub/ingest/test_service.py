"""run_import / import_file: idempotence, updates, quarantine, one transaction, hooks."""

from __future__ import annotations

import gc
import hashlib
import io
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from connectors.base import RowError, RowResult
from connectors.decrocheurs import map_row
from hub.crypto import Crypto, build_crypto
from hub.db import unit_of_work
from hub.errors import NotFoundError
from hub.ingest import service
from hub.ingest.hooks import register_post_import, unregister_post_import
from hub.ingest.models import ImportRun, QuarantinedRow, SourceRecordRow
from hub.ingest.service import ImportRefusedError, get_import, import_file, run_import
from hub.settings import Settings
from schemas.v1 import Person
from tests.connectors.files import RECEIVED_AT
from tests.hub.ingest.factories import campaign, decrocheur, decrocheurs_file


@pytest.fixture
def crypto(settings: Settings, engine: Engine) -> Crypto:
    return build_crypto(settings, engine)


def _import(
    engine: Engine, crypto: Crypto, data: bytes, *, source: str = "decrocheurs"
) -> service.ImportOutcome:
    with unit_of_work(engine) as session:
        return import_file(
            session,
            crypto,
            source=source,
            stream=io.BytesIO(data),
            file_name="liste.csv",
            actor="test",
            organisation_id=None,
            received_at=RECEIVED_AT,
        )


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _records(engine: Engine) -> dict[str, SourceRecordRow]:
    with Session(engine) as session:
        rows = session.execute(select(SourceRecordRow)).scalars().all()
        return {row.source_record_id: row for row in rows}


def _person(crypto: Crypto, row: SourceRecordRow) -> Person:
    data = crypto.cipher.decrypt_json(
        row.person, table="source_record", row_id=str(row.id), field="person"
    )
    return Person.model_validate(data)


def test_import_stores_encrypted_records_and_a_run(engine: Engine, crypto: Crypto) -> None:
    data = decrocheurs_file(
        [
            decrocheur("L-1", NOM="SCHNEIDER", SEXE="F", TEL_MOBILE="06 12 34 56 78"),
            decrocheur("L-2", NOM="WEBER", COMMUNE="Colmar", CODE_POSTAL="68000", CONNU_ML="O"),
        ]
    )
    summary = _import(engine, crypto, data).summary
    assert summary.model_dump(exclude={"import_id"}) == {
        "source": "decrocheurs",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "quarantined": 0,
        "errors": [],
    }
    records = _records(engine)
    first = records["L-1"]
    assert b"SCHNEIDER" not in first.person
    assert b"0612345678" not in first.person
    person = _person(crypto, first)
    assert person.family_name == "SCHNEIDER"
    assert person.phones == ["+33612345678"]
    assert (first.commune_insee, first.sex, first.birth_year) == ("68224", "F", 2006)
    assert first.flags == []
    assert first.first_import_id == first.last_import_id == summary.import_id
    assert first.received_at == RECEIVED_AT
    second = records["L-2"]
    assert second.flags == ["outside_m2a"]
    assert second.known_to_mission_locale is True
    details = crypto.cipher.decrypt_json(
        second.details, table="source_record", row_id=str(second.id), field="details"
    )
    assert details["follow_up"]["campaign"] == "2024-03"
    assert details["recorded_on"] == "2024-03-01"
    with Session(engine) as session:
        run = session.get(ImportRun, summary.import_id)
        assert run is not None
        assert run.status == "completed"
        assert (run.rows, run.created, run.quarantined) == (2, 2, 0)
        assert run.file_sha256 == hashlib.sha256(data).hexdigest()
        assert run.actor == "test"
        assert run.finished_at is not None


def test_fingerprint_is_a_keyed_index_not_a_plain_hash(engine: Engine, crypto: Crypto) -> None:
    _import(engine, crypto, decrocheurs_file([decrocheur("L-1")]))
    row = _records(engine)["L-1"]
    record = map_row(
        dict(zip(decrocheurs_file.__globals__["HEADER"], decrocheur("L-1"), strict=True)),
        row=1,
        received_at=RECEIVED_AT,
    ).record
    assert record is not None
    canonical = service.canonical_text(record)
    assert '"received_at"' not in canonical
    assert row.fingerprint == crypto.blind.index(service.FINGERPRINT_PURPOSE, canonical)
    assert row.fingerprint != hashlib.sha256(canonical.encode()).hexdigest()


def test_reimporting_the_same_file_creates_nothing(engine: Engine, crypto: Crypto) -> None:
    data = decrocheurs_file(campaign(5))
    first = _import(engine, crypto, data)
    second = _import(engine, crypto, data)
    assert second.summary.rows == 5
    assert (second.summary.created, second.summary.updated) == (0, 0)
    assert second.summary.unchanged == 5
    assert second.changed_record_ids == []
    assert len(first.changed_record_ids) == 5
    records = _records(engine)
    assert len(records) == 5
    assert {r.first_import_id for r in records.values()} == {first.summary.import_id}
    assert {r.last_import_id for r in records.values()} == {second.summary.import_id}


def test_next_campaign_updates_changed_records_and_adds_new_ones(
    engine: Engine, crypto: Crypto
) -> None:
    rows = campaign(4)
    first = _import(engine, crypto, decrocheurs_file(rows))
    before = _records(engine)
    rows[1] = decrocheur("L-1", NOM="NOM1", TEL_MOBILE="07 61 22 33 44")  # a new phone
    rows.append(decrocheur("L-9", NOM="NEUF"))
    outcome = _import(engine, crypto, decrocheurs_file(rows))
    summary = outcome.summary
    assert (summary.rows, summary.created, summary.updated, summary.unchanged) == (5, 1, 1, 3)
    after = _records(engine)
    assert set(outcome.changed_record_ids) == {after["L-1"].id, after["L-9"].id}
    assert after["L-1"].id == before["L-1"].id
    assert after["L-1"].first_import_id == first.summary.import_id
    assert after["L-1"].updated_at > before["L-1"].updated_at
    assert _person(crypto, after["L-1"]).phones == ["+33761223344"]
    assert after["L-0"].updated_at == before["L-0"].updated_at


def test_bad_rows_are_quarantined_and_counted(engine: Engine, crypto: Crypto) -> None:
    rows = [
        decrocheur("L-1"),
        decrocheur("L-2", NOM="", PRENOM=""),  # nothing identifying
        decrocheur("L-3", DATE_NAISSANCE="31/02/2006"),  # field error, kept
        [*decrocheur("L-4"), "surplus"],  # too many cells
    ]
    summary = _import(engine, crypto, decrocheurs_file(rows)).summary
    assert (summary.rows, summary.created, summary.quarantined) == (4, 2, 2)
    assert summary.rows == summary.created + summary.updated + summary.unchanged + 2
    assert [(e.row, e.column) for e in summary.errors] == [
        (2, None),
        (3, "DATE_NAISSANCE"),
        (4, None),
    ]
    with Session(engine) as session:
        stored = session.execute(select(QuarantinedRow).order_by(QuarantinedRow.row)).scalars()
        quarantined = list(stored)
    assert [(q.row, q.import_id) for q in quarantined] == [
        (2, summary.import_id),
        (4, summary.import_id),
    ]
    raw = crypto.cipher.decrypt_json(
        quarantined[0].raw, table="quarantined_row", row_id=str(quarantined[0].id), field="raw"
    )
    assert raw["ID_ELEVE_LISTE"] == "L-2"
    assert b"L-2" not in quarantined[0].raw
    again = _import(engine, crypto, decrocheurs_file(rows)).summary
    assert (again.rows, again.unchanged, again.quarantined) == (4, 2, 2)
    assert _count(engine, QuarantinedRow) == 4


def test_a_repeated_identifier_is_read_as_a_later_version(
    engine: Engine, crypto: Crypto, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK_SIZE", 2)
    rows = [
        decrocheur("L-1"),
        decrocheur("L-2"),
        decrocheur("L-1"),  # same content: unchanged
        decrocheur("L-3"),
        decrocheur("L-2", NOM="AUTRE"),  # other content: updated
    ]
    summary = _import(engine, crypto, decrocheurs_file(rows)).summary
    assert (summary.created, summary.updated, summary.unchanged) == (3, 1, 1)
    assert [(e.row, e.reason) for e in summary.errors] == [
        (3, "same record identifier as row 1: replaces it"),
        (5, "same record identifier as row 2: replaces it"),
    ]
    assert _person(crypto, _records(engine)["L-2"]).family_name == "AUTRE"


def test_many_chunks(engine: Engine, crypto: Crypto, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "CHUNK_SIZE", 7)
    rows = campaign(50)
    rows[20] = decrocheur("", NOM="")  # quarantined in the middle
    first = _import(engine, crypto, decrocheurs_file(rows)).summary
    assert (first.created, first.quarantined) == (49, 1)
    rows[30] = decrocheur("L-30", NOM="CHANGE")
    second = _import(engine, crypto, decrocheurs_file(rows)).summary
    assert (second.created, second.updated, second.unchanged, second.quarantined) == (0, 1, 48, 1)


def test_a_refused_file_writes_nothing(engine: Engine, crypto: Crypto) -> None:
    with pytest.raises(ImportRefusedError, match="missing required column ID_ELEVE_LISTE"):
        _import(engine, crypto, b"id_demande;nom\n1;X\n")
    with pytest.raises(ImportRefusedError, match="empty"):
        _import(engine, crypto, b"")
    assert _count(engine, ImportRun) == 0
    assert _count(engine, SourceRecordRow) == 0


def test_a_failure_in_the_middle_leaves_nothing(
    engine: Engine, crypto: Crypto, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK_SIZE", 10)
    results = [
        map_row({"ID_ELEVE_LISTE": f"L-{n}", "NOM": "X"}, row=n, received_at=RECEIVED_AT)
        for n in range(1, 40)
    ]

    def crashing() -> Iterator[RowResult]:
        yield from results[:25]
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        run_import(
            session,
            crypto,
            source="decrocheurs",
            rows=crashing(),
            file_name="x.csv",
            file_sha256="0" * 64,
            actor="test",
            organisation_id=None,
        )
    assert _count(engine, ImportRun) == 0
    assert _count(engine, SourceRecordRow) == 0


def test_records_of_another_source_are_quarantined(session: Session, crypto: Crypto) -> None:
    record = map_row({"ID_ELEVE_LISTE": "L-1", "NOM": "X"}, row=1, received_at=RECEIVED_AT)
    summary = run_import(
        session,
        crypto,
        source="boussole",
        rows=[record],
        file_name="x",
        file_sha256="0" * 64,
        actor="test",
        organisation_id=None,
    ).summary
    assert summary.quarantined == 1
    assert summary.errors[0].reason == "a record of source 'decrocheurs'"


def test_post_import_hooks_see_the_changed_records(engine: Engine, crypto: Crypto) -> None:
    calls: list[list[uuid.UUID]] = []

    def hook(session: Session, _crypto: Crypto, ids: list[uuid.UUID]) -> None:
        stored = session.execute(
            select(SourceRecordRow.id).where(SourceRecordRow.id.in_(ids))  # type: ignore[attr-defined]
        ).all()
        assert len(stored) == len(ids)
        calls.append(ids)

    register_post_import(hook)
    register_post_import(hook)  # once only
    try:
        data = decrocheurs_file(campaign(3))
        first = _import(engine, crypto, data)
        _import(engine, crypto, data)
    finally:
        unregister_post_import(hook)
    assert calls == [first.changed_record_ids, []]


def test_a_failing_hook_rolls_the_import_back(engine: Engine, crypto: Crypto) -> None:
    def hook(_session: Session, _crypto: Crypto, _ids: list[uuid.UUID]) -> None:
        raise RuntimeError("identity resolution failed")

    register_post_import(hook)
    try:
        with pytest.raises(RuntimeError):
            _import(engine, crypto, decrocheurs_file(campaign(3)))
    finally:
        unregister_post_import(hook)
    assert _count(engine, ImportRun) == 0
    assert _count(engine, SourceRecordRow) == 0


def test_unknown_source_is_not_found(engine: Engine, crypto: Crypto) -> None:
    with pytest.raises(NotFoundError, match="unknown source 'nope'"):
        _import(engine, crypto, b"a;b\n", source="nope")


def test_get_import_shows_raw_rows_only_when_asked(engine: Engine, crypto: Crypto) -> None:
    rows = [decrocheur("L-1"), decrocheur("L-2", NOM="", PRENOM="")]
    summary = _import(engine, crypto, decrocheurs_file(rows)).summary
    with Session(engine) as session:
        plain = get_import(
            session, crypto, summary.import_id, organisation_id=None, include_raw=False
        )
        full = get_import(
            session, crypto, summary.import_id, organisation_id=None, include_raw=True
        )
        with pytest.raises(NotFoundError):
            get_import(
                session, crypto, summary.import_id, organisation_id=uuid.uuid4(), include_raw=True
            )
        with pytest.raises(NotFoundError):
            get_import(session, crypto, uuid.uuid4(), organisation_id=None, include_raw=True)
    assert plain.quarantined_rows[0].model_dump() == {
        "row": 2,
        "column": None,
        "reason": "nothing identifies a person (name, INE, phone, e-mail)",
    }
    assert full.quarantined_rows[0].raw is not None
    assert full.quarantined_rows[0].raw["ID_ELEVE_LISTE"] == "L-2"
    assert (full.rows, full.created, full.quarantined) == (2, 1, 1)


def test_row_errors_are_public_shapes() -> None:
    public = service._public(RowError(3, "x" * 300, "reason"))
    assert public.column is not None
    assert len(public.column) == 200


def test_the_garbage_collector_is_paused_only_during_the_import(
    engine: Engine, crypto: Crypto
) -> None:
    states: list[bool] = []

    def watching() -> Iterator[RowResult]:
        states.append(gc.isenabled())
        yield map_row({"ID_ELEVE_LISTE": "L-1", "NOM": "X"}, row=1, received_at=RECEIVED_AT)
        raise RuntimeError("killed")

    assert gc.isenabled()
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        run_import(
            session,
            crypto,
            source="decrocheurs",
            rows=watching(),
            file_name="x.csv",
            file_sha256="0" * 64,
            actor="test",
            organisation_id=None,
        )
    assert states == [False]
    assert gc.isenabled()
    gc.disable()
    try:
        _import(engine, crypto, decrocheurs_file(campaign(2)))
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_post_import_hooks_run_by_order_even_when_registered_again() -> None:
    import hub.cli  # noqa: F401 - registers every domain's hooks, as the hub does
    from hub.ingest.hooks import post_import_hooks
    from hub.persons.hooks import link_imported_records
    from hub.referrals.imports import route_after_import

    def early(session: Session, crypto: Crypto, ids: list[uuid.UUID]) -> None: ...

    names = [hook.__name__ for hook in post_import_hooks()]
    assert names.index("link_imported_records") < names.index("flag_reimports")
    assert names.index("flag_reimports") < names.index("route_after_import")
    unregister_post_import(link_imported_records)
    register_post_import(link_imported_records)
    register_post_import(early, order=0)
    try:
        hooks = post_import_hooks()
        assert hooks[0] is early
        assert hooks.index(link_imported_records) < hooks.index(route_after_import)
    finally:
        unregister_post_import(early)
