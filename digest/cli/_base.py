"""The command group, its error handling and the options commands share."""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import click

from .. import __version__
from ..config import config_path, load_settings
from ..errors import DigestError
from ..settings import Settings

log = logging.getLogger(__name__)


class DigestFailure(click.ClickException):
    """A DigestError as click shows it: the message, the hint, and exit status 1."""

    def __init__(self, error: DigestError) -> None:
        super().__init__(str(error))
        self.hint = error.hint

    def show(self, file: Any = None) -> None:
        """Print `Error: …` and the hint to stderr."""
        click.echo(f"Error: {self.format_message()}", err=True)
        if self.hint:
            click.echo(f"hint: {self.hint}", err=True)


class ConfigFailure(DigestFailure):
    """A bad usage or config error as click shows it: exit status 2."""

    exit_code = 2


class DigestGroup(click.Group):
    """Turns a DigestError from any command into a clean message and exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DigestError as exc:
            if ctx.params.get("debug"):
                raise
            failure = ConfigFailure if exc.exit_code == 2 else DigestFailure
            raise failure(exc) from exc


config_option = click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file [default: $DIGEST_CONFIG, else config/digest.toml].",
)
list_option = click.option("--list", "list_name", default=None, help="Only this list.")


@click.group(cls=DigestGroup)
@click.version_option(__version__, prog_name="digest")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
def cli(verbose: int, debug: bool) -> None:
    """digest: many sources, condensed into a short, scheduled email briefing."""
    level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="digest")


_FIXED_NOW_ENV = "DIGEST_NOW"
"""For tests only: the clock starts at this ISO time (with a zone) instead of the real one."""
_FIRST_SEEN: dict[str, float] = {}
"""When each $DIGEST_NOW value was first read (monotonic seconds), so its clock runs on."""


def now() -> datetime:
    """The current time, tz-aware UTC: the one place the command line reads the clock.

    When $DIGEST_NOW holds an ISO time (tests set it, so that nothing depends on today's
    date), the clock starts there when that value is first read and runs on at the real pace.
    """
    fixed = os.environ.get(_FIXED_NOW_ENV)
    if not fixed:
        return datetime.now(UTC)
    try:
        start = datetime.fromisoformat(fixed)
    except ValueError as exc:
        raise click.UsageError(f"${_FIXED_NOW_ENV} is not an ISO time: {fixed!r}") from exc
    if start.tzinfo is None:
        raise click.UsageError(f"${_FIXED_NOW_ENV} needs a time zone, e.g. {fixed}+00:00")
    started = _FIRST_SEEN.setdefault(fixed, time.monotonic())
    return start.astimezone(UTC) + timedelta(seconds=time.monotonic() - started)


def load(config: Path | None) -> Settings:
    """The validated settings of the config the user chose (option, env, or default)."""
    return load_settings(config_path(config))


def usage(message: str) -> NoReturn:
    """Stop with a usage error (exit 2) and this message."""
    raise click.UsageError(message)
