"""The demo seed loads the synthetic directory, idempotently, and routing works on it."""

from __future__ import annotations

from sqlmodel import Session, func, select

from hub.demo import seed_demo
from hub.directory.models import DirectoryService
from hub.directory.service import ServiceFilters, search
from hub.settings import Settings


def test_demo_seed_loads_the_directory_once(session: Session, settings: Settings) -> None:
    first = seed_demo(session, settings)
    session.commit()
    assert "Demo directory: 6 service(s) created, 0 already present." in first.notes
    second = seed_demo(session, settings)
    session.commit()
    assert "Demo directory: 0 service(s) created, 6 already present." in second.notes
    assert session.exec(select(func.count()).select_from(DirectoryService)).one() == 6
    items, _ = search(session, ServiceFilters(reseau="mission-locale"), limit=10, offset=0)
    assert [item.organisation_name for item in items] == ["Mission Locale de Mulhouse (démo)"]
