"""The root Typer application and what commands share."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from hub import __version__
from hub.settings import Settings, UnsafeSettingsError

app = typer.Typer(
    name="hub",
    help="INVISIBLES hub: import the partner platforms' lists, link young people across "
    "sources, route them and serve the partners' API.\n\nConfiguration comes from HUB_* "
    "environment variables (see README).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class CliError(Exception):
    """An error the user can act on; printed as one line, exit code ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def load_settings() -> Settings:
    """Settings from the environment, with configuration mistakes reported in one line."""
    try:
        return Settings()
    except UnsafeSettingsError as exc:
        raise CliError(str(exc)) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise CliError(f"invalid setting HUB_{field.upper()}: {first['msg']}") from exc


def fail(message: str, exit_code: int = 1) -> typer.Exit:
    """Print ``message`` on stderr and return the exit to raise."""
    typer.echo(f"hub: {message}", err=True)
    return typer.Exit(exit_code)


@app.command("version")
def version() -> None:
    """Print the hub's version."""
    typer.echo(__version__)
