"""Which connectors exist: the built-in ones, registered here in code, and third-party ones
from the ``invisibles_hub.connectors`` entry-point group.

A connector that fails to load is *listed with its error*, never dropped: ``hub connectors
list`` shows it, and :func:`get_connector` names the error.

Third-party packages declare, in their ``pyproject.toml``::

    [project.entry-points."invisibles_hub.connectors"]
    my-source = "my_package.connector:connector"

The target is a connector object (or a class / factory called without arguments that
returns one) satisfying :class:`connectors.base.Connector` (file connectors) or at least
:class:`connectors.base.SourceConnector` (pull connectors).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from connectors.base import Connector, SourceConnector

__all__ = [
    "BUILTIN_CONNECTORS",
    "ENTRY_POINT_GROUP",
    "BrokenConnectorError",
    "ConnectorLookupError",
    "LoadedConnector",
    "UnknownConnectorError",
    "get_connector",
    "load_connectors",
]

ENTRY_POINT_GROUP = "invisibles_hub.connectors"

BUILTIN_CONNECTORS: tuple[str, ...] = (
    # File connectors (CSV / XLSX exports).
    "connectors.decrocheurs:connector",
    "connectors.boussole:connector",
    "connectors.perdus_de_vue:connector",
    # Pull connectors (HTTP feeds): one "module:attribute" line each.
    "connectors.imilo_feed:connector",
)
"""Built-in connectors as ``module:attribute`` targets, imported on demand so that one broken
connector cannot keep the others (or the hub) from loading."""

_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,62}$")


@dataclass(frozen=True)
class LoadedConnector:
    """A registry entry: the connector, or why it could not be loaded."""

    name: str
    connector: SourceConnector | None
    origin: str
    """``builtin`` or ``entry-point:<distribution>``."""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.connector is not None

    @property
    def file_connector(self) -> Connector | None:
        """The connector when it reads files (has ``read`` and a reference profile)."""
        return self.connector if isinstance(self.connector, Connector) else None


class ConnectorLookupError(LookupError):
    """No usable connector under that name; the message is one line for the user."""


class UnknownConnectorError(ConnectorLookupError):
    pass


class BrokenConnectorError(ConnectorLookupError):
    pass


def _load_target(load: Callable[[], object]) -> SourceConnector:
    target = load()
    if isinstance(target, type) or (callable(target) and not isinstance(target, SourceConnector)):
        target = target()
    if not isinstance(target, SourceConnector):
        raise TypeError("not a connector (needs name, formats and description)")
    if not isinstance(target.name, str) or not _NAME_RE.match(target.name):
        raise TypeError(f"invalid connector name {target.name!r} (lower-case slug expected)")
    if not isinstance(target.formats, tuple) or not target.formats:
        raise TypeError("formats must be a non-empty tuple")
    if any(fmt in ("csv", "xlsx") for fmt in target.formats) and not isinstance(target, Connector):
        raise TypeError("a file connector needs reference_profile and read()")
    return target


def _import_target(spec: str) -> Callable[[], object]:
    module_name, _, attribute = spec.partition(":")

    def load() -> object:
        module = importlib.import_module(module_name)
        return getattr(module, attribute)

    return load


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]


def _guess_name(spec: str) -> str:
    module = spec.partition(":")[0].rsplit(".", 1)[-1]
    return module.replace("_", "-")


def _entry_point_origin(entry_point: EntryPoint) -> str:
    dist = getattr(entry_point, "dist", None)
    name = getattr(dist, "name", None) if dist is not None else None
    return f"entry-point:{name or 'unknown'}"


def load_connectors() -> list[LoadedConnector]:
    """Every connector, built-in first then entry points (sorted by name), broken ones included.

    A connector whose name is already taken is listed as broken: the first one wins.
    """
    loaded: list[LoadedConnector] = []
    taken: set[str] = set()

    def add(default_name: str, origin: str, load: Callable[[], object]) -> None:
        try:
            connector = _load_target(load)
        except Exception as exc:  # whatever a plugin raises, it is reported, never fatal
            loaded.append(LoadedConnector(default_name, None, origin, _describe(exc)))
            return
        if connector.name in taken:
            loaded.append(
                LoadedConnector(
                    connector.name, None, origin, f"name {connector.name!r} is already used"
                )
            )
            return
        taken.add(connector.name)
        loaded.append(LoadedConnector(connector.name, connector, origin))

    for spec in BUILTIN_CONNECTORS:
        add(_guess_name(spec), "builtin", _import_target(spec))
    try:
        plugins = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    except Exception as exc:  # a broken installed distribution's metadata
        loaded.append(LoadedConnector("entry-points", None, "entry-point:unknown", _describe(exc)))
        plugins = []
    for entry_point in plugins:
        add(entry_point.name, _entry_point_origin(entry_point), entry_point.load)
    return loaded


def get_connector(name: str) -> Connector:
    """The file connector called ``name``.

    Raises :class:`UnknownConnectorError` (listing the known names) or
    :class:`BrokenConnectorError` (with the load error, or when it reads no files).
    """
    entries = load_connectors()
    for entry in entries:
        if entry.name != name:
            continue
        if not entry.ok:
            raise BrokenConnectorError(f"connector {name!r} failed to load: {entry.error}")
        connector = entry.file_connector
        if connector is None:
            raise BrokenConnectorError(f"connector {name!r} does not read files")
        return connector
    known = ", ".join(sorted(e.name for e in entries if e.ok)) or "none"
    raise UnknownConnectorError(f"unknown source {name!r}; known sources: {known}")
