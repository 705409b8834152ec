"""Which persons an organisation may record and read consents for: the one function to extend.

An organisation "referred" a person when it brought their data to the hub or met them:

- a source record of the person came in through one of the organisation's import runs;
- the organisation collected a consent (or a withdrawal) of the person;
- (routing, when it lands) the organisation sent or received a referral of the person:
  add that test in :func:`consent.adapters.organisation_referred` and nowhere else.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from consent import adapters, repository


def may_manage_person(session: Session, organisation_id: uuid.UUID, person_id: uuid.UUID) -> bool:
    return (
        repository.organisation_collected_for(session, organisation_id, person_id)
        or adapters.organisation_imported(session, organisation_id, person_id)
        or adapters.organisation_referred(session, organisation_id, person_id)
    )
