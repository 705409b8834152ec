"""INVISIBLES hub: the FastAPI service, its domains and its command line."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("invisibles-hub")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+local"
