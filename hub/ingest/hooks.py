"""Post-import hooks: what must run in an import's own transaction once its records are stored
(identity resolution links the changed records; consent flags re-imports of erased persons).

A hook registers itself when its module is imported::

    from hub.ingest.hooks import register_post_import

    @register_post_import
    def link_records(session: Session, crypto: Crypto, changed_ids: list[uuid.UUID]) -> None: ...

Hooks are called by ``order`` (lowest first; identity resolution 10, consent 20, routing 50;
equal orders keep their first registration order) with the ids of the ``source_record`` rows
the import created or updated (possibly none), inside the import's transaction, after every
row is stored: a hook that raises rolls the whole import back. A hook unregistered and
registered again (tests, the demo) keeps its order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlmodel import Session

from hub.crypto import Crypto

PostImportHook = Callable[[Session, Crypto, list[uuid.UUID]], None]

DEFAULT_ORDER = 100

_HOOKS: list[PostImportHook] = []
_ORDER: dict[PostImportHook, tuple[int, int]] = {}


def register_post_import(fn: PostImportHook, *, order: int | None = None) -> PostImportHook:
    """Register ``fn`` (once: registering it again does nothing); usable as a decorator."""
    if order is not None or fn not in _ORDER:
        sequence = _ORDER[fn][1] if fn in _ORDER else len(_ORDER)
        _ORDER[fn] = (DEFAULT_ORDER if order is None else order, sequence)
    if fn not in _HOOKS:
        _HOOKS.append(fn)
    _HOOKS.sort(key=_ORDER.__getitem__)
    return fn


def unregister_post_import(fn: PostImportHook) -> None:
    """Remove ``fn`` if registered (tests)."""
    if fn in _HOOKS:
        _HOOKS.remove(fn)


def post_import_hooks() -> tuple[PostImportHook, ...]:
    return tuple(_HOOKS)


def run_post_import_hooks(session: Session, crypto: Crypto, changed_ids: list[uuid.UUID]) -> None:
    for hook in tuple(_HOOKS):
        hook(session, crypto, list(changed_ids))
