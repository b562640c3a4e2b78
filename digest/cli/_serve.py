"""The scheduler commands: serve (the daemon) and schedule (when editions go out)."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from .. import pipeline

if TYPE_CHECKING:
    from ..config import Settings
    from ..schedule import Daemon
from ._base import UNSUBSCRIBE_PORT, cli, config_option, load, now
from ._commands import warn_of_placeholder

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@cli.command(name="serve")
@config_option
@click.option(
    "--unsubscribe",
    "unsubscribe_at",
    metavar="HOST:PORT",
    default=None,
    help=f"Also serve the one-click unsubscribe endpoint here, e.g. 127.0.0.1:{UNSUBSCRIBE_PORT}.",
)
def serve_command(config: Path | None, unsubscribe_at: str | None) -> None:
    """Run the scheduler daemon in the foreground; SIGTERM/SIGINT stop it, SIGHUP reloads."""
    from ..config import config_path, load_settings

    path = config_path(config, os.environ)
    settings = load_settings(path, os.environ)
    address = _address(unsubscribe_at) if unsubscribe_at else None
    warn_of_placeholder(settings)
    _log_with_times()
    from ..schedule import Daemon  # APScheduler is not for --help

    daemon = Daemon(path, settings, clock=now, environ=os.environ)
    with _signals(daemon), _unsubscribe_endpoint(settings, address):
        daemon.serve()


def _address(text: str) -> tuple[str, int]:
    """HOST:PORT as a pair; a usage error names the option when it is not one."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise click.BadParameter(f"{text!r} is not HOST:PORT", param_hint="--unsubscribe")
    return host.strip("[]"), int(port)


@contextmanager
def _unsubscribe_endpoint(settings: Settings, address: tuple[str, int] | None) -> Iterator[None]:
    """The unsubscribe endpoint in a thread beside the scheduler, when asked for."""
    if address is None:
        yield
        return
    server = pipeline.unsubscribe_endpoint(settings, *address, clock=now).start()
    try:
        yield
    finally:
        server.close()


@cli.command(name="schedule")
@config_option
@click.option(
    "--count", default=3, show_default=True, type=click.IntRange(1, 100), help="Times per list."
)
def schedule_command(config: Path | None, count: int) -> None:
    """Print each list's next send times, in the list's own time zone."""
    settings = load(config)
    from ..schedule import next_editions

    for item, schedule, slots in next_editions(settings, now=now(), count=count):
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
        logging.getLogger("digest.schedule").setLevel(logging.INFO)


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


@cli.command(name="worker")
@config_option
def worker_command(config: Path | None) -> None:
    """Deliver queued editions ([queue]), batch by batch; run any number, on any machine."""
    import socket
    import threading

    settings = load(config)
    warn_of_placeholder(settings)
    _log_with_times()
    stop = threading.Event()

    def stop_on(signum: int, frame: FrameType | None) -> None:
        logging.getLogger("digest.cli").info("signal %d: finishing the batch in hand", signum)
        stop.set()

    previous = {sig: signal.signal(sig, stop_on) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        tally = pipeline.work(
            settings, clock=now, stop=stop, host=socket.gethostname(), pid=os.getpid()
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(
        f"worker stopped: {tally.batches} batches, sent {tally.sent}, failed {tally.failed}",
        err=True,
    )
