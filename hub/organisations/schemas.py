"""API shapes of organisations and clients (never the secret hash)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from hub.organisations.models import ApiClient, Organisation, OrganisationKind, auth_method


class OrganisationPublic(BaseModel):
    """An organisation of the partner network."""

    id: uuid.UUID
    name: str
    kind: OrganisationKind = Field(description="mission_locale, partner, outreach, psad or dpo.")
    disabled: bool = Field(description="A disabled organisation's clients are refused.")
    created_at: datetime

    @classmethod
    def of(cls, organisation: Organisation) -> OrganisationPublic:
        return cls(
            id=organisation.id,
            name=organisation.name,
            kind=organisation.kind,
            disabled=organisation.disabled,
            created_at=organisation.created_at,
        )


class ClientPublic(BaseModel):
    """An API client (a partner system) of an organisation."""

    client_id: str
    organisation_id: uuid.UUID
    name: str
    scopes: list[str]
    token_endpoint_auth_method: str = Field(
        description="`client_secret_basic` or `private_key_jwt`."
    )
    disabled: bool
    created_at: datetime

    @classmethod
    def of(cls, client: ApiClient) -> ClientPublic:
        return cls(
            client_id=client.client_id,
            organisation_id=client.organisation_id,
            name=client.name,
            scopes=client.scopes.split(),
            token_endpoint_auth_method=auth_method(client),
            disabled=client.disabled,
            created_at=client.created_at,
        )
