"""The sources commands: import (from OPML), list (with the last fetch), test (fetch now)."""

from __future__ import annotations

import sys
from datetime import UTC
from pathlib import Path

import click

from .. import pipeline
from ._base import cli, config_option, list_option, load, now


@cli.group(name="sources")
def sources_group() -> None:
    """Import, list and test the sources of the lists."""


@sources_group.command(name="import")
@config_option
@list_option
@click.argument("opml", type=click.Path(dir_okay=False, path_type=Path))
def import_command(config: Path | None, list_name: str | None, opml: Path) -> None:
    """Add the feeds of an OPML file to a list in the config (ones it has are skipped)."""
    settings = load(config)
    report = pipeline.import_opml(settings, opml, list_name)
    for name in report.added:
        click.echo(f"added: {name}")
    for line in report.skipped:
        click.echo(f"skipped: {line}")
    click.echo(
        f"{report.list_name}: {len(report.added)} added, {len(report.skipped)} skipped"
        + (f"; {settings.config_path} updated." if report.added else ".")
    )


@sources_group.command(name="list")
@config_option
@list_option
def list_command(config: Path | None, list_name: str | None) -> None:
    """Show each source with its last fetch: when, how many items, and the last error."""
    settings = load(config)
    for line in pipeline.list_sources(settings, list_name):
        source = line.source
        click.echo(f"{line.list_name}/{source.name} ({source.kind} {source.location()})")
        if line.last is None:
            click.echo("  last fetch: never")
            continue
        when = line.last.fetched_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        click.echo(f"  last fetch: {when}, {line.last.items} items")
        if line.last.error:
            click.echo(f"  error: {line.last.error}")


@sources_group.command(name="test")
@config_option
@list_option
def test_command(config: Path | None, list_name: str | None) -> None:
    """Fetch every source now: its items, and how many the next edition would take in."""
    settings = load(config)
    results = pipeline.probe_sources(settings, now=now(), list_name=list_name)
    for result in results:
        outcome = (
            f"error: {result.error}"
            if result.error
            else f"{result.items} items, {result.new} for the next edition"
        )
        click.echo(f"{result.list_name}/{result.source.name}: {outcome}")
    if any(result.error for result in results):
        sys.exit(1)
