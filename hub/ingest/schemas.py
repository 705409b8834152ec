"""API and CLI shapes of imports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)


class RowErrorPublic(BaseModel):
    """A problem on one data row (1-based, header excluded)."""

    row: int = Field(description="1-based data row number in the file, the header excluded.")
    column: str | None = Field(description="The column's header as written in the file, or null.")
    reason: str = Field(description="Why; never quotes the value.")


class ImportSummary(BaseModel):
    """What an import did. ``rows = created + updated + unchanged + quarantined``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "import_id": "0d6c8a4e-8f5e-4ad4-9d8e-1c7f4b3e2a10", "source": "decrocheurs",
        "rows": 120, "created": 100, "updated": 5, "unchanged": 12, "quarantined": 3,
        "errors": [{"row": 12, "column": "DATE_NAISSANCE",
                    "reason": "birth date unreadable; kept in attributes"}],
    }]})  # fmt: skip

    import_id: uuid.UUID
    source: str
    rows: int = Field(description="Data rows read (blank rows excluded).")
    created: int
    updated: int
    unchanged: int
    quarantined: int
    errors: list[RowErrorPublic] = Field(
        description="Field errors of kept rows and the reasons of quarantined rows, by row."
    )


@dataclass(frozen=True)
class ImportOutcome:
    """The result of :func:`hub.ingest.service.run_import`: the summary, and the ids of the
    ``source_record`` rows it created or updated (for incremental identity resolution)."""

    summary: ImportSummary
    changed_record_ids: list[uuid.UUID] = field(default_factory=list)


class QuarantinedRowPublic(BaseModel):
    """A quarantined row. ``raw`` (the row as read) is only given to data-protection
    administrators (scope ``gdpr:admin`` or ``admin``) and omitted otherwise."""

    row: int
    column: str | None
    reason: str
    raw: dict[str, str] | None = Field(
        default=None, description="The row as read; only with scope gdpr:admin or admin."
    )

    @model_serializer(mode="wrap")
    def _omit_raw(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("raw") is None:
            data.pop("raw", None)
        return data


class ImportRunPublic(BaseModel):
    """An import run and its quarantined rows."""

    id: uuid.UUID
    source: str
    file_name: str
    file_sha256: str
    actor: str
    organisation_id: uuid.UUID | None
    started_at: datetime
    finished_at: datetime | None
    status: str
    rows: int
    created: int
    updated: int
    unchanged: int
    quarantined: int
    quarantined_rows: list[QuarantinedRowPublic]
