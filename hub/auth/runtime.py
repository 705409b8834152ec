"""Per-application state of the authorisation server: signing key cache, rate limiter."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Engine

from hub.auth.keys import SigningKeyStore
from hub.auth.ratelimit import TokenEndpointLimiter
from hub.auth.urls import OAuthUrls
from hub.dependencies import get_engine, get_settings_dep
from hub.settings import Settings


@dataclass(frozen=True)
class AuthRuntime:
    settings: Settings
    engine: Engine
    urls: OAuthUrls
    keys: SigningKeyStore
    limiter: TokenEndpointLimiter

    @classmethod
    def build(cls, settings: Settings, engine: Engine) -> AuthRuntime:
        return cls(
            settings=settings,
            engine=engine,
            urls=OAuthUrls.of(settings),
            keys=SigningKeyStore(
                engine, token_lifetime_seconds=settings.access_token_lifetime_seconds
            ),
            limiter=TokenEndpointLimiter(
                per_client=settings.token_rate_limit_per_client,
                per_address=settings.token_rate_limit_per_address,
                window=settings.token_rate_limit_window_seconds,
            ),
        )


_lock = threading.Lock()


def get_auth_runtime(request: Request) -> AuthRuntime:
    """The application's :class:`AuthRuntime`, built on first use."""
    state = request.app.state
    runtime = getattr(state, "auth", None)
    if runtime is None:
        with _lock:
            runtime = getattr(state, "auth", None)
            if runtime is None:
                runtime = AuthRuntime.build(get_settings_dep(request), get_engine(request))
                state.auth = runtime
    assert isinstance(runtime, AuthRuntime)
    return runtime
