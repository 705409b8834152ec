"""Shared schema v1 (pydantic only: no ORM, no web framework)."""

from schemas.v1.enums import Dispositif, RecordFlag, Sex
from schemas.v1.export import export_json_schemas, json_schemas
from schemas.v1.models import (
    SCHEMA_VERSION,
    Address,
    FollowUp,
    Person,
    SourceRecord,
)
from schemas.v1.validators import is_valid_ine

__all__ = [
    "SCHEMA_VERSION",
    "Address",
    "Dispositif",
    "FollowUp",
    "Person",
    "RecordFlag",
    "Sex",
    "SourceRecord",
    "export_json_schemas",
    "is_valid_ine",
    "json_schemas",
]
