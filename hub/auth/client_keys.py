"""Public keys registered by clients that authenticate with ``private_key_jwt``."""

from __future__ import annotations

import json
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

#: Algorithms accepted on client assertions. No HMAC (``client_secret_jwt`` is not offered),
#: never ``none``.
ASSERTION_ALGORITHMS = ["ES256", "ES384", "ES512", "EdDSA", "Ed25519", "PS256", "RS256"]

_PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
_CURVES = {"EC": {"P-256", "P-384", "P-521"}, "OKP": {"Ed25519", "Ed448"}}
_MIN_RSA_BITS = 2048


class InvalidClientKeysError(ValueError):
    """A JWKS a client cannot register."""


def validate_public_jwks(data: Any) -> str:
    """Check a client's JWKS (public asymmetric signing keys only) and return it as JSON.

    Refused: private members, symmetric keys, unknown curves, RSA under 2048 bits, keys meant
    for encryption, several keys without distinct ``kid`` values."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list) or not data["keys"]:
        raise InvalidClientKeysError('a JWKS is a JSON object {"keys": [...]} with one key or more')
    kids: list[str] = []
    for index, entry in enumerate(data["keys"]):
        where = f"key #{index + 1}"
        if not isinstance(entry, dict):
            raise InvalidClientKeysError(f"{where} is not a JSON object")
        leaked = sorted(_PRIVATE_MEMBERS & entry.keys())
        if leaked:
            raise InvalidClientKeysError(
                f"{where} contains private members ({', '.join(leaked)}): register the PUBLIC "
                "key only and keep the private key on your side"
            )
        kty = entry.get("kty")
        if kty in _CURVES and entry.get("crv") not in _CURVES[kty]:
            raise InvalidClientKeysError(f"{where}: curve {entry.get('crv')!r} is not accepted")
        if kty not in ("EC", "OKP", "RSA"):
            raise InvalidClientKeysError(f"{where}: key type {kty!r} is not accepted")
        if entry.get("use", "sig") != "sig":
            raise InvalidClientKeysError(f"{where}: only signing keys (use=sig) are accepted")
        if "kid" in entry:
            kids.append(str(entry["kid"]))
    if len(data["keys"]) > 1 and len(set(kids)) != len(data["keys"]):
        raise InvalidClientKeysError("several keys need distinct 'kid' values")
    try:
        key_set = KeySet.import_key_set({"keys": data["keys"]})
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidClientKeysError(f"the JWKS does not parse: {exc}") from exc
    for key in key_set:
        if key.key_type == "RSA":
            size = int(getattr(key.public_key, "key_size", 0))
            if size < _MIN_RSA_BITS:
                raise InvalidClientKeysError(f"RSA keys need {_MIN_RSA_BITS} bits, got {size}")
    return json.dumps({"keys": data["keys"]}, sort_keys=True)


def load_key_set(jwks_json: str) -> KeySet:
    return KeySet.import_key_set(json.loads(jwks_json))
