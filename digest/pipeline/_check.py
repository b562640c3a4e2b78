"""`digest check`: everything that can be verified without sending, in the file's terms."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from .. import render
from ..collect import is_http_url
from ..config import ListSettings, Settings, is_placeholder_url
from ..errors import RenderError
from ..models import Article, Coverage, Edition, Summary
from ..subscribers import SubscriberProblem, entries
from ._publish import render_edition
from ._state import has_store, open_store

log = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Problems that block a run, warnings that do not, and a one-line summary."""

    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    summary: str


def check(settings: Settings, *, now: datetime) -> CheckResult:
    """Check subscribers, sources and templates of every list (the TOML is already valid)."""
    problems = _outbox_problems(settings)
    placeholder = placeholder_warning(settings)
    warnings = [placeholder] if placeholder else []
    subscribers = 0
    for item in settings.lists:
        found, active = _subscriber_problems(settings, item)
        problems.extend(found)
        subscribers += len(active)
        warnings.extend(_unsubscribed_warnings(settings, item, active))
        problems.extend(_source_problems(item))
        warnings.extend(_source_warnings(item))
        try:
            for sample in _sample_editions(settings, item, now):
                render_edition(sample, settings, item)
        except RenderError as exc:
            problems.append(f"[lists.{item.name}] templates: {exc}")
    sources = sum(len(item.sources) for item in settings.lists)
    summary = (
        f"{settings.config_path}: OK: {len(settings.lists)} lists, {sources} sources, "
        f"{subscribers} subscribers, transport {settings.transport}"
    )
    return CheckResult(tuple(problems), tuple(warnings), summary)


def _subscriber_problems(
    settings: Settings, item: ListSettings
) -> tuple[list[str], dict[str, str]]:
    """Problems with the list's subscriber entries, and where each active address is."""
    problems: list[str] = []
    active: dict[str, str] = {}
    for entry in entries(item, config_path=settings.config_path):
        if isinstance(entry, SubscriberProblem):
            problems.append(str(entry))
        elif entry.subscriber.status == "active":
            active[entry.subscriber.email.casefold()] = entry.where
    return problems, active


def _unsubscribed_warnings(
    settings: Settings, item: ListSettings, active: dict[str, str]
) -> list[str]:
    """Active entries of addresses that left by the link: runs skip them all the same."""
    if not has_store(settings):
        return []
    with open_store(settings) as store:
        gone = store.unsubscribed(item.name)
    return [
        f"{active[email]}: {email} unsubscribed by link on {when:%Y-%m-%d}, so runs skip it; "
        f'set status = "unsubscribed", or `digest subscribers resume --list {item.name} {email}` '
        "if they asked"
        for email, when in gone.items()
        if email in active
    ]


def _source_problems(item: ListSettings) -> list[str]:
    """Sources a run cannot read as configured: missing local files and folders, bad URLs."""
    problems = []
    for index, source in enumerate(item.sources):
        where = f"[lists.{item.name}.sources.{index}] ({source.name})"
        local = source.local_path()
        if source.kind == "folder" and local is not None and not local.is_dir():
            what = "is not a folder" if local.exists() else "does not exist"
            problems.append(
                f"{where} path: folder {local} {what}; create it, or fix path "
                "(relative paths are relative to the config file)"
            )
        elif source.kind == "feed" and local is not None and not local.is_file():
            key = "url" if source.url else "path"
            what = "is not a file" if local.exists() else "does not exist"
            problems.append(
                f"{where} {key}: feed file {local} {what}; fix {key} (relative paths are "
                'relative to the config file), or give the feed\'s URL: url = "https://…"'
            )
        elif source.kind != "folder" and local is None and not is_http_url(source.location()):
            key = "url" if source.url else "path"
            problems.append(
                f"{where} {key}: {source.location()!r} is not an http(s) URL"
                + (" or a feed file" if source.kind == "feed" else "")
                + '; use url = "https://…"'
            )
    return problems


def _source_warnings(item: ListSettings) -> list[str]:
    """What a run can do but probably should not: a list with nothing to read."""
    if not item.sources:
        return [f"[lists.{item.name}]: no sources; its editions will always be empty"]
    return []


def _outbox_problems(settings: Settings) -> list[str]:
    """An outbox that cannot become a Maildir: its path, or a folder above it, is a file."""
    if settings.transport != "outbox":
        return []
    path = settings.outbox.path
    blocker = next((p for p in (path, *path.parents) if p.exists()), None)
    if blocker is None or blocker.is_dir():
        return []
    what = "is a file" if blocker == path else f"is inside {blocker}, which is a file"
    return [
        f"[outbox] path: {path} {what}, not a folder; the outbox is a Maildir folder, "
        "so point path at a folder (it is created if missing) or move the file away"
    ]


def placeholder_warning(settings: Settings) -> str | None:
    """A warning when the links in the mail point at an example domain, else None.

    The example config's base_url is under example.org (RFC 2606): mail sent with it
    carries unsubscribe and view-in-browser links that reach nobody.
    """
    archive_url = settings.public_archive_url()
    dead = [
        name
        for name, url in (("unsubscribe", settings.base_url), ("view-in-browser", archive_url))
        if is_placeholder_url(url)
    ]
    if not dead:
        return None
    if "unsubscribe" in dead:
        key, url, fix = (
            "base_url",
            settings.base_url,
            "the public address of the unsubscribe endpoint",
        )
    else:
        key, url, fix = "archive_url", archive_url, "the public address of archive_dir"
    return (
        f"{key} {url!r} is a placeholder: {' and '.join(dead)} links in this mail will not "
        f"work; set {key} in {settings.config_path} to {fix}"
    )


def _sample_editions(settings: Settings, item: ListSettings, now: datetime) -> tuple[Edition, ...]:
    """Editions that together exercise every branch of the templates: long, short, empty."""
    article = Article(
        source="check",
        url="https://example.org/check",
        guid="check",
        title="Template check",
        published=now,
        text="A sentence for the check. Another sentence for the check.",
    )
    other = Coverage("other", "https://example.org/other", "Template check elsewhere", "other")
    full = Summary(article, ("A sentence for the check.",), also_covered_by=(other,))
    bare = Summary(replace(article, url="file:///check.txt", published=None, text=""), ())
    # Enough items for the table of contents, plus one without link, date or points.
    summaries = (full,) * (render.TOC_MIN_ITEMS - 1) + (bare,)
    zone = settings.list_timezone(item)
    return (
        Edition(item.name, item.title, now, zone, summaries),
        Edition(item.name, item.title, now, zone, (full,)),
        Edition(item.name, item.title, now, zone, ()),
    )
