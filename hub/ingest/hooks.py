"""Post-import hooks: what must run in an import's own transaction once its records are stored
(identity resolution links the changed records; consent flags re-imports of erased persons).

A hook registers itself when its module is imported::

    from hub.ingest.hooks import register_post_import

    @register_post_import
    def link_records(session: Session, crypto: Crypto, changed_ids: list[uuid.UUID]) -> None: ...

Hooks are called in registration order (import order of their modules: a hook that needs
another one's work imports that module first) with the ids of the ``source_record`` rows the
import created or updated (possibly none), inside the import's transaction, after every row
is stored: a hook that raises rolls the whole import back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlmodel import Session

from hub.crypto import Crypto

PostImportHook = Callable[[Session, Crypto, list[uuid.UUID]], None]

_HOOKS: list[PostImportHook] = []


def register_post_import(fn: PostImportHook) -> PostImportHook:
    """Register ``fn`` (once: registering it again does nothing); usable as a decorator."""
    if fn not in _HOOKS:
        _HOOKS.append(fn)
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
