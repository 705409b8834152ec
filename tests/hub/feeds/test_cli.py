"""``hub feeds poll imilo`` and ``hub feeds status``, as an operator runs them."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from hub.cli import app
from hub.cli.base import CliError
from hub.settings import Settings
from tests.hub.feeds.fake_feed import API_KEY, BASE, FakeFeed, event

runner = CliRunner()


@pytest.fixture
def feed_env(app_env: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI's environment; ``engine`` empties the tables (data keys included) afterwards."""
    monkeypatch.setenv("HUB_IMILO_FEED_URL", BASE)
    monkeypatch.setenv("HUB_IMILO_FEED_API_KEY", API_KEY)
    monkeypatch.setenv("HUB_IMILO_FEED_PAGE_SIZE", "2")
    monkeypatch.setenv("HUB_IMILO_FEED_MAX_ATTEMPTS", "1")
    return app_env


def test_poll_once_by_hand_with_a_summary(feed_env: Settings, feed: FakeFeed) -> None:
    never = runner.invoke(app, ["feeds", "status"])
    assert never.stdout.strip() == "No feed polled yet."

    feed.events = [event(1), event(2), event(3)]
    result = runner.invoke(app, ["feeds", "poll", "imilo"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Feed imilo-feed: 2 page(s), 3 event(s) read; 3 created, 0 updated, 0 unchanged, "
        "0 quarantined; 3 acknowledged.",
        "Cursor moved forward.",
    ]

    status = runner.invoke(app, ["feeds", "status"])
    assert status.exit_code == 0
    assert status.stdout.startswith("imilo-feed: at a cursor, 3 event(s) consumed, last poll ")
    assert status.stdout.strip().endswith(" ok")


def test_poll_json_is_one_object(feed_env: Settings, feed: FakeFeed) -> None:
    feed.events = [event(1)]
    result = runner.invoke(app, ["feeds", "poll", "imilo-feed", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["ok"] is True
    assert (payload["events"], payload["created"], payload["acknowledged"]) == (1, 1, 1)
    assert payload["cursor_after"] == "c-1"
    assert len(payload["import_ids"]) == 1


def test_a_failed_poll_exits_1_with_its_reason(feed_env: Settings, feed: FakeFeed) -> None:
    feed.events = [event(1)]
    feed.get_failures = [httpx.Response(401)]
    result = runner.invoke(app, ["feeds", "poll", "imilo"])
    assert result.exit_code == 1
    assert "Cursor unchanged." in result.stdout
    assert "feed poll stopped: reading the feed: HTTP 401, the API key was refused" in (
        result.stderr
    )
    status = runner.invoke(app, ["feeds", "status"])
    assert "FAILED: reading the feed: HTTP 401" in status.stdout


def test_unknown_or_unconfigured_feeds_are_one_line_errors(app_env: Settings) -> None:
    unknown = runner.invoke(app, ["feeds", "poll", "boussole"])
    assert isinstance(unknown.exception, CliError)
    assert unknown.exception.exit_code == 2
    assert "unknown feed 'boussole'" in str(unknown.exception)

    unconfigured = runner.invoke(app, ["feeds", "poll", "imilo"])
    assert isinstance(unconfigured.exception, CliError)
    assert unconfigured.exception.exit_code == 1
    assert "HUB_IMILO_FEED_URL and HUB_IMILO_FEED_API_KEY must be set" in str(
        unconfigured.exception
    )
