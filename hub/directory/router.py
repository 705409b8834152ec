"""``/v1/services``: the partner directory."""

from __future__ import annotations

import uuid
from typing import Annotated

from data_inclusion.schema.v1 import Public, ReseauPorteur
from fastapi import APIRouter, Depends, Query
from pydantic import TypeAdapter

from hub.auth.dependencies import Caller, require_scopes
from hub.dependencies import SessionDep
from hub.directory import service
from hub.directory.schemas import ServicePage
from hub.errors import UnprocessableError
from schemas.v1.models import ThematiqueCode

_THEMATIQUE: TypeAdapter[str] = TypeAdapter(ThematiqueCode)

router = APIRouter(prefix="/v1/services", tags=["directory"])

InseeQuery = Annotated[
    str | None,
    Query(
        pattern=r"^(\d{5}|2[AB]\d{3})$",
        description="INSEE code of a commune: services whose eligibility zone covers it.",
    ),
]


@router.get("", summary="Search the partner directory")
def list_services(
    session: SessionDep,
    _caller: Annotated[Caller, Depends(require_scopes())],
    thematique: Annotated[
        list[str] | None,
        Query(description="data·inclusion thématique or category; repeat to require several."),
    ] = None,
    public: Annotated[Public | None, Query(description="data·inclusion public.")] = None,
    commune: InseeQuery = None,
    organisation_id: uuid.UUID | None = None,
    reseau: Annotated[
        ReseauPorteur | None, Query(description="data·inclusion réseau porteur.")
    ] = None,
    include_inactive: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ServicePage:
    thematiques = tuple(thematique or ())
    for code in thematiques:
        try:
            _check(code)
        except ValueError as exc:
            raise UnprocessableError(f"unknown data·inclusion thématique {code!r}") from exc
    filters = service.ServiceFilters(
        thematiques=thematiques,
        public=public.value if public else None,
        commune=commune,
        organisation_id=organisation_id,
        reseau=reseau.value if reseau else None,
        include_inactive=include_inactive,
    )
    items, total = service.search(session, filters, limit=limit, offset=offset)
    return ServicePage(items=items, total=total, limit=limit, offset=offset)


def _check(code: str) -> None:
    _THEMATIQUE.validate_python(code)
