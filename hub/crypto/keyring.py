"""Key material, the field cipher and the blind indexer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.crypto.models import DataKey
from hub.errors import HubError
from hub.models_base import utcnow
from hub.settings import Settings

logger = logging.getLogger("hub.crypto")

_FORMAT = b"\x01"  # ciphertext layout version: 1 byte format, 1 byte kid length, kid, nonce, ct
_NONCE_BYTES = 12
#: A long-running process re-reads the data keys this often, so that a rotation made by
#: another process (``hub keys rotate``) reaches its new writes within that delay.
DATA_KEY_REFRESH_SECONDS = 30.0


class UnknownDataKeyError(HubError):
    status = 500
    code = "unknown-data-key"
    title = "Data key unavailable"


class MissingKeyMaterialError(Exception):
    """The hub cannot find the keys it must not generate (production)."""


@dataclass(frozen=True)
class KeyMaterial:
    """The secrets the hub reads at start: the KEK and the blind-index key."""

    kek: bytes
    blind_index_key: bytes

    @property
    def kek_id(self) -> str:
        # A fingerprint, not the key: says which KEK wrapped a data key.
        return hashlib.sha256(b"kek-id" + self.kek).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        value = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise MissingKeyMaterialError(f"{what} is not valid base64") from exc
    if len(value) != 32:
        raise MissingKeyMaterialError(f"{what} must decode to 32 bytes, got {len(value)}")
    return value


def load_key_material(settings: Settings) -> KeyMaterial:
    """Read the key file (or ``HUB_MASTER_KEY``); outside production, generate the file on
    first run, readable by its owner only, with a warning."""
    path = settings.resolved_key_file
    stored: dict[str, Any] = {}
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise MissingKeyMaterialError(f"key file {path} is unreadable: {exc}") from exc
    elif settings.is_production and settings.master_key is None:
        raise MissingKeyMaterialError(f"key file {path} not found (production never generates)")
    if settings.master_key is not None:
        kek = _unb64(settings.master_key.get_secret_value(), "HUB_MASTER_KEY")
    elif "kek" in stored:
        kek = _unb64(stored["kek"], f"{path}: kek")
    else:
        kek = b""
    blind = (
        _unb64(stored["blind_index_key"], f"{path}: blind_index_key")
        if stored.get("blind_index_key")
        else b""
    )
    if kek and blind:
        return KeyMaterial(kek=kek, blind_index_key=blind)
    if settings.is_production:
        raise MissingKeyMaterialError(
            f"key file {path} lacks {'kek' if not kek else 'blind_index_key'} "
            "(production never generates keys)"
        )
    generated = {
        "kek": stored.get("kek") or _b64(secrets.token_bytes(32)),
        "blind_index_key": stored.get("blind_index_key") or _b64(secrets.token_bytes(32)),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(stored | generated, handle, indent=2)
    logger.warning(
        "generated development key material; production needs HUB_KEY_FILE or HUB_MASTER_KEY",
        extra={"key_file": str(path)},
    )
    return KeyMaterial(
        kek=kek or _unb64(generated["kek"], "kek"),
        blind_index_key=_unb64(generated["blind_index_key"], "blind_index_key"),
    )


@dataclass(frozen=True)
class Ciphertext:
    """Parsed view of a stored ciphertext (for re-encryption decisions)."""

    kid: str

    @staticmethod
    def parse(blob: bytes) -> Ciphertext:
        if not blob or blob[:1] != _FORMAT:
            raise ValueError("not a hub ciphertext")
        length = blob[1]
        return Ciphertext(kid=blob[2 : 2 + length].decode())


def _aad(table: str, row_id: str, field: str) -> bytes:
    return f"invisibles-hub|{table}|{row_id}|{field}".encode()


class FieldCipher:
    """AES-256-GCM field encryption with envelope data keys kept in ``data_key``."""

    def __init__(self, material: KeyMaterial, engine: Engine) -> None:
        self._kek = AESGCM(material.kek)
        self._kek_id = material.kek_id
        self._engine = engine
        self._keys: dict[str, AESGCM] = {}
        self._current: str | None = None
        self._loaded_at = float("-inf")
        self._lock = threading.RLock()

    # -- data keys -------------------------------------------------------------------------
    def _unwrap(self, row: DataKey) -> AESGCM:
        nonce, wrapped = row.wrapped_key[:_NONCE_BYTES], row.wrapped_key[_NONCE_BYTES:]
        raw = self._kek.decrypt(nonce, wrapped, f"data-key|{row.kid}".encode())
        return AESGCM(raw)

    def _load(self) -> None:
        with Session(self._engine) as session:
            rows = session.exec(select(DataKey).order_by(col(DataKey.created_at))).all()
        keys = {row.kid: self._unwrap(row) for row in rows}
        active = [row.kid for row in rows if row.retired_at is None]
        self._keys = keys
        self._current = active[-1] if active else None
        self._loaded_at = time.monotonic()

    def rotate(self, session: Session) -> str:
        """Create a new data key and retire the previous ones (they still decrypt); new
        writes use it once the session commits (other processes within
        ``DATA_KEY_REFRESH_SECONDS``)."""
        kid = secrets.token_hex(8)
        raw = AESGCM.generate_key(bit_length=256)
        nonce = secrets.token_bytes(_NONCE_BYTES)
        wrapped = nonce + self._kek.encrypt(nonce, raw, f"data-key|{kid}".encode())
        now = utcnow()
        for previous in session.exec(select(DataKey).where(col(DataKey.retired_at).is_(None))):
            previous.retired_at = now
            session.add(previous)
        session.add(DataKey(kid=kid, wrapped_key=wrapped, kek_id=self._kek_id, created_at=now))
        session.flush()
        with self._lock:
            self._keys[kid] = AESGCM(raw)
            self._current = kid
            self._loaded_at = time.monotonic()
        return kid

    def refresh(self) -> None:
        """Reload data keys (another process may have rotated)."""
        with self._lock:
            self._load()

    def current_kid(self) -> str:
        with self._lock:
            if (
                self._current is None
                or time.monotonic() - self._loaded_at > DATA_KEY_REFRESH_SECONDS
            ):
                self._load()
            if self._current is None:
                # First use on a fresh database: create the first data key in its own unit.
                with Session(self._engine) as session:
                    kid = self.rotate(session)
                    session.commit()
                return kid
            return self._current

    def _key(self, kid: str) -> AESGCM:
        key = self._keys.get(kid)
        if key is None:
            self.refresh()
            key = self._keys.get(kid)
        if key is None:
            raise UnknownDataKeyError(f"data key {kid} is unknown to this hub")
        return key

    # -- fields ------------------------------------------------------------------------------
    def encrypt(self, plaintext: bytes, *, table: str, row_id: str, field: str) -> bytes:
        kid = self.current_kid()
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._key(kid).encrypt(nonce, plaintext, _aad(table, row_id, field))
        kid_bytes = kid.encode()
        return _FORMAT + bytes([len(kid_bytes)]) + kid_bytes + nonce + sealed

    def decrypt(self, blob: bytes, *, table: str, row_id: str, field: str) -> bytes:
        header = Ciphertext.parse(blob)
        offset = 2 + len(header.kid.encode())
        nonce, sealed = blob[offset : offset + _NONCE_BYTES], blob[offset + _NONCE_BYTES :]
        return self._key(header.kid).decrypt(nonce, sealed, _aad(table, row_id, field))

    def encrypt_text(
        self, value: str | None, *, table: str, row_id: str, field: str
    ) -> bytes | None:
        if value is None:
            return None
        return self.encrypt(value.encode(), table=table, row_id=row_id, field=field)

    def decrypt_text(
        self, blob: bytes | None, *, table: str, row_id: str, field: str
    ) -> str | None:
        if blob is None:
            return None
        return self.decrypt(blob, table=table, row_id=row_id, field=field).decode()

    def encrypt_json(self, value: Any, *, table: str, row_id: str, field: str) -> bytes:
        data = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode()
        return self.encrypt(data, table=table, row_id=row_id, field=field)

    def decrypt_json(self, blob: bytes, *, table: str, row_id: str, field: str) -> Any:
        return json.loads(self.decrypt(blob, table=table, row_id=row_id, field=field))

    @property
    def kek_id(self) -> str:
        return self._kek_id

    def needs_reencryption(self, blob: bytes | None) -> bool:
        return blob is not None and Ciphertext.parse(blob).kid != self.current_kid()


class BlindIndexer:
    """Keyed hashes of normalised values: equal inputs give equal outputs, nothing else leaks.

    ``purpose`` separates domains (an e-mail index never equals a phone index of the same
    string)."""

    def __init__(self, material: KeyMaterial) -> None:
        self._key = material.blind_index_key

    def index(self, purpose: str, value: str) -> str:
        digest = hmac.new(self._key, f"{purpose}\x1f{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=")


@dataclass(frozen=True)
class Crypto:
    """What services need to protect personal data: the field cipher and the blind indexer."""

    cipher: FieldCipher
    blind: BlindIndexer


def build_crypto(settings: Settings, engine: Engine) -> Crypto:
    """Load (or, outside production, generate) keys and make sure a data key exists.

    Done at start-up, before any unit of work, so that creating the first data key never
    competes with a caller's open transaction."""
    material = load_key_material(settings)
    cipher = FieldCipher(material, engine)
    cipher.current_kid()
    return Crypto(cipher=cipher, blind=BlindIndexer(material))
