"""Linking through the import path: incremental, corrections surviving re-imports, views."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

import hub.persons.service.linking as persons_service
from consent.audit import Actor
from consent.vocabulary import Channel
from hub.crypto import Crypto, build_crypto
from hub.db import unit_of_work
from hub.errors import ConflictError, NotFoundError
from hub.ingest.models import SourceRecordRow
from hub.persons import service
from hub.persons.models import Person, PersonMatchKey, PersonStatus
from hub.settings import Settings
from schemas import v1
from tests.hub.persons.factories import (
    decrocheur,
    demande,
    dossier,
    import_rows,
    persons_by_record,
    record_id,
)

HOUSEHOLD = "06 11 22 33 44"
DPO = Actor(client_id="dpo", channel=Channel.CLI)


@pytest.fixture
def crypto(settings: Settings, engine: Engine) -> Crypto:
    return build_crypto(settings, engine)


def _meyer_family() -> list[dict[str, str]]:
    # Twins: same family name, address, household phone and birth date.
    return [
        decrocheur("L-1", NOM="MEYER", PRENOM="Hugo", DATE_NAISSANCE="14/03/2006",
                   TEL_MOBILE=HOUSEHOLD, ADRESSE="3 RUE DU RHIN", INE="123456789AB"),
        decrocheur("L-2", NOM="MEYER", PRENOM="Nathan", DATE_NAISSANCE="14/03/2006",
                   TEL_MOBILE=HOUSEHOLD, ADRESSE="3 RUE DU RHIN"),
    ]  # fmt: skip


def test_one_person_across_three_sources_and_twins_stay_apart(
    engine: Engine, crypto: Crypto
) -> None:
    import_rows(engine, crypto, "decrocheurs", _meyer_family())
    import_rows(
        engine,
        crypto,
        "boussole",
        [demande("B-1", prenom="hugo", nom="Meyer", date_de_naissance="2006-03-14",
                 telephone="+33611223344", email="hugo.meyer@example.org")],
    )  # fmt: skip
    import_rows(
        engine,
        crypto,
        "perdus-de-vue",
        [dossier("M-1", Nom="Meyer", Prénom="Hugo", **{"Date de naissance": "2006-03-14"},
                 Courriel="hugo.meyer@example.org", INE="123456789AB")],
    )  # fmt: skip
    persons = persons_by_record(engine)
    hugo = persons[("decrocheurs", "L-1")]
    assert persons[("boussole", "B-1")] == hugo
    assert persons[("perdus-de-vue", "M-1")] == hugo
    assert persons[("decrocheurs", "L-2")] != hugo
    with Session(engine) as session:
        synced = session.execute(
            select(SourceRecordRow.source_record_id, SourceRecordRow.person_id)
        ).all()
    assert {row[0]: row[1] for row in synced} == {
        rid: pid for (_source, rid), pid in persons.items()
    }


def test_an_import_links_new_records_to_existing_persons_without_recomputing(
    engine: Engine, crypto: Crypto, monkeypatch: pytest.MonkeyPatch
) -> None:
    crowd = [
        decrocheur(f"L-{i}", NOM=f"NOM{chr(65 + i % 26)}{chr(65 + i // 26)}", PRENOM="Lucas",
                   DATE_NAISSANCE=f"{1 + i % 28:02d}/0{1 + i % 9}/2004")
        for i in range(60)
    ]  # fmt: skip
    import_rows(engine, crypto, "decrocheurs", [*crowd, *_meyer_family()])
    before = persons_by_record(engine)

    decrypted: list[int] = []
    original = persons_service._decrypt

    def counting(crypto: Crypto, blobs):  # type: ignore[no-untyped-def]
        blobs = list(blobs)
        decrypted.append(len(blobs))
        return original(crypto, blobs)

    monkeypatch.setattr(persons_service, "_decrypt", counting)
    import_rows(
        engine,
        crypto,
        "boussole",
        [demande("B-9", prenom="Nathan", nom="MEYER", date_de_naissance="14/03/2006")],
    )
    after = persons_by_record(engine)
    assert after[("boussole", "B-9")] == before[("decrocheurs", "L-2")]
    assert {k: v for k, v in after.items() if k in before} == before
    # The new record, then only the candidates of its blocks: never the 62 stored records.
    assert decrypted[0] == 1
    assert sum(decrypted[1:]) <= 3


def test_reimport_keeps_persons_and_a_changed_record_keeps_its_person(
    engine: Engine, crypto: Crypto
) -> None:
    rows = _meyer_family()
    import_rows(engine, crypto, "decrocheurs", rows)
    first = persons_by_record(engine)
    outcome = import_rows(engine, crypto, "decrocheurs", rows)
    assert outcome.summary.unchanged == 2
    rows[0] = {**rows[0], "TEL_MOBILE": "07 99 88 77 66", "MAIL": "hugo@example.org"}
    outcome = import_rows(engine, crypto, "decrocheurs", rows)
    assert outcome.summary.updated == 1
    assert persons_by_record(engine) == first
    with Session(engine) as session:
        count = session.execute(select(func.count()).select_from(Person)).scalar_one()
    assert count == 2


def test_match_keys_are_blind_indexes_only(engine: Engine, crypto: Crypto) -> None:
    import_rows(engine, crypto, "decrocheurs", _meyer_family())
    with Session(engine) as session:
        keys = session.execute(select(PersonMatchKey)).scalars().all()
    assert keys
    kinds = {key.kind for key in keys}
    assert {"ine", "phone", "name_dob", "names"} <= kinds
    for key in keys:
        text = key.value.lower()
        assert "meyer" not in text
        assert "2006" not in text
        assert "611223344" not in text
        assert len(key.value) == 27


def _two_unlinked_records(engine: Engine, crypto: Crypto) -> tuple[uuid.UUID, uuid.UUID]:
    # Married name, no birth date and no contact in common: not linked automatically.
    import_rows(
        engine,
        crypto,
        "decrocheurs",
        [decrocheur("L-1", NOM="SCHMITT", PRENOM="Sarah", SEXE="F", DATE_NAISSANCE="02/05/1999")],
    )
    import_rows(engine, crypto, "boussole", [demande("B-1", prenom="Sarah", nom="Haddad")])
    persons = persons_by_record(engine)
    assert persons[("decrocheurs", "L-1")] != persons[("boussole", "B-1")]
    return persons[("decrocheurs", "L-1")], persons[("boussole", "B-1")]


def test_merge_survives_reimports_and_relinking(engine: Engine, crypto: Crypto) -> None:
    keep, other = _two_unlinked_records(engine, crypto)
    with unit_of_work(engine) as session:
        service.merge_persons(session, keep, other, actor=DPO)
    persons = persons_by_record(engine)
    assert persons[("boussole", "B-1")] == keep
    # Both records change in later exports: they are linked again, and stay together.
    import_rows(
        engine,
        crypto,
        "boussole",
        [demande("B-1", prenom="Sarah", nom="Haddad", telephone="0612121212")],
    )
    import_rows(
        engine,
        crypto,
        "decrocheurs",
        [decrocheur("L-1", NOM="SCHMITT", PRENOM="Sarah", SEXE="F",
                    DATE_NAISSANCE="02/05/1999", MAIL="s.schmitt@example.org")],
    )  # fmt: skip
    assert set(persons_by_record(engine).values()) == {keep}
    with unit_of_work(engine) as session:
        service.relink_all(session, crypto)
    assert set(persons_by_record(engine).values()) == {keep}
    with Session(engine) as session:
        merged = session.get(Person, other)
    assert merged is not None
    assert merged.status == PersonStatus.MERGED
    assert merged.merged_into_id == keep


def test_detach_survives_reimports_relinking_and_new_evidence(
    engine: Engine, crypto: Crypto
) -> None:
    import_rows(
        engine,
        crypto,
        "decrocheurs",
        [decrocheur("L-1", NOM="WEBER", PRENOM="Jade", SEXE="F", DATE_NAISSANCE="09/09/2005")],
    )
    import_rows(
        engine,
        crypto,
        "boussole",
        [demande("B-1", prenom="Jade", nom="Weber", date_de_naissance="09/09/2005")],
    )
    person = persons_by_record(engine)[("decrocheurs", "L-1")]
    assert persons_by_record(engine)[("boussole", "B-1")] == person
    detached = record_id(engine, "boussole", "B-1")
    with unit_of_work(engine) as session:
        fresh = service.detach_record(session, person, detached, actor=DPO).id
    assert persons_by_record(engine)[("boussole", "B-1")] == fresh

    # The detached record changes and is imported again; a third record matches both.
    import_rows(
        engine,
        crypto,
        "boussole",
        [demande("B-1", prenom="Jade", nom="Weber", date_de_naissance="09/09/2005",
                 telephone="0645454545")],
    )  # fmt: skip
    import_rows(
        engine,
        crypto,
        "perdus-de-vue",
        [dossier("M-1", Nom="WEBER", Prénom="Jade", Sexe="F",
                 **{"Date de naissance": "2005-09-09"})],
    )  # fmt: skip
    persons = persons_by_record(engine)
    assert persons[("boussole", "B-1")] == fresh
    assert persons[("decrocheurs", "L-1")] == person
    assert persons[("perdus-de-vue", "M-1")] in {person, fresh}
    with unit_of_work(engine) as session:
        service.relink_all(session, crypto)
    relinked = persons_by_record(engine)
    assert relinked[("boussole", "B-1")] == fresh
    assert relinked[("decrocheurs", "L-1")] == person


def test_new_evidence_merges_two_persons_and_the_larger_survives(
    engine: Engine, crypto: Crypto
) -> None:
    # Same e-mail, but the married name and a missing birth date keep them apart at first...
    import_rows(
        engine,
        crypto,
        "decrocheurs",
        [decrocheur("L-1", NOM="SCHMITT", PRENOM="Sarah", SEXE="F", DATE_NAISSANCE="02/05/1999"),
         decrocheur("L-2", NOM="SCHMITT", PRENOM="Sarah", SEXE="F", DATE_NAISSANCE="02/05/1999",
                    CAMPAGNE="2025-05")],
    )  # fmt: skip
    import_rows(
        engine, crypto, "boussole", [demande("B-1", prenom="Sarah", nom="Haddad", email="s@x.org")]
    )
    persons = persons_by_record(engine)
    larger = persons[("decrocheurs", "L-1")]
    assert persons[("decrocheurs", "L-2")] == larger
    assert persons[("boussole", "B-1")] != larger
    # ...until the Mission Locale's file knows both names and the e-mail.
    import_rows(
        engine,
        crypto,
        "perdus-de-vue",
        [dossier("M-1", Nom="Schmitt", **{"Nom d'usage": "Haddad", "Date de naissance":
                 "1999-05-02"}, Prénom="Sarah", Sexe="F", Courriel="s@x.org")],
    )  # fmt: skip
    assert set(persons_by_record(engine).values()) == {larger}


def test_corrections_are_checked(engine: Engine, crypto: Crypto) -> None:
    keep, other = _two_unlinked_records(engine, crypto)
    with unit_of_work(engine) as session:
        with pytest.raises(ConflictError):
            service.merge_persons(session, keep, keep, actor=DPO)
        with pytest.raises(NotFoundError):
            service.merge_persons(session, keep, uuid.uuid4(), actor=DPO)
        with pytest.raises(ConflictError, match="only record"):
            service.detach_record(session, keep, record_id(engine, "decrocheurs", "L-1"), actor=DPO)
        with pytest.raises(NotFoundError):
            service.detach_record(session, keep, record_id(engine, "boussole", "B-1"), actor=DPO)
        service.merge_persons(session, keep, other, actor=DPO)
    with unit_of_work(engine) as session, pytest.raises(ConflictError, match="merged"):
        service.merge_persons(session, other, keep, actor=DPO)


def test_person_view_decrypts_records_and_shows_evidence(engine: Engine, crypto: Crypto) -> None:
    import_rows(engine, crypto, "decrocheurs", _meyer_family())
    import_rows(
        engine,
        crypto,
        "boussole",
        [demande("B-1", prenom="Hugo", nom="MEYER", date_de_naissance="14/03/2006")],
    )
    person_id = persons_by_record(engine)[("decrocheurs", "L-1")]
    with Session(engine) as session:
        view = service.get_person_or_raise(session, crypto, person_id)
    assert view.status == PersonStatus.ACTIVE
    assert sorted(r.source for r in view.records) == ["boussole", "decrocheurs"]
    assert {r.person.family_name for r in view.records} == {"MEYER"}
    linked = next(r for r in view.records if r.source == "boussole")
    assert linked.link.evidence["rule"] in {"score", "phone+name+birth"}
    assert linked.link.evidence["matched_with"] == str(record_id(engine, "decrocheurs", "L-1"))
    assert linked.link.evidence["comparison"]["birth_date"] == "exact"
    assert "name_dob" in linked.link.evidence["keys"]
    assert "meyer" not in repr(linked.link.evidence).lower()
    with Session(engine) as session, pytest.raises(NotFoundError):
        service.get_person_or_raise(session, crypto, uuid.uuid4())


def test_resolve_person_from_a_partial_description(engine: Engine, crypto: Crypto) -> None:
    import_rows(
        engine,
        crypto,
        "decrocheurs",
        [
            decrocheur("L-1", NOM="MEYER", PRENOM="Hugo", DATE_NAISSANCE="14/03/2006",
                       TEL_MOBILE="06 98 76 54 32"),
            decrocheur("L-2", NOM="MEYER", PRENOM="Jade", SEXE="F", DATE_NAISSANCE="01/02/2003",
                       TEL_MOBILE=HOUSEHOLD),
            decrocheur("L-3", NOM="MEYER", PRENOM="Louis", DATE_NAISSANCE="05/06/2004",
                       TEL_MOBILE=HOUSEHOLD),
        ],
    )  # fmt: skip
    persons = persons_by_record(engine)
    with Session(engine) as session:
        found = service.resolve_person(
            session,
            crypto,
            v1.Person(given_names=["hugo"], phones=["+33698765432"],
                      address=v1.Address(commune_insee="68224")),
        )  # fmt: skip
        assert found == persons[("decrocheurs", "L-1")]
        # The household phone with another first name is a sibling, not a match.
        assert (
            service.resolve_person(
                session, crypto, v1.Person(given_names=["Emma"], phones=["+33611223344"])
            )
            is None
        )
        assert service.resolve_person(session, crypto, v1.Person(family_name="Nobody")) is None


def test_create_person_for_record(engine: Engine, crypto: Crypto) -> None:
    import_rows(engine, crypto, "decrocheurs", _meyer_family())
    stored = record_id(engine, "decrocheurs", "L-1")
    with unit_of_work(engine) as session:
        person_id = service.create_person_for_record(session, crypto, stored)
    assert person_id == persons_by_record(engine)[("decrocheurs", "L-1")]


def test_records_stored_while_linking_was_off_are_linked_by_relink(
    engine: Engine, crypto: Crypto
) -> None:
    from hub.ingest.hooks import register_post_import, unregister_post_import
    from hub.persons.hooks import link_imported_records

    unregister_post_import(link_imported_records)
    try:
        import_rows(engine, crypto, "decrocheurs", _meyer_family())
    finally:
        register_post_import(link_imported_records)
    assert persons_by_record(engine) == {}
    import_rows(
        engine,
        crypto,
        "boussole",
        [demande("B-1", prenom="Hugo", nom="MEYER", date_de_naissance="14/03/2006")],
    )
    assert set(persons_by_record(engine)) == {("boussole", "B-1")}
    with unit_of_work(engine) as session:
        outcome = service.relink_all(session, crypto)
    assert outcome.records == 3
    persons = persons_by_record(engine)
    assert persons[("decrocheurs", "L-1")] == persons[("boussole", "B-1")]
    assert persons[("decrocheurs", "L-2")] != persons[("boussole", "B-1")]


def test_a_large_import_is_linked_in_slices_with_the_same_result(
    engine: Engine, crypto: Crypto, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hub.persons.hooks

    monkeypatch.setattr(hub.persons.hooks, "LINK_CHUNK", 2)
    same_person = [
        decrocheur(f"L-{n}", NOM="MEYER", PRENOM="Hugo", DATE_NAISSANCE="14/03/2006",
                   TEL_MOBILE="06 99 88 77 66", INE="123456789AB")
        for n in range(5)
    ]  # fmt: skip
    twin = decrocheur("T-1", NOM="MEYER", PRENOM="Nathan", DATE_NAISSANCE="14/03/2006",
                      TEL_MOBILE="06 99 88 77 66")  # fmt: skip
    import_rows(engine, crypto, "decrocheurs", [*same_person, twin])
    persons = persons_by_record(engine)
    assert len({persons[("decrocheurs", f"L-{n}")] for n in range(5)}) == 1
    assert persons[("decrocheurs", "T-1")] != persons[("decrocheurs", "L-0")]
