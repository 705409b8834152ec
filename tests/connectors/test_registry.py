"""The connector registry: built-ins, entry points, and loud load errors."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

import connectors.registry as registry
from connectors.base import Connector
from connectors.decrocheurs import connector as decrocheurs
from connectors.registry import (
    BrokenConnectorError,
    UnknownConnectorError,
    get_connector,
    load_connectors,
)


class _PullConnector:
    name = "demo-feed"
    formats = ("feed",)
    description = "A feed"


_PLUGIN = _PullConnector()


def _broken_plugin() -> object:
    raise RuntimeError("missing dependency 'foo'")


def _fake_entry_points(*entries: EntryPoint):  # type: ignore[no-untyped-def]
    def entry_points(*, group: str) -> list[EntryPoint]:
        assert group == "invisibles_hub.connectors"
        return list(entries)

    return entry_points


def _ep(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=target, group="invisibles_hub.connectors")


def test_builtin_connectors_are_listed() -> None:
    entries = {entry.name: entry for entry in load_connectors()}
    assert {"decrocheurs", "boussole", "perdus-de-vue"} <= set(entries)
    assert all(entries[name].origin == "builtin" for name in ("decrocheurs", "boussole"))
    assert entries["decrocheurs"].ok
    assert isinstance(entries["decrocheurs"].file_connector, Connector)


def test_get_connector() -> None:
    assert get_connector("decrocheurs") is decrocheurs
    with pytest.raises(UnknownConnectorError, match="unknown source 'nope'; known sources: "):
        get_connector("nope")


def test_entry_points_are_loaded_and_failures_are_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    module = __name__
    monkeypatch.setattr(
        registry,
        "entry_points",
        _fake_entry_points(
            _ep("demo-feed", f"{module}:_PLUGIN"),
            _ep("broken", f"{module}:_broken_plugin"),
            _ep("missing", "no_such_module_xyz:connector"),
            _ep("not-a-connector", f"{module}:_fake_entry_points"),
            _ep("decrocheurs-bis", "connectors.decrocheurs:connector"),
        ),
    )
    entries = {entry.name: entry for entry in load_connectors()}
    assert entries["demo-feed"].ok
    assert entries["demo-feed"].origin == "entry-point:unknown"
    assert entries["demo-feed"].file_connector is None
    assert entries["broken"].error == "RuntimeError: missing dependency 'foo'"
    assert entries["missing"].error is not None
    assert entries["missing"].error.startswith("ModuleNotFoundError")
    assert entries["not-a-connector"].error is not None
    # The first connector with a name wins; the duplicate is listed as broken.
    named = [e for e in load_connectors() if e.name == "decrocheurs"]
    assert [(e.origin, e.ok) for e in named] == [("builtin", True), ("entry-point:unknown", False)]
    assert named[1].error == "name 'decrocheurs' is already used"
    with pytest.raises(BrokenConnectorError, match="failed to load: RuntimeError"):
        get_connector("broken")
    with pytest.raises(BrokenConnectorError, match="does not read files"):
        get_connector("demo-feed")


def test_a_broken_builtin_does_not_hide_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        registry,
        "BUILTIN_CONNECTORS",
        (*registry.BUILTIN_CONNECTORS, "connectors.not_there:connector"),
    )
    entries = {entry.name: entry for entry in load_connectors()}
    assert entries["not-there"].error is not None
    assert entries["decrocheurs"].ok
