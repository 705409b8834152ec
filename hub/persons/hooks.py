"""Registration of identity resolution in the import pipeline: every import links the records
it created or updated, in its own transaction (``hub.ingest.hooks``)."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from hub.crypto import Crypto
from hub.ingest.hooks import register_post_import

LINK_CHUNK = 20_000
"""Records linked per pass. Linking is incremental, so a large import is linked in slices,
each against everything stored before it (earlier slices included): memory stays bounded by
the slice, not by the file."""


def link_imported_records(session: Session, crypto: Crypto, changed_ids: list[uuid.UUID]) -> None:
    """Link the created and updated records to persons (incrementally)."""
    # Imported here: the service pulls in the matching engine, which the models need not.
    from hub.persons.service.linking import link_records

    for start in range(0, len(changed_ids), LINK_CHUNK):
        link_records(session, crypto, changed_ids[start : start + LINK_CHUNK])


# First: the other hooks work on persons.
register_post_import(link_imported_records, order=10)
