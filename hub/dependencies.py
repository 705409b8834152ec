"""Request-scoped dependencies shared by every router."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from hub.crypto import Crypto, build_crypto
from hub.db import unit_of_work
from hub.settings import Settings


def get_settings_dep(request: Request) -> Settings:
    settings = request.app.state.settings
    assert isinstance(settings, Settings)
    return settings


def get_engine(request: Request) -> Engine:
    engine = request.app.state.engine
    assert isinstance(engine, Engine)
    return engine


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed when the endpoint returns, rolled back on error.

    Scoped to the endpoint function so that the commit happens *before* the response is sent:
    a client never sees a success whose data was not stored.
    """
    with unit_of_work(get_engine(request)) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


_crypto_lock = threading.Lock()


def get_crypto(request: Request) -> Crypto:
    """The app's cipher and blind indexer, built on first use (keys loaded, data key ready)."""
    state = request.app.state
    with _crypto_lock:
        if getattr(state, "crypto", None) is None:
            state.crypto = build_crypto(state.settings, get_engine(request))
    crypto = state.crypto
    assert isinstance(crypto, Crypto)
    return crypto


CryptoDep = Annotated[Crypto, Depends(get_crypto)]
