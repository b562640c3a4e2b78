"""`digest check`: everything that can be verified without sending, in the file's terms."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from . import render
from .errors import RenderError
from .models import Article, Edition, Summary
from .settings import ListSettings, Settings
from .state import StateStore
from .subscribers import SubscriberProblem, entries

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Problems that block a run, warnings that do not, and a one-line summary."""

    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    summary: str


def check(settings: Settings, *, now: datetime) -> CheckResult:
    """Check subscribers, sources and templates of every list (the TOML is already valid)."""
    problems: list[str] = []
    warnings: list[str] = []
    subscribers = 0
    for item in settings.lists:
        found, active = _subscriber_problems(settings, item)
        problems.extend(found)
        subscribers += len(active)
        warnings.extend(_unsubscribed_warnings(settings, item, active))
        warnings.extend(_source_warnings(item))
        try:
            for sample in _sample_editions(settings, item, now):
                render.render(sample, settings, item)
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
    if not settings.state_path.exists():
        return []
    with StateStore(settings.state_path) as store:
        gone = store.unsubscribed(item.name)
    return [
        f"{active[email]}: {email} unsubscribed by link on {when:%Y-%m-%d}, so runs skip it; "
        f'set status = "unsubscribed", or `digest subscribers resume {email}` if they asked'
        for email, when in gone.items()
        if email in active
    ]


def _source_warnings(item: ListSettings) -> list[str]:
    """Local sources that are not there now (they may appear before the next run)."""
    warnings = []
    for index, source in enumerate(item.sources):
        where = f"[lists.{item.name}.sources.{index}] ({source.name})"
        if source.kind == "folder" and source.path and not source.path.is_dir():
            warnings.append(f"{where}: folder {source.path} does not exist")
        if source.url and "://" not in source.url and not source.url.startswith("/"):
            warnings.append(f"{where}: url {source.url!r} is neither http(s) nor a file path")
    if not item.sources:
        warnings.append(f"[lists.{item.name}]: no sources; its editions will always be empty")
    return warnings


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
    full = Summary(article, ("A sentence for the check.",), also_covered_by=("other",))
    bare = Summary(replace(article, url="file:///check.txt", published=None, text=""), ())
    # Enough items for the table of contents, plus one without link, date or points.
    summaries = (full,) * (render.TOC_MIN_ITEMS - 1) + (bare,)
    zone = settings.list_timezone(item)
    return (
        Edition(item.name, item.title, now, zone, summaries),
        Edition(item.name, item.title, now, zone, (full,)),
        Edition(item.name, item.title, now, zone, ()),
    )
