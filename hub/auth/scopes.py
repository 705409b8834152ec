"""The closed list of scopes a client may hold. ``admin`` grants every other one."""

from __future__ import annotations

from collections.abc import Iterable

ADMIN = "admin"

#: Scope name -> what it allows (shown in the OpenAPI document and the metadata).
SCOPES: dict[str, str] = {
    "imports:write": "Upload platform lists and run imports.",
    "referrals:write": "Create and update referrals.",
    "referrals:read": "Read the referrals the organisation sent or received.",
    "matches:read": "Read the matches feed addressed to the organisation.",
    "consents:write": "Record consent decisions.",
    "gdpr:admin": "Handle rights requests and retention (data protection officer).",
    "indicators:read": "Read programme indicators.",
    ADMIN: "Everything, on every organisation's objects (operators only).",
}


class UnknownScopeError(ValueError):
    """A scope outside :data:`SCOPES`."""


def parse_scopes(value: str | Iterable[str]) -> frozenset[str]:
    """Split a space-separated scope string (or take an iterable) and check every name."""
    names = value.split() if isinstance(value, str) else [name.strip() for name in value]
    scopes = frozenset(name for name in names if name)
    unknown = sorted(scopes - SCOPES.keys())
    if unknown:
        raise UnknownScopeError(
            f"unknown scope(s): {', '.join(unknown)}; allowed: {', '.join(SCOPES)}"
        )
    return scopes


def format_scopes(scopes: Iterable[str]) -> str:
    """Space-separated, in the canonical order of :data:`SCOPES`."""
    wanted = set(scopes)
    return " ".join(name for name in SCOPES if name in wanted)
