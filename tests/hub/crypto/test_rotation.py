"""Data key rotation and re-encryption: old rows stay readable throughout, new writes use the
new key, re-encryption rewrites in batches and never overwrites a concurrent write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session

from hub.crypto import FieldCipher, build_crypto, load_key_material
from hub.crypto.rotation import reencrypt_all, rotate_data_key
from hub.settings import Settings
from tests.hub.crypto.probe import SPEC, kids, probe, probe_table, read_all, write


def test_rotation_then_reencryption_keeps_every_value_readable(
    settings: Settings, engine: Engine
) -> None:
    cipher = build_crypto(settings, engine).cipher
    first = cipher.current_kid()
    with probe_table(engine):
        expected: dict[str, tuple[str | None, str | None]] = {}
        for n in range(7):
            expected[f"row-{n}"] = (f"secret {n}", None if n == 3 else f"note {n}")
            write(engine, cipher, f"row-{n}", *expected[f"row-{n}"])
        with Session(engine) as session:
            rotation = rotate_data_key(session, cipher)
            session.commit()
        assert rotation.retired == [first]
        assert read_all(engine, cipher) == expected  # old rows readable after rotation
        for n in (7, 8):
            expected[f"row-{n}"] = (f"secret {n}", f"note {n}")
            write(engine, cipher, f"row-{n}", *expected[f"row-{n}"])
        assert kids(engine) == {first, rotation.new_kid}  # new writes use the new key
        batches: list[int] = []
        reports = reencrypt_all(
            engine, cipher, batch_size=3, tables=[SPEC], on_table=lambda *_: batches.append
        )
        (report,) = reports
        assert report.rows_scanned == 9
        assert report.batches == 3
        assert batches == [3, 3, 3]
        assert report.rows_reencrypted == 7
        assert report.values_reencrypted == 13  # row-3 has no note
        assert report.values_unreadable == report.rows_changed_meanwhile == 0
        assert kids(engine) == {rotation.new_kid}
        assert read_all(engine, cipher) == expected
        # Idempotent: nothing left to do.
        (again,) = reencrypt_all(engine, cipher, tables=[SPEC])
        assert again.rows_reencrypted == 0


def test_reencryption_never_overwrites_a_concurrent_write(
    settings: Settings, engine: Engine
) -> None:
    cipher = build_crypto(settings, engine).cipher
    with probe_table(engine):
        write(engine, cipher, "a", "old a", None)
        write(engine, cipher, "b", "old b", None)
        with Session(engine) as session:
            rotate_data_key(session, cipher)
            session.commit()

        class HubWritesMeanwhile(FieldCipher):
            """While the batch is being re-encrypted, the hub rewrites row ``a``."""

            wrote = False

            def encrypt(self, plaintext: bytes, **where: Any) -> bytes:
                if not self.wrote:
                    self.wrote = True
                    new = cipher.encrypt_text("new a", table=SPEC.table, row_id="a", field="secret")
                    with engine.begin() as connection:
                        connection.execute(
                            update(probe).where(probe.c.id == "a").values(secret=new)
                        )
                return super().encrypt(plaintext, **where)

        racing = HubWritesMeanwhile(load_key_material(settings), engine)
        (report,) = reencrypt_all(engine, racing, tables=[SPEC])
        assert report.rows_changed_meanwhile == 1
        assert report.rows_reencrypted == 1
        assert read_all(engine, cipher) == {"a": ("new a", None), "b": ("old b", None)}


def test_unreadable_values_are_reported_and_left_alone(settings: Settings, engine: Engine) -> None:
    cipher = build_crypto(settings, engine).cipher
    with probe_table(engine):
        write(engine, cipher, "a", "value", None)
        # A ciphertext copied onto another row does not decrypt there (associated data).
        with engine.begin() as connection:
            blob = connection.execute(probe.select()).one().secret
            connection.execute(probe.insert().values(id="copy", secret=blob))
        with Session(engine) as session:
            rotate_data_key(session, cipher)
            session.commit()
        (report,) = reencrypt_all(engine, cipher, tables=[SPEC])
        assert report.values_unreadable == 1
        assert report.rows_reencrypted == 1
