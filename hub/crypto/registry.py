"""Where encrypted columns live, so that key rotation can re-encrypt every one of them.

Each domain registers its tables when its models module is imported::

    register_encrypted(EncryptedTable(table="source_record", key_column="id",
                                      columns=("person", "attributes")))

The associated data of a ciphertext is ``(table, str(row key), column)``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EncryptedTable:
    table: str
    key_column: str
    columns: tuple[str, ...]


_REGISTRY: dict[str, EncryptedTable] = {}


def register_encrypted(spec: EncryptedTable) -> None:
    _REGISTRY[spec.table] = spec


def encrypted_tables() -> list[EncryptedTable]:
    return sorted(_REGISTRY.values(), key=lambda spec: spec.table)
