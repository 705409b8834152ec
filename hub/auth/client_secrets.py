"""Client secrets: generated random, shown once, stored only as a salted scrypt hash.

scrypt (RFC 7914) is memory-hard: checking one guess costs ~16 MiB and tens of
milliseconds, which together with the token endpoint's rate limit makes guessing useless
(the secrets are 256-bit random anyway; the hash protects a leaked database)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_HASH_BYTES = 32
_SCHEME = "scrypt"


def generate_secret() -> str:
    """A new URL-safe secret (256 bits)."""
    return secrets.token_urlsafe(32)


def _derive(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        secret.encode(), salt=salt, n=n, r=r, p=p, dklen=_HASH_BYTES, maxmem=64 * 1024 * 1024
    )


def hash_secret(secret: str) -> str:
    """``scrypt$n$r$p$salt$hash`` with a fresh salt (base64 without padding)."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _derive(secret, salt, _N, _R, _P)
    encode = base64.urlsafe_b64encode
    return "$".join(
        [
            _SCHEME,
            str(_N),
            str(_R),
            str(_P),
            encode(salt).decode().rstrip("="),
            encode(digest).decode().rstrip("="),
        ]
    )


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_secret(secret: str, stored: str | None) -> bool:
    """Constant-time check of ``secret`` against a stored hash (False if none or malformed)."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        candidate = _derive(secret, _unb64(salt), int(n), int(r), int(p))
        return hmac.compare_digest(candidate, _unb64(digest))
    except ValueError:
        return False
