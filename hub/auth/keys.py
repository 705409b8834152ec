"""The hub's token signing keys: ES256, private half encrypted at rest, rotatable.

New tokens are signed with the newest key not retired. Rotation retires the current key
but keeps publishing its public half until every token it signed has expired (token
lifetime plus a margin); after that it is deleted at the next rotation.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from joserfc.jwk import ECKey, KeySet
from sqlalchemy import Engine
from sqlmodel import Session

from hub.auth import repository
from hub.auth.models import SigningKey
from hub.crypto import Crypto, FieldCipher
from hub.models_base import utcnow

SIGNING_ALG = "ES256"
_CURVE = "P-256"
#: Clock skew allowed between the hub's processes when verifying its own tokens.
LEEWAY_SECONDS = 5
#: How long a retired key stays published after the longest token lifetime.
RETIREMENT_MARGIN = timedelta(seconds=60)


def _field(kid: str) -> dict[str, str]:
    return {"table": "signing_key", "row_id": kid, "field": "private_key"}


def create_signing_key(session: Session, cipher: FieldCipher) -> SigningKey:
    """Generate a key pair; the private key is stored encrypted, bound to its row."""
    key = ECKey.generate_key(_CURVE, private=True, auto_kid=True)
    kid = key.kid
    assert kid is not None
    public = dict(key.as_dict(private=False))
    public.update({"kid": kid, "alg": SIGNING_ALG, "use": "sig"})
    row = SigningKey(
        kid=kid,
        alg=SIGNING_ALG,
        public_jwk=json.dumps(public, sort_keys=True),
        private_key=cipher.encrypt_json(dict(key.as_dict(private=True)), **_field(kid)),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class SigningRotation:
    new_kid: str
    retired: list[str]
    deleted: int


def retention(token_lifetime_seconds: int) -> timedelta:
    """How long after retirement a key's public half must stay published."""
    return timedelta(seconds=token_lifetime_seconds) + RETIREMENT_MARGIN


def rotate_signing_key(
    session: Session, cipher: FieldCipher, *, token_lifetime_seconds: int
) -> SigningRotation:
    """Retire the current key(s), create a new one, delete keys no token can need any more."""
    now = utcnow()
    retired = []
    for row in repository.active_signing_keys(session):
        row.retired_at = now
        session.add(row)
        retired.append(row.kid)
    session.flush()
    deleted = repository.delete_signing_keys_retired_before(
        session, now - retention(token_lifetime_seconds)
    )
    new = create_signing_key(session, cipher)
    return SigningRotation(new_kid=new.kid, retired=retired, deleted=deleted)


def load_private_key(row: SigningKey, cipher: FieldCipher) -> ECKey:
    data = cipher.decrypt_json(row.private_key, **_field(row.kid))
    key = ECKey.import_key(data)
    assert key.kid == row.kid
    return key


class SigningKeyStore:
    """Per-process cache of the signing key and of the published public keys.

    Another process may rotate (``hub keys rotate-signing``): the current key is looked up at
    every token issuance (one indexed query) and the public keys are reloaded every
    ``refresh_seconds`` or when a token names an unknown ``kid``."""

    def __init__(
        self, engine: Engine, *, token_lifetime_seconds: int, refresh_seconds: float = 30.0
    ) -> None:
        self._engine = engine
        self._retention = retention(token_lifetime_seconds)
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._private: ECKey | None = None
        self._public: list[dict[str, Any]] = []
        self._key_set = KeySet([])
        self._loaded_at = -1e9

    # -- signing -----------------------------------------------------------------------------
    def signing_key(self, crypto: Crypto) -> ECKey:
        """The current private key, created on first use.

        Call it before the request's unit of work writes anything: creating the first key
        commits in a session of its own (SQLite allows one writer at a time)."""
        with Session(self._engine) as session:
            row = repository.current_signing_key(session)
            if row is None:
                row = create_signing_key(session, crypto.cipher)
                session.commit()
                self._invalidate()
            with self._lock:
                if self._private is not None and self._private.kid == row.kid:
                    return self._private
            key = load_private_key(row, crypto.cipher)
        with self._lock:
            self._private = key
            # A new current key: publish it before the first token it signs is presented.
            self._loaded_at = -1e9
        return key

    # -- verification ------------------------------------------------------------------------
    def _invalidate(self) -> None:
        with self._lock:
            self._loaded_at = -1e9

    def _reload(self) -> None:
        with Session(self._engine) as session:
            rows = repository.published_signing_keys(session, utcnow() - self._retention)
        public = [json.loads(row.public_jwk) for row in rows]
        key_set = KeySet.import_key_set({"keys": public}) if public else KeySet([])
        self._public, self._key_set, self._loaded_at = public, key_set, time.monotonic()

    def _fresh(self, wanted_kid: str | None = None) -> None:
        with self._lock:
            age = time.monotonic() - self._loaded_at
            known = wanted_kid is None or any(k.get("kid") == wanted_kid for k in self._public)
            # An unknown kid triggers a reload, at most once a second (no query storm from
            # forged tokens).
            if age > self._refresh_seconds or (not known and age > 1.0):
                self._reload()

    def verification_keys(self, kid: str | None) -> KeySet:
        self._fresh(kid)
        with self._lock:
            return self._key_set

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        self._fresh()
        with self._lock:
            return {"keys": list(self._public)}
