"""JSON Schema export of the v1 contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from schemas.v1.models import Person, SourceRecord

_EXPORTED: dict[str, type[BaseModel]] = {
    "person": Person,
    "source_record": SourceRecord,
}


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each top-level contract model, keyed by file stem."""
    return {name: model.model_json_schema() for name, model in _EXPORTED.items()}


def export_json_schemas(directory: Path) -> list[Path]:
    """Write ``<name>.v1.schema.json`` files into ``directory``; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in json_schemas().items():
        path = directory / f"{name}.v1.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        written.append(path)
    return written
