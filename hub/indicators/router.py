"""``/v1/indicators``: the programme's published indicators (aggregates only)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hub.auth.dependencies import Caller, require_scopes
from hub.dependencies import SessionDep, SettingsDep
from hub.indicators import service
from hub.indicators.schemas import IndicatorReport

router = APIRouter(prefix="/v1/indicators", tags=["indicators"])


@router.get("", summary="Programme indicators of a period")
def get_indicators(
    session: SessionDep,
    settings: SettingsDep,
    _caller: Annotated[Caller, Depends(require_scopes("indicators:read"))],
    start: Annotated[
        date | None,
        Query(alias="from", description="First day (YYYY-MM-DD); default: the programme's."),
    ] = None,
    end: Annotated[
        date | None,
        Query(alias="to", description="Last day (YYYY-MM-DD); default: the programme's."),
    ] = None,
) -> IndicatorReport:
    """The funnel repérés → mobilisés → orientés vers le droit commun in distinct young
    people, its breakdowns, delays, response deadlines and referral outcomes. Counts from 1 to
    4 are `"<5"`, cells hidden to protect them are `"s"`; 422 when `from` is after `to`."""
    return service.compute(session, settings, start=start, end=end)
