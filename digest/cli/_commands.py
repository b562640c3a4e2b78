"""The pipeline commands: run, preview, check, summarize, extract."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import pipeline
from ..errors import ConfigError, DigestError
from ..models import BodyFormat
from ..pipeline import count_words
from ._base import cli, config_option, list_option, load, now, pasteable, usage

if TYPE_CHECKING:
    from ..config import Settings


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
        report = pipeline.run(
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
    from ..pipeline import placeholder_warning

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
    help="Write the HTML here (FILE-LIST.html each when there are several lists) "
    "[default: print the plain text].",
)
def preview_command(config: Path | None, list_name: str | None, out: Path | None) -> None:
    """Render each list's edition (or one list's) from what its sources hold now, unsent."""
    settings = load(config)
    results = pipeline.preview(settings, now=now(), list_name=list_name)
    for result in results:
        for error in result.source_errors:
            click.echo(f"warning: {result.list_name}: {error}", err=True)
        if out is None:
            if len(results) > 1:
                click.echo(f"=== {result.list_name} ===")
            click.echo(f"Subject: {result.subject}\n")
            click.echo(result.text)
            continue
        path = (
            out
            if len(results) == 1
            else out.with_name(f"{out.stem}-{result.list_name}{out.suffix}")
        )
        try:
            path.write_text(result.html, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot write the preview: {exc.strerror}.") from exc
        click.echo(
            f"{result.list_name}: {count_words(result.articles, 'item')}; HTML written to {path}"
        )


@cli.command(name="check")
@config_option
def check_command(config: Path | None) -> None:
    """Validate the config, subscriber files and templates; say what is wrong and where."""
    from ..pipeline import check

    settings = load(config)
    result = check(settings, now=now())
    for line in result.warnings:
        click.echo(f"warning: {pasteable(line)}", err=True)
    if result.problems:
        raise ConfigError(
            f"{settings.config_path}: {count_words(len(result.problems), 'problem')}:\n"
            + "\n".join(f"  - {problem}" for problem in result.problems),
            hint="fix each entry named above, then run `digest check` again",
        )
    click.echo(result.summary)


@cli.command(name="summarize")
@click.argument("source", default="-", type=click.File("r", encoding="utf-8"))
@click.option(
    "--points",
    default=3,
    show_default=True,
    type=click.IntRange(1, 20),
    help="How many key points (sentences) to pick.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help='"text": one "- point" a line; "json": {"key_points": [...]}.',
)
@click.option(
    "--jsonl",
    is_flag=True,
    help='Read {"id", "text"} lines on stdin; write {"id", "key_points"} '
    '(or {"id", "error"}) lines.',
)
def summarize_command(source: Any, points: int, fmt: str, jsonl: bool) -> None:
    """Print the key points of one article: a text, Markdown or HTML file, or - for stdin.

    An HTML or Markdown file (by its suffix) has its main text extracted first, as a run does.
    """
    if jsonl:
        failed = 0
        for number, record in _jsonl(source if source.name != "<stdin>" else sys.stdin):
            text = record.get("text") if isinstance(record, dict) else None
            if isinstance(record, str) or not isinstance(text, str):
                failed += _echo_failure(number, record, 'no "text" string')
                continue
            result = pipeline.summarize_text(text, points=points)
            click.echo(json.dumps({"id": record.get("id"), "key_points": list(result)}))
        _exit_if_failed(failed)
        return
    name = "stdin" if source.name in ("<stdin>", "-") else source.name
    body = source.read()
    body_format = _format_of(name)
    found, result = pipeline.summarize_document(body, body_format, points=points)
    if not found.text.strip():
        what = "is empty" if not body.strip() else f"has no main text ({body_format})"
        raise ConfigError(
            f"{name} {what}; there is nothing to summarize.",
            hint="give a file with the article's text, HTML or Markdown, or pipe one in",
        )
    if fmt == "json":
        click.echo(json.dumps({"key_points": list(result)}, ensure_ascii=False, indent=2))
    else:
        for point in result:
            click.echo(f"- {point}")


@cli.command(name="extract")
@click.argument("target", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help='"text": the main text; "json": {"title", "language", "text"}.',
)
@click.option(
    "--jsonl",
    is_flag=True,
    help='Read {"id", "html"} or {"id", "text"} lines on stdin; write {"id", "text"} '
    '(or {"id", "error"}) lines.',
)
def extract_command(target: str | None, fmt: str, jsonl: bool) -> None:
    """Print the main text of a page or file (FILE or URL; .html, .md or plain text)."""
    if jsonl:
        failed = 0
        for number, record in _jsonl(sys.stdin):
            if isinstance(record, str):
                failed += _echo_failure(number, record, "")
                continue
            body_format: BodyFormat = "html" if "html" in record else "text"
            body = record.get(body_format)
            if not isinstance(body, str):
                failed += _echo_failure(number, record, 'no "html" or "text" string')
                continue
            try:
                result = pipeline.extract_text(body, body_format)
            except DigestError as exc:
                failed += _echo_failure(number, record, str(exc))
                continue
            click.echo(json.dumps({"id": record.get("id"), "text": result.text}))
        _exit_if_failed(failed)
        return
    if not target:
        usage("give a FILE or URL, or --jsonl to read JSON lines on stdin")
    body, body_format, url = _read_target(target)
    result = pipeline.extract_text(body, body_format, url)
    if fmt == "json":
        data = {"title": result.title, "language": result.language, "text": result.text}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(result.text)


def _jsonl(stream: Any) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, JSON object) of each non-blank line; a bad line gives what is wrong."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"not valid JSON: {exc}"
            continue
        yield number, record if isinstance(record, dict) else "expected a JSON object"


def _echo_failure(number: int, record: dict[str, Any] | str, problem: str) -> int:
    """Write a line's error as its output line ({"id", "line", "error"}); return 1."""
    identity = record.get("id") if isinstance(record, dict) else None
    error = f"line {number}: {record if isinstance(record, str) else problem}"
    click.echo(json.dumps({"id": identity, "line": number, "error": error}, ensure_ascii=False))
    return 1


def _exit_if_failed(failed: int) -> None:
    """Exit 1 after a batch in which some lines failed, saying how many on stderr."""
    if failed:
        click.echo(f'{count_words(failed, "line")} failed; see their "error" lines', err=True)
        sys.exit(1)


def _format_of(name: str) -> BodyFormat:
    """A file's body format by its suffix: .html/.htm, .md/.markdown, else text."""
    suffix = Path(name).suffix.lower()
    if suffix in (".html", ".htm"):
        return "html"
    return "markdown" if suffix in (".md", ".markdown") else "text"


def _read_target(target: str) -> tuple[str, BodyFormat, str | None]:
    """The body, its format and its URL, from a local file or an http(s) URL."""
    if target.startswith(("http://", "https://")):
        html, url = pipeline.fetch_page(target)
        return html, "html", url
    path = Path(target)
    try:
        body = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc.strerror}.") from exc
    return body, _format_of(target), None


@contextmanager
def _progress() -> Iterator[pipeline.Progress | None]:
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


def _echo_report(settings: Settings, report: pipeline.RunReport, is_dry_run: bool) -> None:
    """One line per list, then each failure, then where the mail went."""
    for item in report.lists:
        click.echo(
            f"{item.list_name}: {count_words(item.articles, 'new article')}, {item.sent} sent, "
            f"{item.failed} failed, {item.pending} pending. {item.note}"
        )
        is_verbose = logging.getLogger().isEnabledFor(logging.INFO)  # -v
        if accounting := item.accounting():
            hint = " (-v names those left out)" if item.left_out and not is_verbose else ""
            click.echo(f"  {accounting}{hint}")
        if is_verbose:
            for gone in item.left_out:
                detail = f": {gone.detail}" if gone.detail else ""
                name = gone.title or gone.url
                click.echo(f"  left out ({gone.reason}{detail}): {name} [{gone.source}]")
        for error in item.source_errors:
            click.echo(f"  source failed: {error}", err=True)
        for error in item.delivery_errors[:20]:
            click.echo(f"  delivery failed: {error}", err=True)
    if settings.transport == "outbox" and not is_dry_run and any(r.sent for r in report.lists):
        click.echo(f"Messages written to the Maildir {settings.outbox.path} (see its new/ folder).")
