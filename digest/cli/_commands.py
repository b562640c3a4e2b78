"""The pipeline commands: run, preview, check, summarize, extract."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..errors import ConfigError
from ..pipeline import Progress, RunReport, preview, run
from ..reports import count_words
from ..settings import Settings
from ._base import cli, config_option, list_option, load, now, usage


@cli.command(name="run")
@config_option
@list_option
@click.option("--dry-run", is_flag=True, help="Collect and render, but send nothing.")
def run_command(config: Path | None, list_name: str | None, dry_run: bool) -> None:
    """Collect, summarize, render and deliver one edition of every list (or one) now."""
    settings = load(config)
    if not dry_run:
        warn_of_placeholder(settings)
    with _progress() as progress:
        report = run(
            settings,
            now=now(),
            list_name=list_name,
            is_dry_run=dry_run,
            progress=progress,
        )
    _echo_report(settings, report, dry_run)
    if report.has_failures:
        sys.exit(1)


def warn_of_placeholder(settings: Settings) -> None:
    """Before sending by SMTP: one stderr line when the mail's links go to an example domain.

    The outbox is for trying things out, so it stays quiet there.
    """
    from ..check import placeholder_warning

    warning = placeholder_warning(settings) if settings.transport == "smtp" else None
    if warning:
        click.echo(f"warning: {warning}", err=True)


@cli.command(name="preview")
@config_option
@list_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the HTML here [default: print the plain text].",
)
def preview_command(config: Path | None, list_name: str | None, out: Path | None) -> None:
    """Render a list's edition from what its sources hold now, without sending it."""
    settings = load(config)
    result = preview(settings, now=now(), list_name=list_name)
    for error in result.source_errors:
        click.echo(f"warning: {error}", err=True)
    if out is None:
        click.echo(f"Subject: {result.subject}\n")
        click.echo(result.text)
        return
    try:
        out.write_text(result.html, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{out}: cannot write the preview: {exc.strerror}.") from exc
    click.echo(f"{result.articles} items; HTML written to {out}")


@cli.command(name="check")
@config_option
def check_command(config: Path | None) -> None:
    """Validate the config, subscriber files and templates; say what is wrong and where."""
    from ..check import check

    settings = load(config)
    result = check(settings, now=now())
    for line in result.warnings:
        click.echo(f"warning: {line}", err=True)
    if result.problems:
        raise ConfigError(
            f"{settings.config_path}: {count_words(len(result.problems), 'problem')}:\n"
            + "\n".join(f"  - {problem}" for problem in result.problems),
            hint="fix each entry named above, then run `digest check` again",
        )
    click.echo(result.summary)


@cli.command(name="summarize")
@click.argument("source", default="-", type=click.File("r", encoding="utf-8"))
@click.option("--points", default=3, show_default=True, type=click.IntRange(1, 20))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--jsonl", is_flag=True, help='Read {"id", "text"} lines on stdin.')
def summarize_command(source: Any, points: int, fmt: str, jsonl: bool) -> None:
    """Print the key points of one article (a text file, or - for stdin)."""
    from ..summarize import key_points

    if jsonl:
        for record in _jsonl(source if source.name != "<stdin>" else sys.stdin):
            result = key_points(str(record.get("text", "")), points=points)
            click.echo(json.dumps({"id": record.get("id"), "key_points": list(result)}))
        return
    result = key_points(source.read(), points=points)
    if fmt == "json":
        click.echo(json.dumps({"key_points": list(result)}, ensure_ascii=False, indent=2))
    else:
        for point in result:
            click.echo(f"- {point}")


@cli.command(name="extract")
@click.argument("target", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--jsonl", is_flag=True, help='Read {"id", "html"} or {"id", "text"} lines on stdin.')
def extract_command(target: str | None, fmt: str, jsonl: bool) -> None:
    """Print the main text of a page or text file (FILE or URL)."""
    from ..extract import main_text

    if jsonl:
        for record in _jsonl(sys.stdin):
            if "html" in record:
                result = main_text(str(record["html"]), "html")
            else:
                result = main_text(str(record.get("text", "")), "text")
            click.echo(json.dumps({"id": record.get("id"), "text": result.text}))
        return
    if not target:
        usage("give a FILE or URL, or --jsonl to read JSON lines on stdin")
    body, body_format, url = _read_target(target)
    result = main_text(body, body_format, url)
    if fmt == "json":
        data = {"title": result.title, "language": result.language, "text": result.text}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(result.text)


def _jsonl(stream: Any) -> Iterator[dict[str, Any]]:
    """JSON objects, one a line; a bad line is a usage error naming its number."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"stdin line {number}: not valid JSON: {exc}.") from exc
        if not isinstance(record, dict):
            raise ConfigError(f"stdin line {number}: expected a JSON object.")
        yield record


def _read_target(target: str) -> tuple[str, Any, str | None]:
    """The body, its format and its URL, from a local file or an http(s) URL."""
    if target.startswith(("http://", "https://")):
        from ..fetch import fetch, http_client

        with http_client() as client:
            page = fetch(target, source=target, client=client, kind="page")
        if page is None:
            raise ConfigError(f"{target}: the server sent no page (304 Not Modified).")
        return page.content.decode(page.charset or "utf-8", errors="replace"), "html", page.url
    path = Path(target)
    try:
        body = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc.strerror}.") from exc
    suffix = path.suffix.lower()
    body_format = (
        "html" if suffix in (".html", ".htm") else "markdown" if suffix == ".md" else "text"
    )
    return body, body_format, None


@contextmanager
def _progress() -> Iterator[Progress | None]:
    """A progress bar on a terminal; nothing when output goes to a file or a log."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress as Bar

    with Bar(transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done, total=total)

        yield update


def _echo_report(settings: Settings, report: RunReport, is_dry_run: bool) -> None:
    """One line per list, then each failure, then where the mail went."""
    for item in report.lists:
        click.echo(
            f"{item.list_name}: {count_words(item.articles, 'new article')}, {item.sent} sent, "
            f"{item.failed} failed, {item.pending} pending. {item.note}"
        )
        if item.left_out and item.articles:
            click.echo(f"  left out: {item.left_out_summary()} (-v names them)")
        if logging.getLogger().isEnabledFor(logging.INFO):  # -v
            for gone in item.left_out:
                click.echo(f"  left out ({gone.reason}): {gone.title or gone.url} [{gone.source}]")
        for error in item.source_errors:
            click.echo(f"  source failed: {error}", err=True)
        for error in item.delivery_errors[:20]:
            click.echo(f"  delivery failed: {error}", err=True)
    if settings.transport == "outbox" and not is_dry_run and any(r.sent for r in report.lists):
        click.echo(f"Messages written to the Maildir {settings.outbox.path} (see its new/ folder).")
