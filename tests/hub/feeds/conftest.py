"""Fixtures of the feed tests: settings pointing at the fake feed, keys, a respx router."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx
from pydantic import SecretStr
from sqlalchemy import Engine

from hub.crypto import Crypto, build_crypto
from hub.settings import Settings
from tests.hub.feeds.fake_feed import API_KEY, BASE, FakeFeed


@pytest.fixture
def feed_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "imilo_feed_url": BASE,
            "imilo_feed_api_key": SecretStr(API_KEY),
            "imilo_feed_page_size": 2,
            "imilo_feed_max_attempts": 3,
        }
    )


@pytest.fixture
def crypto(feed_settings: Settings, engine: Engine) -> Crypto:
    return build_crypto(feed_settings, engine)


@pytest.fixture
def feed() -> Iterator[FakeFeed]:
    with respx.mock(assert_all_called=False) as router:
        fake = FakeFeed()
        fake.install(router)
        yield fake
