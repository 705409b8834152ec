"""``GET /healthz``: the hub answers and its database too."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hub import __version__
from hub.dependencies import EngineDep
from hub.errors import HubError

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    version: str


class DatabaseUnavailableError(HubError):
    status = 503
    code = "database-unavailable"
    title = "Database unavailable"


@router.get(
    "/healthz",
    response_model=Health,
    summary="Health check",
    description="200 when the hub and its database answer; 503 problem+json otherwise.",
    responses={503: {"description": "The database does not answer."}},
)
def healthz(engine: EngineDep) -> Health:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise DatabaseUnavailableError("the database does not answer") from exc
    return Health(status="ok", database="ok", version=__version__)
