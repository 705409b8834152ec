"""The published indicators report (``GET /v1/indicators``, ``hub report --format json``).

Only aggregates. A count is an integer, or ``"<5"`` (a count from 1 to 4, not published)
or ``"s"`` (hidden so that a ``"<5"`` cannot be worked out from the totals); 0 is published.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Count = int | Literal["<5", "s"]


class PeriodPublic(BaseModel):
    start: date = Field(description="First day of the period (inclusive).")
    end: date = Field(description="Last day of the period (inclusive).")
    as_of: datetime = Field(
        description="Moment the statuses are read at: the end of the last day, or now if the "
        "period is not over."
    )


class ProgrammePublic(BaseModel):
    start: date
    end: date
    target: int = Field(description="Young people the programme plans to reach.")


class PrivacyPublic(BaseModel):
    threshold: int = Field(description="Counts from 1 to threshold - 1 are not published.")
    small_marker: str
    masked_marker: str
    rules: list[str]


class DefinitionPublic(BaseModel):
    id: str
    label: str
    definition: str


class FunnelPublic(BaseModel):
    reperes: Count = Field(description="Young people first found (repérés) in the period.")
    mobilises: Count = Field(description="Young people first re-engaged (mobilisés).")
    orientes: Count = Field(
        description="Young people first brought to mainstream services (orientés vers le droit "
        "commun)."
    )


class ProgressPublic(BaseModel):
    target: int
    reperes: Count
    percent_of_target: float | None = Field(
        description="Repérés of the period as a share of the whole target (None when hidden)."
    )
    expected_by_as_of: int = Field(
        description="Young people the target implies by the end of the period at a steady "
        "pace over the programme."
    )
    percent_of_expected: float | None


class DelayPublic(BaseModel):
    id: str
    label: str
    persons: Count
    median_days: float | None = Field(
        description="Median delay in days; None when fewer than the threshold persons."
    )


class ColumnPublic(BaseModel):
    id: str
    label: str


class RowPublic(BaseModel):
    id: str
    label: str
    level: int = Field(description="Depth in the table (0: total, 1: category, 2+: detail).")
    kind: Literal["category", "subtotal", "total"]
    values: dict[str, Count]


class TablePublic(BaseModel):
    id: str
    title: str
    unit: str
    note: str | None = None
    columns: list[ColumnPublic]
    rows: list[RowPublic]


class DeadlinesPublic(BaseModel):
    with_deadline: Count = Field(description="Referrals of the period with a response deadline.")
    overdue: Count = Field(description="Still unanswered past their deadline.")
    answered_late: Count = Field(description="Accepted or rejected after their deadline.")


class CumulativePoint(BaseModel):
    month: str
    reperes: int | None = Field(
        description="Cumulative count at the end of the month; None when it could only be "
        "computed from hidden cells."
    )
    mobilises: int | None
    orientes: int | None
    target: float = Field(description="Cumulative target at a steady pace.")


class IndicatorReport(BaseModel):
    generated_at: datetime
    period: PeriodPublic
    programme: ProgrammePublic
    privacy: PrivacyPublic
    definitions: list[DefinitionPublic]
    funnel: FunnelPublic
    progress: ProgressPublic
    delays: list[DelayPublic]
    deadlines: DeadlinesPublic
    peer_ambassadors: Count = Field(
        description="Distinct ambassador codes (peer-to-peer) on the period's referrals."
    )
    tables: list[TablePublic]
    cumulative: list[CumulativePoint]
    notes: list[str] = Field(description="Data quality and provenance notes.")

    def table(self, table_id: str) -> TablePublic:
        for table in self.tables:
            if table.id == table_id:
                return table
        raise KeyError(table_id)
