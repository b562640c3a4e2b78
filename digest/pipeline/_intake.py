"""A list's new articles: collect its sources, drop repeats, extract, group, summarize.

The first half of an edition, shared by `digest run`, `digest preview` and the daemon.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import httpx

from .. import collect, extract, summarize
from .. import collect as gather
from ..compose import group_stories
from ..config import ListSettings, Settings
from ..errors import DigestError, SourceError
from ..models import Article, Coverage, RawArticle, Summary
from ..state import StateStore
from ..urls import seen_key
from ._reports import LeftOut, Progress, Reason

log = logging.getLogger(__package__)

_SUMMARY_VERSION = "1"
"""Bump when the summarizer changes, so cached key points are made anew."""


@dataclass(frozen=True, slots=True)
class Collected:
    """What a list's sources gave in one run."""

    raws: tuple[RawArticle, ...]
    errors: tuple[str, ...]
    """One message per source that failed."""
    fetched: frozenset[str]
    """Names of the sources that were read without error."""


def collect_sources(
    settings: Settings,
    item: ListSettings,
    client: httpx.Client,
    validators: collect.ValidatorStore | None,
    now: datetime,
    progress: Progress | None,
    is_wanted: collect.Wanted | None = None,
    status: StateStore | None = None,
) -> Collected:
    """Every source's articles, fetched concurrently and politely (gather.py).

    A failing source is logged, reported and skipped. Only articles that is_wanted
    accepts get their full text fetched; `status` records each source's outcome.
    """
    raws: list[RawArticle] = []
    errors: list[str] = []
    fetched: set[str] = set()
    results = gather.gather(
        item.sources,
        now=now,
        client=client,
        options=settings.collect,
        validators=validators,
        is_wanted=is_wanted,
        progress=(lambda d, t: progress(f"{item.name}: collecting", d, t)) if progress else None,
    )
    for result in results:
        if result.error is not None:
            name = result.source.name
            log.warning("list %s: source %s failed: %s", item.name, name, result.error)
            errors.append(str(result.error))
        else:
            fetched.add(result.source.name)
        raws.extend(result.articles)
        if status is not None:
            error = str(result.error) if result.error else None
            status.record_fetch(item.name, result.source.name, now, len(result.articles), error)
    return Collected(tuple(raws), tuple(errors), frozenset(fetched))


def article_keys(raw: RawArticle) -> set[str]:
    """What marks an article as sent: its guid, and its canonical URL."""
    key = seen_key(raw.url)
    return {raw.guid, key} if key else {raw.guid}


def left_out(raw: RawArticle | Article, reason: Reason) -> LeftOut:
    """The record of an article the edition will not hold."""
    return LeftOut(reason, raw.source, raw.title, raw.url or raw.guid)


def once(raws: Iterable[RawArticle]) -> tuple[list[RawArticle], list[LeftOut]]:
    """The articles without repeats (a guid or canonical URL met before in this run)."""
    taken: set[str] = set()
    kept = []
    repeats = []
    for raw in raws:
        keys = article_keys(raw)
        if taken.isdisjoint(keys):
            kept.append(raw)
        else:
            log.info("dropped %s from %s: the same article came earlier", raw.url, raw.source)
            repeats.append(left_out(raw, "repeated in this run"))
        taken |= keys
    return kept, repeats


def summaries(
    item: ListSettings, raws: Iterable[RawArticle], store: StateStore, progress: Progress | None
) -> tuple[list[Summary], list[LeftOut]]:
    """Extract each article, merge those telling one story, summarize each story once.

    An article that fails is logged and left out (and returned as such); the others go on.
    """
    articles = []
    failed = []
    for raw in raws:
        try:
            articles.append(_extract(raw))
        except DigestError as exc:
            log.warning("list %s: skipping %s: %s", item.name, raw.url or raw.guid, exc)
            failed.append(left_out(raw, "with no text"))
    stories = group_stories(articles)
    summaries = []
    for done, story in enumerate(stories, start=1):
        try:
            summary = _summarize(item, story.article, store)
        except DigestError as exc:
            log.warning("list %s: skipping %s: %s", item.name, story.article.url, exc)
            failed.append(left_out(story.article, "with no text"))
        else:
            covered = tuple(
                Coverage(other.source, other.url, other.title, other.guid) for other in story.others
            )
            related = tuple(other.guid for other in story.others)
            summaries.append(
                dataclasses.replace(summary, also_covered_by=covered, related_guids=related)
            )
        if progress:
            progress(f"{item.name}: summarizing", done, len(stories))
    return summaries, failed


def _extract(raw: RawArticle) -> Article:
    """The article's main text; a library failure on odd input is this article's problem only."""
    try:
        return extract.extract(raw)
    except DigestError:
        raise
    except Exception as exc:
        raise SourceError(f"cannot extract the text of {raw.url or raw.guid}: {exc!r}") from exc


def _summarize(item: ListSettings, article: Article, store: StateStore) -> Summary:
    """Key points of one article, from the cache when the same text was summarized before."""
    key = hashlib.sha256(
        "\0".join(
            (_SUMMARY_VERSION, item.algorithm, str(item.points), article.title, article.text)
        ).encode()
    ).hexdigest()
    cached = store.cached_summary(key)
    if cached is not None:
        return Summary(article, cached)
    try:
        summary = summarize.summarize(article, points=item.points, algorithm=item.algorithm)
    except Exception as exc:
        raise SourceError(f"cannot summarize {article.url or article.guid}: {exc!r}") from exc
    store.cache_summary(key, summary.key_points)
    return summary


class PendingValidators:
    """Feed validators held back until the list's articles are safely recorded.

    Saving an ETag before the edition is recorded would make the next run's conditional
    GET answer 304 and lose the articles of a run that crashed. Keys carry the list name,
    so two lists sharing a feed each see its new items.
    """

    def __init__(self, store: StateStore, list_name: str) -> None:
        self._store = store
        self._prefix = f"{list_name} "
        self._pending: dict[str, tuple[str | None, str | None]] = {}

    def get_validators(self, url: str) -> tuple[str | None, str | None]:
        return self._store.get_validators(self._prefix + url)

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._pending[url] = (etag, last_modified)

    def commit(self) -> None:
        """Save the held validators."""
        for url, (etag, modified) in self._pending.items():
            self._store.put_validators(self._prefix + url, etag, modified)
        self._pending.clear()
