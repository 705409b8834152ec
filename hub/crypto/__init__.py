"""Encryption at rest and blind indexes.

- Every personal field is encrypted with AES-256-GCM; the associated data binds the
  ciphertext to its table, row and field, so a value copied elsewhere does not decrypt.
- Envelope keys: data keys (table ``data_key``) are stored wrapped by a key-encryption key
  (KEK) read from ``HUB_MASTER_KEY`` or the key file; the newest active data key encrypts
  new writes, older ones still decrypt.
- Blind indexes: HMAC-SHA256 under a key of their own, for exact lookups and matching keys.
"""

from hub.crypto.keyring import (
    BlindIndexer,
    Ciphertext,
    Crypto,
    FieldCipher,
    KeyMaterial,
    MissingKeyMaterialError,
    build_crypto,
    load_key_material,
)

__all__ = [
    "BlindIndexer",
    "Ciphertext",
    "Crypto",
    "FieldCipher",
    "KeyMaterial",
    "MissingKeyMaterialError",
    "build_crypto",
    "load_key_material",
]
