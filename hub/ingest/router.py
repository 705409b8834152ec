"""``/v1/imports``: upload a platform's list, read an import run."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile, status

from consent.audit import Actor
from hub.auth.dependencies import Caller, require_scopes
from hub.dependencies import CryptoDep, SessionDep
from hub.errors import PROBLEM_JSON
from hub.ingest import service
from hub.ingest.schemas import ImportRunPublic, ImportSummary

router = APIRouter(prefix="/v1/imports", tags=["imports"])

ImportsCaller = Annotated[Caller, Depends(require_scopes("imports:write"))]

_PROBLEM: dict[str, Any] = {"content": {PROBLEM_JSON: {}}}


@router.post(
    "/{source}",
    status_code=status.HTTP_201_CREATED,
    responses={
        404: {"description": "Unknown source.", **_PROBLEM},
        422: {"description": "The file is refused as a whole; nothing was written.", **_PROBLEM},
    },
)
def upload_import(
    source: str,
    file: Annotated[UploadFile, File(description="The platform's export: CSV or XLSX.")],
    caller: ImportsCaller,
    session: SessionDep,
    crypto: CryptoDep,
) -> ImportSummary:
    """Import one export of ``source`` (``decrocheurs``, ``boussole``, ``perdus-de-vue``...).

    Rows that cannot be used are quarantined with their row number and reason; the rest is
    stored. Importing the same file again creates nothing (``unchanged = rows``). A file that
    cannot be read at all (empty, not a table, another layout, a required column missing) is
    refused with a 422 problem and nothing is written.
    """
    outcome = service.import_file(
        session,
        crypto,
        source=source,
        stream=file.file,
        file_name=file.filename or "upload",
        actor=caller.client_id,
        organisation_id=caller.organisation_id,
    )
    return outcome.summary


@router.get("/{import_id}", responses={404: {"description": "No such import.", **_PROBLEM}})
def read_import(
    import_id: uuid.UUID, caller: ImportsCaller, session: SessionDep, crypto: CryptoDep
) -> ImportRunPublic:
    """An import run and its quarantined rows (row, column, reason). The rows as read
    (``raw``) are only shown to callers with scope ``gdpr:admin`` or ``admin``."""
    return service.get_import(
        session,
        crypto,
        import_id,
        organisation_id=None if caller.is_admin else caller.organisation_id,
        include_raw=caller.has("gdpr:admin"),
        reader=Actor(client_id=caller.client_id, organisation_id=caller.organisation_id),
    )
