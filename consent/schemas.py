"""Request and response shapes of the consent registry and the rights requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from consent.vocabulary import (
    CollectionMethod,
    ConsentEventKind,
    ConsentState,
    FlagStatus,
    LawfulBasis,
    Purpose,
    RequestStatus,
    RestrictionKind,
    RightsRequestKind,
)
from hub.organisations.models import OrganisationKind

FreeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- consents -------------------------------------------------------------------------------------


class ConsentCreate(_Body):
    """A young person's agreement for one purpose and one recipient (an organisation, or every
    organisation of a kind)."""

    purpose: Purpose
    recipient_organisation_id: uuid.UUID | None = Field(
        default=None, description="The organisation that may receive the data."
    )
    recipient_kind: OrganisationKind | None = Field(
        default=None,
        description="Or every organisation of this kind (e.g. `partner`); give one of the two.",
    )
    lawful_basis: LawfulBasis = Field(
        default=LawfulBasis.CONSENT, description="Lawful basis of this data flow."
    )
    notice_version: ShortText = Field(description="Version of the information notice shown.")
    collection_method: CollectionMethod
    collected_by: ShortText | None = Field(
        default=None,
        description="Who collected it (worker's name or role); stored encrypted.",
    )
    evidence_reference: FreeText | None = Field(
        default=None,
        description="Where the proof is (form reference, note); stored encrypted.",
    )
    given_at: AwareDatetime | None = Field(
        default=None, description="When the young person agreed; default: now."
    )
    valid_from: AwareDatetime | None = Field(default=None, description="Default: `given_at`.")
    valid_until: AwareDatetime | None = Field(default=None, description="Default: no end.")

    @model_validator(mode="after")
    def _one_recipient(self) -> Self:
        if (self.recipient_organisation_id is None) == (self.recipient_kind is None):
            raise ValueError("give exactly one of recipient_organisation_id and recipient_kind")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self


class ConsentWithdraw(_Body):
    """Everything is optional: withdrawing is one call, as easy as granting."""

    collection_method: CollectionMethod = Field(
        default=CollectionMethod.ONLINE, description="How the withdrawal was expressed."
    )
    collected_by: ShortText | None = None
    evidence_reference: FreeText | None = None
    withdrawn_at: AwareDatetime | None = Field(
        default=None, description="When the young person withdrew; default: now."
    )


class ConsentEventPublic(BaseModel):
    id: uuid.UUID
    event: ConsentEventKind
    occurred_at: datetime
    recorded_at: datetime
    collection_method: CollectionMethod
    collected_by_organisation_id: uuid.UUID | None
    collected_by: str | None
    evidence_reference: str | None
    recorded_by_client_id: str
    redacted: bool = Field(description="Its free text was blanked (erasure or retention).")


class ConsentPublic(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    purpose: Purpose
    recipient_organisation_id: uuid.UUID | None
    recipient_kind: OrganisationKind | None
    lawful_basis: LawfulBasis
    notice_version: str
    state: ConsentState
    given_at: datetime
    valid_from: datetime
    valid_until: datetime | None
    withdrawn_at: datetime | None
    history: list[ConsentEventPublic]


# -- receipts -------------------------------------------------------------------------------------


class ReceiptItem(BaseModel):
    code: str
    label: str


class ConsentReceipt(BaseModel):
    """What the young person keeps: plain French, no personal data."""

    receipt_id: uuid.UUID
    issued_at: datetime
    responsable_de_traitement: str
    contact_responsable: str
    contact_dpo: str
    finalite: ReceiptItem
    destinataires: list[str]
    base_legale: ReceiptItem
    recueil: str
    version_notice: str
    etat: ConsentState
    donne_le: datetime
    valable_du: datetime
    valable_jusqu_au: datetime | None
    retire_le: datetime | None
    duree_de_conservation: str
    comment_retirer: str
    vos_droits: str


# -- rights requests -----------------------------------------------------------------------------


class RightsRequestCreate(_Body):
    person_id: uuid.UUID
    kind: RightsRequestKind
    received_on: date | None = Field(default=None, description="Default: today (UTC).")
    details: FreeText | None = Field(
        default=None, description="What the person asked, in their words; stored encrypted."
    )
    rectification: dict[str, Any] | None = Field(
        default=None,
        description="For `rectification`: the corrected values of schema v1 `person` fields "
        '(e.g. `{"emails": ["..."]}`); stored encrypted until applied.',
    )
    purposes: list[Purpose] | None = Field(
        default=None, description="For `objection`: the purposes objected to; default: all."
    )

    @model_validator(mode="after")
    def _kind_specific(self) -> Self:
        if self.kind is RightsRequestKind.RECTIFICATION and not self.rectification:
            raise ValueError("a rectification request needs the corrected values")
        if self.kind is not RightsRequestKind.RECTIFICATION and self.rectification:
            raise ValueError("corrected values only go with a rectification request")
        if self.kind is not RightsRequestKind.OBJECTION and self.purposes:
            raise ValueError("purposes only go with an objection")
        return self


class RequestExtend(_Body):
    months: Literal[1, 2] = Field(description="Extra months (two at most in total, Art. 12(3)).")
    reason: FreeText


class RequestComplete(_Body):
    outcome: Literal["done", "refused"] = Field(
        description="`done` carries the request out (erasure, rectification...); `refused` "
        "closes it without action (objection overruled, request unfounded) and needs a note."
    )
    note: FreeText | None = None

    @model_validator(mode="after")
    def _refusal_explained(self) -> Self:
        if self.outcome == "refused" and not self.note:
            raise ValueError("a refusal needs a note (Art. 12(4): the reasons)")
        return self


class RestrictionPublic(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    kind: RestrictionKind
    purposes: list[Purpose] | None
    request_id: uuid.UUID | None
    started_at: datetime
    lifted_at: datetime | None


class NotificationPublic(BaseModel):
    id: uuid.UUID
    request_id: uuid.UUID
    person_id: uuid.UUID
    recipient_organisation_id: uuid.UUID
    kind: RightsRequestKind
    fields: list[str]
    created_at: datetime
    acknowledged_at: datetime | None


class RightsRequestPublic(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    kind: RightsRequestKind
    status: RequestStatus
    received_on: date
    due_on: date
    overdue: bool
    extended_months: int
    extension_reason: str | None
    details: str | None
    purposes: list[Purpose] | None
    created_at: datetime
    completed_at: datetime | None
    completion_note: str | None
    completion_summary: dict[str, Any] | None
    notifications: list[NotificationPublic]


class RestrictionLift(_Body):
    reason: FreeText


# -- DPO review of re-imports ---------------------------------------------------------------------


class FlagPublic(BaseModel):
    id: uuid.UUID
    tombstone_id: uuid.UUID
    erased_person_id: uuid.UUID
    source_record_id: uuid.UUID
    person_id: uuid.UUID | None
    detected_at: datetime
    status: FlagStatus
    resolution: str | None
    resolved_at: datetime | None


class FlagResolve(_Body):
    resolution: Literal["kept", "erased"] = Field(
        description="`kept`: the person is back with a new lawful basis (e.g. a new campaign "
        "list); `erased`: the new record is erased too (the person is erased again)."
    )
