"""Which collected articles are new for a list: by sight, not by date.

An article is new when the list has not sent it, whatever its date (feeds publish late:
scheduled posts, late indexing, a rebuilt feed), unless it is older than the list's
max_age_hours. Two guards keep a source from flooding the list with its archive:

- a baseline, taken the first time the list reads a source: its newest `max_items`
  entries are new (whatever their age, so a new source shows what it is), and the
  older ones are passed over for good;
- the maximum age, for everything after the baseline (an archive that comes back
  under new ids comes back old).

An article is known by keys: ``guid:`` + its source + its guid (a guid is unique only
within its feed: two JSON Feeds both have an item "1"), and ``url:`` + its canonical
link, so that the same article under a new guid, or from another source, is sent once.
A link names an article only when no other entry of its source shares it: comments on
one page (``page#comment-1``, ``page#comment-2``) keep their fragment, and a link that
every entry of a feed shares (its home page) names none of them.

An updated article (same guid, new content) is not sent again: a list sends an article
once, in the version it first sent. One held for a later edition goes out in the latest
version its source gave.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from ..config import ListSettings
from ..models import RawArticle
from ..state import HeldArticle, StateStore
from ..urls import seen_key
from ._reports import REASONS, LeftOut, Reason

BASELINE: Reason = "from before the source was added"
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One article on its way to an edition, with the keys that will mark it sent."""

    raw: RawArticle
    key: str
    """Its source-scoped guid key: its identity in the held and passed tables."""
    keys: tuple[str, ...]
    """Every key that marks it sent: the guid key, and its link's key when it has one."""
    held_since: datetime | None = None
    """When an earlier edition left it for later; None for an article new in this run."""

    def when(self, now: datetime) -> datetime:
        """Its date for ordering: published, else since when it waits, else now."""
        return self.raw.published or self.held_since or now


@dataclass(frozen=True, slots=True)
class Verdict:
    """A candidate and why it is not new (None: it is)."""

    candidate: Candidate
    reason: Reason | None
    detail: str = ""

    def left_out(self) -> LeftOut:
        """The report's record of a candidate that is not new."""
        raw = self.candidate.raw
        return LeftOut(
            self.reason or "failed", raw.source, raw.title, raw.url or raw.guid, self.detail
        )


def guid_key(source: str, guid: str) -> str:
    """The key of an article by its guid, within its source."""
    return f"guid:{source}\t{guid}"


def candidates(
    raws: Sequence[RawArticle], held: dict[str, HeldArticle] | None = None
) -> list[Candidate]:
    """One source's articles as candidates with their keys (links are judged within the source)."""
    held = held or {}
    result = []
    for raw, url_key in zip(raws, _url_keys(raws), strict=True):
        key = guid_key(raw.source, raw.guid)
        earlier = held.get(key)
        result.append(
            Candidate(
                raw,
                key,
                (key, url_key) if url_key else (key,),
                earlier.held_since if earlier else None,
            )
        )
    return result


class Newness:
    """The list's memory of what it sent, held and passed over, and its rule for what is new."""

    def __init__(self, item: ListSettings, store: StateStore | None, now: datetime) -> None:
        """The list's memory from `store`; None: a list that has read nothing yet."""
        self.item = item
        self.now = now
        self.sent = store.seen_keys(item.name) if store else set()
        self.passed = store.passed_keys(item.name) if store else {}
        self.known = store.known_sources(item.name) if store else set()
        self.pending = store.pending_baselines(item.name) if store else {}
        self.held = {h.key: h for h in store.held_articles(item.name)} if store else {}
        self.oldest = _hours_before(now, item.max_age)
        self._max_items = {s.name: s.max_items for s in item.sources}

    def judge(self, source: str, raws: Sequence[RawArticle]) -> list[Verdict]:
        """Each of one source's articles (newest first, as collect gives them) with its verdict."""
        is_first = source not in self.known
        limit = self._max_items.get(source, 0)
        since = self.pending.get(source)
        verdicts = []
        for position, candidate in enumerate(candidates(raws, self.held)):
            if since is not None and candidate.key not in self.passed:
                reason, detail = self._upgrade_reason(candidate, position, limit, since)
            else:
                reason, detail = self._reason(candidate, position, is_first, limit)
            verdicts.append(Verdict(candidate, reason, detail))
        return verdicts

    def wanted(self, source: str, raws: Sequence[RawArticle]) -> list[bool]:
        """Which of one source's articles are new (those get their full text fetched)."""
        return [verdict.reason is None for verdict in self.judge(source, raws)]

    def carried(
        self, fresh: Iterable[Candidate]
    ) -> tuple[list[Candidate], list[Verdict], list[str]]:
        """The held articles no source gave again: (still due, not due any more, released keys).

        One a source gave again is superseded by its fresh copy (which keeps its place in
        the queue); one whose source left the list is released without a word.
        """
        given = {candidate.key for candidate in fresh}
        due: list[Candidate] = []
        done: list[Verdict] = []
        released: list[str] = []
        for key, held in self.held.items():
            if key in given or held.article.source not in self._max_items:
                released.append(key)
                continue
            (candidate,) = candidates([held.article], self.held)
            reason, detail = self._reason(candidate, 0, False, 0)
            if reason is None:
                due.append(candidate)
            else:
                done.append(Verdict(candidate, reason, detail))
                released.append(key)
        return due, done, released

    def _reason(
        self, candidate: Candidate, position: int, is_first: bool, limit: int
    ) -> tuple[Reason | None, str]:
        raw = candidate.raw
        if not (raw.title or raw.url or raw.body.strip()):
            return "failed", "an empty entry: no title, link or text"
        if not self.sent.isdisjoint(candidate.keys) or f"legacy:{raw.guid}" in self.sent:
            return "already sent", ""
        if candidate.key in self.passed:
            passed = self.passed[candidate.key]
            return (passed if passed in REASONS else BASELINE), ""
        if is_first:
            return (None, "") if position < limit else (BASELINE, "")
        if candidate.when(self.now) < self.oldest:
            return "too old", f"older than max_age_hours ({self.item.max_age:g})"
        return None, ""

    def _upgrade_reason(
        self, candidate: Candidate, position: int, limit: int, since: datetime
    ) -> tuple[Reason | None, str]:
        """The baseline of a source read before newness went by sight, as the old rule
        had it: past its newest max_items, or published before the list's last edition."""
        reason, detail = self._reason(candidate, position, False, limit)
        published = candidate.raw.published
        if reason is None and (position >= limit or (published and published < since)):
            return BASELINE, "not new by the rule before this version"
        return reason, detail


def _url_keys(raws: Sequence[RawArticle]) -> list[str | None]:
    """The key of each article's link, or None where the link names no one article."""
    bare = [_bare_key(raw.url) for raw in raws]
    full = [
        f"{key}#{fragment}" if key and (fragment := urlsplit(raw.url).fragment) else key
        for key, raw in zip(bare, raws, strict=True)
    ]
    guids: dict[str, set[str]] = defaultdict(set)
    for raw, b, f in zip(raws, bare, full, strict=True):
        if b:
            guids[b].add(raw.guid)
        if f and f != b:
            guids[f].add(raw.guid)
    keys: list[str | None] = []
    for b, f in zip(bare, full, strict=True):
        if b and len(guids[b]) == 1:
            keys.append(b)
        elif f and f != b and len(guids[f]) == 1:
            keys.append(f)
        else:
            keys.append(None)
    return keys


def _bare_key(url: str) -> str | None:
    """The link's key, or None for no link or a site's home page (it names no article)."""
    key = seen_key(url)
    if key is None:
        return None
    parts = urlsplit(url)
    return None if parts.path in ("", "/") and not parts.query else key


def _hours_before(now: datetime, hours: float) -> datetime:
    """`now` minus `hours`, or the earliest datetime when that is before year 1.

    A span reaching past what datetime can hold means "everything", not a crash.
    """
    try:
        return now - timedelta(hours=hours)
    except OverflowError:
        return _EARLIEST
