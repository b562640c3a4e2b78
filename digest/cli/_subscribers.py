"""The subscriber commands (`digest subscribers …`) and `digest unsubscribe-server`."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from .. import pipeline
from ..errors import ConfigError
from ..models import STATUSES, MailFormat, Subscriber, SubscriberStatus
from ._base import (
    UNSUBSCRIBE_PORT,
    cli,
    config_option,
    list_option_named,
    load,
    now,
    pasteable,
)

if TYPE_CHECKING:
    pass

list_choice = list_option_named("The list [needed when the config has several].")
email_argument = click.argument("email")


@cli.group(name="subscribers")
def subscribers_group() -> None:
    """List, add, remove, pause, resume, import and export a list's subscribers."""


@subscribers_group.command(name="list")
@config_option
@list_choice
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only these.")
def list_command(config: Path | None, list_name: str | None, status: str | None) -> None:
    """Print the list's subscribers: address, name, status, choices and where each is."""
    settings = load(config)
    item = settings.one_list(list_name)
    counts = dict.fromkeys(STATUSES, 0)
    for listed in pipeline.list_subscribers(settings, item):
        entry = listed.entry
        if isinstance(entry, pipeline.SubscriberProblem) or listed.status is None:
            click.echo(f"warning: {entry}", err=True)
            continue
        counts[listed.status] += 1
        if status is None or listed.status == status:
            click.echo(_line(entry.subscriber, listed.status, entry.where))
    total = sum(counts.values())
    click.echo(
        f"{item.name}: {total} subscribers, " + ", ".join(f"{n} {s}" for s, n in counts.items())
    )


@subscribers_group.command(name="add")
@config_option
@list_choice
@email_argument
@click.option("--name", default="", help="The subscriber's name.")
@click.option("--topics", default="", help='Keywords or source names, e.g. "bikes; -sport".')
@click.option("--max-items", type=click.IntRange(min=1), default=None, help="Most items.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "text"]),
    default="html",
    show_default=True,
    help="The mail they get: html (with a plain-text part), or plain text only.",
)
@click.option("--timezone", default=None, help="IANA zone for dates, e.g. Europe/Paris.")
def add_command(
    config: Path | None,
    list_name: str | None,
    email: str,
    name: str,
    topics: str,
    max_items: int | None,
    fmt: MailFormat,
    timezone: str | None,
) -> None:
    """Add a subscriber (refused if the address is already on the list)."""
    settings = load(config)
    item = settings.one_list(list_name)
    subscriber = Subscriber(
        email=email,
        name=name,
        topics=pipeline.split_topics(topics),
        max_items=max_items,
        format=fmt,
        timezone=timezone,
    )
    _echo(pipeline.add_subscriber(settings, item, subscriber))


@subscribers_group.command(name="remove")
@config_option
@list_choice
@email_argument
def remove_command(config: Path | None, list_name: str | None, email: str) -> None:
    """Remove a subscriber's entry from the file it is in."""
    settings = load(config)
    _echo(pipeline.remove_subscriber(settings, settings.one_list(list_name), email))


@subscribers_group.command(name="pause")
@config_option
@list_choice
@email_argument
def pause_command(config: Path | None, list_name: str | None, email: str) -> None:
    """Stop sending to a subscriber for now (status paused), keeping the entry."""
    _set(config, list_name, email, "paused")


@subscribers_group.command(name="resume")
@config_option
@list_choice
@email_argument
def resume_command(config: Path | None, list_name: str | None, email: str) -> None:
    """Send to a paused (or unsubscribed) subscriber again (status active)."""
    _set(config, list_name, email, "active")


@subscribers_group.command(name="import")
@config_option
@list_choice
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_command(config: Path | None, list_name: str | None, source: Path, dry_run: bool) -> None:
    """Merge a CSV file (digest's, or a Mailchimp or Listmonk export) into the list."""
    settings = load(config)
    item = settings.one_list(list_name)
    report = pipeline.import_subscribers(settings, item, source, is_dry_run=dry_run)
    for email in report.added:
        click.echo(f"added {email}")
    for email in report.updated:
        click.echo(f"updated {email}")
    for line in report.skipped:
        click.echo(f"skipped {pasteable(line)}", err=True)
    if report.ignored_columns:
        click.echo(f"ignored columns: {', '.join(report.ignored_columns)}", err=True)
    where = "nothing written (dry run)" if dry_run else f"into {report.path}"
    click.echo(
        f"{item.name}: {len(report.added)} added, {len(report.updated)} updated, "
        f"{report.unchanged} unchanged, {len(report.skipped)} skipped; {where}"
    )


@subscribers_group.command(name="export")
@config_option
@list_choice
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the CSV here [default: stdout].",
)
def export_command(config: Path | None, list_name: str | None, out: Path | None) -> None:
    """Write the list's subscribers (every status) as one CSV file with all fields."""
    settings = load(config)
    item = settings.one_list(list_name)
    if out is None:
        pipeline.export_subscribers(settings, item, sys.stdout)
        return
    try:
        with out.open("w", newline="", encoding="utf-8") as handle:
            count = pipeline.export_subscribers(settings, item, handle)
    except OSError as exc:
        raise ConfigError(f"{out}: cannot write the export: {exc.strerror}.") from exc
    click.echo(f"{count} subscribers of {item.name} written to {out}", err=True)


@cli.command(name="unsubscribe-server")
@config_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=UNSUBSCRIBE_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
def unsubscribe_server_command(config: Path | None, host: str, port: int) -> None:
    """Serve the one-click unsubscribe links (BASE_URL/u/TOKEN) until SIGTERM or Ctrl-C."""
    settings = load(config)
    server = pipeline.unsubscribe_endpoint(settings, host, port, now)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.close, daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"unsubscribe endpoint on {server.url} (links: {settings.base_url}/u/TOKEN)")
    try:
        server.serve_forever()
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _set(config: Path | None, list_name: str | None, email: str, status: SubscriberStatus) -> None:
    settings = load(config)
    item = settings.one_list(list_name)
    _echo(pipeline.set_subscriber_status(settings, item, email, status))


def _echo(change: pipeline.Change) -> None:
    click.echo(str(change))


def _line(subscriber: Subscriber, status: str, where: str) -> str:
    """One subscriber on one line: address, name, status, choices, and where it is."""
    parts = [subscriber.email, subscriber.name or "-", status]
    if subscriber.topics:
        parts.append("topics: " + "; ".join(subscriber.topics))
    if subscriber.max_items:
        parts.append(f"max {subscriber.max_items} items")
    if subscriber.format != "html":
        parts.append(f"format {subscriber.format}")
    if subscriber.timezone:
        parts.append(subscriber.timezone)
    return "  ".join(parts) + f"  ({where})"
