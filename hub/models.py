"""Imports every table module so that ``SQLModel.metadata`` is complete (Alembic, tests).

Add one line here when a domain gets a ``models.py``.
"""

from sqlmodel import SQLModel

import hub.crypto.models
import hub.models_base
import hub.organisations.models  # noqa: F401

metadata = SQLModel.metadata
