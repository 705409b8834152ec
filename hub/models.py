"""Imports every table module so that ``SQLModel.metadata`` is complete (Alembic, tests).

Add one line here when a domain gets a ``models.py``.
"""

from sqlmodel import SQLModel

import consent.models  # noqa: F401  (imported for its tables)
import hub.auth.models
import hub.crypto.models
import hub.directory.models
import hub.feeds.models
import hub.ingest.models
import hub.models_base
import hub.organisations.models
import hub.persons.models
import hub.referrals.models
import hub.scheduler  # noqa: F401  (the apscheduler_jobs table)

metadata = SQLModel.metadata
