"""The command group, its error handling and the options commands share."""

from __future__ import annotations

import logging
import os
import re
import shlex
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from .. import __version__

if TYPE_CHECKING:
    from ..config import Settings
from ..errors import DigestError

log = logging.getLogger(__package__)


class DigestFailure(click.ClickException):
    """A DigestError as click shows it: the message, the hint, and exit status 1.

    Commands quoted in either come out as the user can paste them (see `pasteable`).
    """

    def __init__(self, error: DigestError) -> None:
        super().__init__(pasteable(str(error)))
        self.hint = pasteable(error.hint) if error.hint else None

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


_F = TypeVar("_F", bound=Callable[..., Any])
_GIVEN_CONFIG = "digest.config"
_GIVEN_LIST = "digest.list"
"""Keys in click's context meta: the --config and --list of this invocation, when given."""


def _remember_config(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """--config before the command name holds for the command, unless it gives its own."""
    if value is None:
        return ctx.meta.get(_GIVEN_CONFIG)
    ctx.meta[_GIVEN_CONFIG] = value
    return value


def _remember_list(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.meta[_GIVEN_LIST] = value
    return value


def config_option_named(help: str) -> Callable[[_F], _F]:
    """The --config option with this help text (the group's and every command's)."""
    return click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        callback=_remember_config,
        help=help,
    )


config_option = config_option_named(
    "Config file [default: $DIGEST_CONFIG, else config/digest.toml]."
)


def list_option_named(help: str) -> Callable[[_F], _F]:
    """The --list option with this help text (commands word it by what they do with it)."""
    return click.option("--list", "list_name", default=None, callback=_remember_list, help=help)


list_option = list_option_named("Only this list.")


@click.group(cls=DigestGroup)
@click.version_option(__version__, prog_name="digest")
@config_option_named("Config file for the command; the same as --config after the command name.")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
def cli(config: Path | None, verbose: int, debug: bool) -> None:
    """digest: many sources, condensed into a short, scheduled email briefing."""
    level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if verbose < 2:
        handler.addFilter(_is_shown)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


_HANDLED_LIBRARIES = frozenset(("trafilatura", "htmldate", "courlan", "justext"))
"""Libraries whose every failure the extract stage handles (it falls back to a plain
conversion): their ERROR and WARNING lines describe input that was dealt with."""


def _is_shown(record: logging.LogRecord) -> bool:
    """Without -vv: digest's own log lines, and other libraries' warnings and errors.

    A library's INFO and DEBUG lines are for -vv only, and so is everything the extract
    libraries log (trafilatura logs ERROR for any body too short for its taste).
    """
    name = record.name
    if name == "digest" or name.startswith("digest."):
        return True
    if name.partition(".")[0] in _HANDLED_LIBRARIES:
        return False
    return record.levelno >= logging.WARNING


_QUOTED_COMMAND = re.compile(r"`(digest(?: [^`]*)?)`")


def pasteable(text: str) -> str:
    """The text with each `digest …` command in backticks carrying this invocation's options.

    Messages name commands without knowing how digest was invoked; here a quoted command
    gets the --config and --list the user gave (where it takes them and lacks them), so
    that it works when pasted.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return text
    given = {"--config": ctx.meta.get(_GIVEN_CONFIG), "--list": ctx.meta.get(_GIVEN_LIST)}
    if not any(given.values()):
        return text
    return _QUOTED_COMMAND.sub(lambda m: f"`{_with_options(m.group(1), given)}`", text)


def _with_options(command: str, given: dict[str, object]) -> str:
    """One command line with the given options added after the command's name."""
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    target: click.Command = cli
    at = 1
    while isinstance(target, click.Group) and at < len(words) and words[at] in target.commands:
        target = target.commands[words[at]]
        at += 1
    taken = {name for param in target.params for name in getattr(param, "opts", ())}
    extra: list[str] = []
    for name, value in given.items():
        if value is not None and name in taken and name not in words:
            extra += [name, str(value)]
    return (
        shlex.join([*words[:at], *extra, *words[at:]]) if extra and target is not cli else command
    )


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="digest")


UNSUBSCRIBE_PORT = 8058
"""Default port of the one-click unsubscribe endpoint, after RFC 8058. Not 8025, the usual
port of a local test SMTP server, nor 8000/8080, those of development web servers."""

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
    from ..config import config_path, load_settings  # not for --help: pydantic takes a while

    return load_settings(config_path(config, os.environ), os.environ)


def usage(message: str) -> NoReturn:
    """Stop with a usage error (exit 2) and this message."""
    raise click.UsageError(message)
