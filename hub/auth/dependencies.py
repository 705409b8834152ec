"""Resource protection: who is calling and with which scopes.

Routers depend on :func:`require_scopes`; they never parse tokens themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends


@dataclass(frozen=True)
class Caller:
    """The authenticated client of a request and the organisation it acts for."""

    client_id: str
    organisation_id: uuid.UUID | None
    scopes: frozenset[str]

    def has(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


def require_scopes(*scopes: str) -> Callable[..., Caller]:
    """A dependency returning the :class:`Caller` once its token grants every scope in ``scopes``.

    Interim implementation until the OAuth server lands (security issue): it answers a local
    development caller. It is replaced, not extended, by the token-checking version.
    """

    def dependency() -> Caller:
        return Caller(client_id="local-development", organisation_id=None, scopes=frozenset(scopes))

    return dependency


def caller_with(*scopes: str) -> object:
    """``Depends`` shortcut: ``caller: Annotated[Caller, caller_with("imports:write")]``."""
    return Depends(require_scopes(*scopes))
