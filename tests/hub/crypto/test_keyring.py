"""Encryption at rest: AES-GCM bound to table/row/field, envelope keys, blind indexes."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import Engine
from sqlmodel import Session

from hub.crypto import MissingKeyMaterialError, build_crypto, load_key_material
from hub.settings import Settings


def test_key_file_is_generated_once_owner_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = load_key_material(settings)
    key_file = tmp_path / "keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_key_material(settings) == first


def test_production_never_generates_keys(tmp_path: Path) -> None:
    settings = Settings(
        environment="production",
        database_url="postgresql://hub@db/hub",
        key_file=tmp_path / "absent.json",
        public_url="https://hub.example.org",
    )
    with pytest.raises(MissingKeyMaterialError, match="never generates"):
        load_key_material(settings)
    assert not (tmp_path / "absent.json").exists()


def test_master_key_must_be_32_bytes(tmp_path: Path) -> None:
    short = base64.b64encode(b"x" * 16).decode()
    with pytest.raises(MissingKeyMaterialError, match="32 bytes"):
        load_key_material(Settings(data_dir=tmp_path, master_key=short))


def test_ciphertext_is_bound_to_table_row_and_field(settings: Settings, engine: Engine) -> None:
    cipher = build_crypto(settings, engine).cipher
    blob = cipher.encrypt(b"Martin", table="person", row_id="1", field="family_name")
    assert b"Martin" not in blob
    assert cipher.decrypt(blob, table="person", row_id="1", field="family_name") == b"Martin"
    for other in (
        ("person", "2", "family_name"),
        ("person", "1", "given_name"),
        ("x", "1", "family_name"),
    ):
        with pytest.raises(InvalidTag):
            cipher.decrypt(blob, table=other[0], row_id=other[1], field=other[2])


def test_rotation_keeps_old_ciphertexts_readable(settings: Settings, engine: Engine) -> None:
    cipher = build_crypto(settings, engine).cipher
    old = cipher.encrypt_json({"a": 1}, table="t", row_id="r", field="f")
    with Session(engine) as session:
        new_kid = cipher.rotate(session)
        session.commit()
    assert cipher.needs_reencryption(old)
    assert cipher.decrypt_json(old, table="t", row_id="r", field="f") == {"a": 1}
    # Another process (a fresh cipher on the same keys and database) sees the rotation.
    other = build_crypto(settings, engine).cipher
    assert other.current_kid() == new_kid
    assert other.decrypt_json(old, table="t", row_id="r", field="f") == {"a": 1}


def test_wrong_kek_cannot_unwrap_data_keys(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    build_crypto(settings, engine)
    key_file = settings.resolved_key_file
    stored = json.loads(key_file.read_text())
    stored["kek"] = base64.b64encode(b"k" * 32).decode()
    key_file.write_text(json.dumps(stored))
    with pytest.raises(InvalidTag):
        build_crypto(settings, engine)


def test_blind_index_is_deterministic_keyed_and_purpose_separated(tmp_path: Path) -> None:
    a = build_blind(tmp_path / "a")
    b = build_blind(tmp_path / "b")
    assert a.index("email", "jeune@example.org") == a.index("email", "jeune@example.org")
    assert a.index("email", "jeune@example.org") != a.index("phone", "jeune@example.org")
    assert a.index("email", "jeune@example.org") != b.index("email", "jeune@example.org")
    assert "jeune" not in a.index("email", "jeune@example.org")


def build_blind(data_dir: Path):  # type: ignore[no-untyped-def]
    from hub.crypto import BlindIndexer

    return BlindIndexer(load_key_material(Settings(data_dir=data_dir)))
