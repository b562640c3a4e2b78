"""The scheduler commands: serve (the daemon) and schedule (when editions go out)."""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import click

from ..config import config_path, load_settings
from ..daemon import Daemon
from ..schedule import next_editions
from ._base import cli, config_option, load

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@cli.command(name="serve")
@config_option
def serve_command(config: Path | None) -> None:
    """Run the scheduler daemon in the foreground; SIGTERM/SIGINT stop it, SIGHUP reloads."""
    path = config_path(config)
    settings = load_settings(path)
    _log_with_times()
    daemon = Daemon(path, settings)
    with _signals(daemon):
        daemon.serve()


@cli.command(name="schedule")
@config_option
@click.option(
    "--count", default=3, show_default=True, type=click.IntRange(1, 100), help="Times per list."
)
def schedule_command(config: Path | None, count: int) -> None:
    """Print each list's next send times, in the list's own time zone."""
    settings = load(config)
    for item, schedule, slots in next_editions(settings, now=datetime.now(UTC), count=count):
        click.echo(f"{item.name}: {item.schedule!r} in {schedule.zone.key}")
        for slot in slots:
            click.echo(f"  {schedule.local(slot):%a %Y-%m-%d %H:%M %Z}")
        if not slots:
            click.echo("  (no more editions)")


def _log_with_times() -> None:
    """Timestamps on every log line; the daemon's own lines (one per edition) by default."""
    root = logging.getLogger()
    for handler in root.handlers:
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    if root.getEffectiveLevel() > logging.INFO:
        logging.getLogger("digest.daemon").setLevel(logging.INFO)


@contextmanager
def _signals(daemon: Daemon) -> Iterator[None]:
    """SIGTERM and SIGINT ask the daemon to stop, SIGHUP to reload, while it serves."""

    def stop(signum: int, frame: FrameType | None) -> None:
        daemon.request_stop()

    def reload(signum: int, frame: FrameType | None) -> None:
        daemon.request_reload()

    handlers = {signal.SIGTERM: stop, signal.SIGINT: stop, signal.SIGHUP: reload}
    previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
