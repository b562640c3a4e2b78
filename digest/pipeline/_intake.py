"""A list's new articles: collect its sources, judge what is new, extract, group, pick.

The first half of an edition, shared by `digest run`, `digest preview` and the daemon.
Nothing is dropped without a record: every article a source gave (and every one held
from an earlier edition) ends as an item of the edition or as a LeftOut with its reason.
An article without key points is still an item: its title, link and first lines.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from .. import collect, extract, summarize
from ..compose import group_stories
from ..config import ListSettings, Settings
from ..errors import DigestError
from ..models import Article, Coverage, RawArticle, Summary
from ..state import StateStore
from ._newness import Candidate, Verdict, candidates
from ._reports import LeftOut, Progress, Reason

log = logging.getLogger(__package__)

_SUMMARY_VERSION = "1"
"""Bump when the summarizer changes, so cached key points are made anew."""
_TAG = re.compile(r"<[^>]*>")
_INVISIBLE = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Collected:
    """What a list's sources gave in one run."""

    sources: tuple[collect.Gathered, ...]
    errors: tuple[str, ...]
    """One message per source that failed."""
    fetched: frozenset[str]
    """Names of the sources that were read without error."""

    @property
    def raws(self) -> tuple[RawArticle, ...]:
        """Every article of every source, in the sources' order."""
        return tuple(raw for gathered in self.sources for raw in gathered.articles)

    @property
    def count(self) -> int:
        """How many items the sources gave, the unreadable ones included."""
        return sum(len(g.articles) + len(g.unreadable) for g in self.sources)

    def unreadable(self) -> list[LeftOut]:
        """The items that could not be read, as failures named by their file."""
        return [
            LeftOut("failed", u.source, u.name, u.url, u.reason)
            for g in self.sources
            for u in g.unreadable
        ]


def collect_sources(
    settings: Settings,
    item: ListSettings,
    client: httpx.Client,
    validators: collect.ValidatorStore | None,
    now: datetime,
    progress: Progress | None,
    is_wanted: Callable[[str, Sequence[RawArticle]], Sequence[bool]] | None = None,
    status: StateStore | None = None,
) -> Collected:
    """Every source's articles, fetched concurrently and politely (gather.py).

    A failing source is logged, reported and skipped. Only articles that is_wanted
    accepts (given the source's name and articles) get their full text fetched;
    `status` records each source's outcome.
    """
    errors: list[str] = []
    fetched: set[str] = set()
    wanted: collect.Wanted | None = None
    if is_wanted is not None:
        judge = is_wanted

        def wanted(raws: Sequence[RawArticle]) -> Sequence[bool]:
            return judge(raws[0].source, raws) if raws else []

    results = collect.gather(
        item.sources,
        now=now,
        client=client,
        options=settings.collect,
        validators=validators,
        is_wanted=wanted,
        progress=(lambda d, t: progress(f"{item.name}: collecting", d, t)) if progress else None,
    )
    for result in results:
        if result.error is not None:
            name = result.source.name
            log.warning("list %s: source %s failed: %s", item.name, name, result.error)
            errors.append(str(result.error))
        else:
            fetched.add(result.source.name)
        if status is not None:
            error = str(result.error) if result.error else None
            status.record_fetch(item.name, result.source.name, now, len(result.articles), error)
    return Collected(tuple(results), tuple(errors), frozenset(fetched))


@dataclass(slots=True)
class Item:
    """One item of an edition: its summary, and every candidate it stands for."""

    summary: Summary
    members: list[Candidate]
    """The representative first, then the articles folded into it."""


@dataclass(slots=True)
class Intake:
    """What a list's candidates became: the edition's items, what waits, what was left out."""

    items: list[Item] = field(default_factory=list)
    later: list[Candidate] = field(default_factory=list)
    """Candidates of the stories max_items had no room for (representatives and folded)."""
    left_out: list[LeftOut] = field(default_factory=list)


def once(
    found: Iterable[Candidate],
) -> tuple[list[Candidate], dict[str, list[Candidate]], list[LeftOut]]:
    """The candidates without repeats: (kept, the same articles from elsewhere, repeats).

    A candidate whose key a kept one has is the same article: from another source, it
    is told by the kept one (folded, "also covered by"); from the same source, it is the
    entry given twice, and only its first (newest) copy counts.
    """
    taken: dict[str, Candidate] = {}
    kept: list[Candidate] = []
    same: dict[str, list[Candidate]] = {}
    repeats: list[LeftOut] = []
    for candidate in found:
        hit = next((taken[key] for key in candidate.keys if key in taken), None)
        if hit is None:
            kept.append(candidate)
            taken.update(dict.fromkeys(candidate.keys, candidate))
        elif hit.key == candidate.key:
            log.info(
                "%s from %s: the same entry came twice", candidate.raw.url, candidate.raw.source
            )
            repeats.append(Verdict(candidate, "repeated in this run", "").left_out())
        else:
            same.setdefault(hit.key, []).append(candidate)
    return kept, same, repeats


def take_in(
    item: ListSettings,
    found: Sequence[Candidate],
    store: StateStore,
    now: datetime,
    progress: Progress | None,
) -> Intake:
    """Extract the candidates, merge those telling one story, pick the edition's items.

    The edition takes first the stories held from earlier editions (oldest first), then
    the new ones (newest first), up to max_items; the rest waits for the next edition
    (or, with carry_over = false, is left out for good). Only the chosen are summarized.
    """
    kept, same, result_left_out = once(found)
    intake = Intake(left_out=result_left_out)
    by_article: dict[int, Candidate] = {}
    articles = []
    for candidate in kept:
        article = _extract(candidate.raw)
        by_article[id(article)] = candidate
        articles.append(article)
    stories = []
    for story in group_stories(articles):
        members = [by_article[id(story.article)]] + [by_article[id(a)] for a in story.others]
        members += [c for member in list(members) for c in same.get(member.key, [])]
        stories.append((story, members))
    stories.sort(key=lambda pair: _priority(pair[1], now))
    chosen, rest = stories[: item.max_items], stories[item.max_items :]
    reason: Reason = "held for the next edition" if item.carry_over else "beyond max_items"
    for _, members in rest:
        intake.later.extend(members)
        detail = "" if item.carry_over else "carry_over = false"
        intake.left_out.extend(Verdict(m, reason, detail).left_out() for m in members)
    if rest:
        log.info(
            "list %s: %d items over max_items: %s",
            item.name,
            len(rest),
            "held for the next edition" if item.carry_over else "left out",
        )
    for done, (story, members) in enumerate(chosen, start=1):
        summary = _summarize(item, story.article, store)
        representative = members[0].raw
        others = members[1:]
        also: dict[str, Coverage] = {}  # each other source once, with its own link
        for other in (m.raw for m in others if m.raw.source != representative.source):
            also.setdefault(
                other.source, Coverage(other.source, other.url, other.title, other.guid)
            )
        summary = dataclasses.replace(
            summary,
            also_covered_by=tuple(also.values()),
            related_guids=tuple(m.raw.guid for m in others),
        )
        intake.items.append(Item(summary, members))
        told_by = f"told by {representative.title or representative.url} [{representative.source}]"
        intake.left_out.extend(
            Verdict(m, "folded into another story", told_by).left_out() for m in others
        )
        if progress:
            progress(f"{item.name}: summarizing", done, len(chosen))
    return intake


def fresh_candidates(collected: Collected) -> list[Candidate]:
    """Each source's newest max_items articles, sent or not, as a first fetch takes them
    (what preview shows)."""
    return [c for g in collected.sources for c in candidates(g.articles[: g.source.max_items])]


def _priority(members: list[Candidate], now: datetime) -> tuple[int, float]:
    """Held stories first, oldest first; then new ones, newest first."""
    held = [m for m in members if m.held_since is not None]
    if held:
        return 0, min(m.when(now) for m in held).timestamp()
    return 1, -max(m.when(now) for m in members).timestamp()


def _extract(raw: RawArticle) -> Article:
    """The article's main text; when extraction fails, the body as plain text, never nothing."""
    try:
        return extract.extract(raw)
    except DigestError as exc:
        log.warning("cannot extract the text of %s (%s): %s", raw.url or raw.guid, raw.source, exc)
    except Exception:
        # A library failing on odd input is this article's problem only: it goes out with
        # what its body says, and the traceback tells the maintainers about the bug.
        log.error(
            "cannot extract the text of %s (%s)", raw.url or raw.guid, raw.source, exc_info=True
        )
    return Article(
        source=raw.source,
        url=raw.url,
        guid=raw.guid,
        title=" ".join(raw.title.split()),
        published=raw.published,
        text=_plain(raw.body) if raw.body_format == "html" else raw.body.strip(),
    )


def _plain(body: str) -> str:
    """HTML as bare text, paragraphs kept apart: the fallback when extraction failed."""
    body = re.sub(r"(?i)<(?:/p|br\s*/?|/div|/h\d|/li)>", "\n\n", _INVISIBLE.sub(" ", body))
    paragraphs = (
        " ".join(html.unescape(_TAG.sub(" ", part)).split()) for part in body.split("\n\n")
    )
    return "\n\n".join(p for p in paragraphs if p)


def _summarize(item: ListSettings, article: Article, store: StateStore) -> Summary:
    """Key points of one article (cached by content); none when the summarizer fails on it."""
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
    except Exception:
        # Still an item, with its title, link and first lines; the traceback is for the bug.
        log.error(
            "cannot summarize %s (%s)", article.url or article.guid, article.source, exc_info=True
        )
        return Summary(article, ())
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
