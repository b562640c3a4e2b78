"""The delivery commands: status (what the delivery log says) and retry (failed ones again)."""

from __future__ import annotations

import sys
from datetime import UTC
from pathlib import Path

import click

from .. import pipeline
from ._base import cli, config_option, list_option, load, now, pasteable
from ._commands import _progress, warn_of_placeholder


@cli.command(name="status")
@config_option
@list_option
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(1), help="Most editions shown."
)
@click.option("--failures", is_flag=True, help="Also list each failed address and its error.")
def status_command(config: Path | None, list_name: str | None, limit: int, failures: bool) -> None:
    """Show the latest editions with their sent, failed and pending recipients."""
    settings = load(config)
    status = pipeline.delivery_status(settings, list_name, limit=limit, with_failures=failures)
    editions, failed = status.editions, status.failures
    if list_name is not None and not editions:
        settings.chosen_lists(list_name)  # a name the config lacks (and no edition has) is a typo
    if not editions:
        click.echo("No editions yet." if list_name is None else f"No editions of {list_name} yet.")
        return
    width = max(len("list"), *(len(e.list_name) for e in editions))
    click.echo(
        f"{'edition':>7}  {'list':<{width}}  {'created (UTC)':<16}  "
        f"{'sent':>7}  {'failed':>7}  {'pending':>7}  state"
    )
    for edition in editions:
        counts = edition.counts
        state = "finished" if edition.finished else "unfinished"
        created = edition.created.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"{edition.id:>7}  {edition.list_name:<{width}}  {created:<16}  "
            f"{counts.sent:>7}  {counts.failed:>7}  {counts.pending:>7}  {state}"
        )
        for email, error in failed.get(edition.id, ()):
            click.echo(f"         failed: {email}: {error}")
    for worker in status.workers:
        started = worker.started.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"worker {worker.id} on {worker.host} (pid {worker.pid}, since {started} UTC): "
            f"sending {worker.sending}"
        )
    retried = [e.id for e in editions if e.counts.failed]
    if retried and not failures:
        commands = ", ".join(f"`digest retry {number}`" for number in retried)
        click.echo(pasteable(f"Resend to the failed ones with {commands}."), err=True)


@cli.command(name="retry")
@config_option
@click.argument("edition", type=click.IntRange(1))
def retry_command(config: Path | None, edition: int) -> None:
    """Send an edition again, only to the recipients whose delivery failed."""
    settings = load(config)
    warn_of_placeholder(settings)
    with _progress() as progress:
        report = pipeline.retry(settings, edition, now=now(), progress=progress)
    for item in report.lists:
        click.echo(f"{item.list_name}: {item.note}; {item.pending} pending.")
        for error in item.delivery_errors[:20]:
            click.echo(f"  delivery failed: {error}", err=True)
    if report.has_failures:
        sys.exit(1)
