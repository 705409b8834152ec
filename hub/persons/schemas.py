"""API shapes of the persons domain."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.persons.models import PersonStatus
from schemas import v1


class LinkOut(BaseModel):
    """Why a record belongs to its person."""

    manual: bool = Field(
        description="Set by a correction (merge, detach); automatic linking never moves it."
    )
    rules_version: str
    linked_at: datetime
    evidence: dict[str, Any] = Field(
        description="Rule (``ine``, ``email+name+birth``, ``phone+name+birth``, ``score``, "
        "``new-person``, ``correction:*``), score, comparison levels per field, kinds of "
        "blocking keys shared, and ``matched_with``: the id of the record it matched best."
    )


class PersonRecordOut(BaseModel):
    """A source record of the person, decrypted."""

    id: uuid.UUID = Field(description="The hub's id of the source record.")
    source: str
    source_record_id: str = Field(description="The record's id in its source.")
    recorded_on: date | None
    received_at: datetime
    person: v1.Person
    link: LinkOut


class PersonOut(BaseModel):
    """A young person: the cluster of their source records."""

    model_config = ConfigDict(use_enum_values=True)

    id: uuid.UUID
    status: PersonStatus
    merged_into_id: uuid.UUID | None = Field(
        description="When ``status`` is ``merged``: the person it was merged into."
    )
    created_at: datetime
    updated_at: datetime
    records: list[PersonRecordOut]


class MergeRequest(BaseModel):
    """Merge another person into this one."""

    model_config = ConfigDict(extra="forbid")

    other_person_id: uuid.UUID


class DetachRequest(BaseModel):
    """Move one record of this person into a new person of its own."""

    model_config = ConfigDict(extra="forbid")

    source_record_id: uuid.UUID = Field(description="The hub's id of the source record.")
