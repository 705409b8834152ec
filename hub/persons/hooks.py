"""Registration of identity resolution in the import pipeline: every import links the records
it created or updated, in its own transaction (``hub.ingest.hooks``)."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from hub.crypto import Crypto
from hub.ingest.hooks import register_post_import


@register_post_import
def link_imported_records(session: Session, crypto: Crypto, changed_ids: list[uuid.UUID]) -> None:
    """Link the created and updated records to persons (incrementally)."""
    # Imported here: the service pulls in the matching engine, which the models need not.
    from hub.persons.service.linking import link_records

    link_records(session, crypto, changed_ids)
