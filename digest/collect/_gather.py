"""Collect many sources at once, politely: the collect stage run over a list's sources.

Sources are collected on a bounded thread pool and full-text pages on a second one;
every request passes one HostGate, so at most `concurrency` requests are in flight and
each host sees one request of ours at a time, `host_interval` seconds apart. Threads
never touch the caller's ValidatorStore (a SQLite connection belongs to its thread):
validators are read before and written after, on the calling thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime

import httpx

from ..config import CollectSettings, SourceSettings
from ..errors import SourceError
from ..models import RawArticle
from ._collect import Unreadable, Wanted, collect
from ._fetch import HostGate, RetryPolicy, is_http_url
from ._pages import ValidatorStore
from ._robots import RobotsCache

log = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True)
class Gathered:
    """What collecting one source gave: its articles, or the error that stopped it."""

    source: SourceSettings
    articles: tuple[RawArticle, ...] = ()
    error: SourceError | None = None
    unreadable: tuple[Unreadable, ...] = ()
    """Items of the source that could not be read (one bad file of a folder)."""


def gather(
    sources: Sequence[SourceSettings],
    *,
    now: datetime,
    client: httpx.Client,
    options: CollectSettings,
    validators: ValidatorStore | None = None,
    is_wanted: Wanted | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Gathered, ...]:
    """Collect every source, concurrently and politely; results in the sources' order."""
    gate = HostGate(limit=options.concurrency, interval=options.host_interval)
    retry = RetryPolicy(
        attempts=options.retries + 1,
        backoff=options.backoff,
        max_delay=max(10.0, options.backoff),
        deadline=options.deadline,
    )
    robots = RobotsCache(client=client, retry=retry, gate=gate)  # each site's read once
    store = _Snapshot(validators, sources) if validators is not None else None
    results: dict[int, Gathered] = {}
    workers = min(options.concurrency, max(len(sources), 1))
    with (
        ThreadPoolExecutor(workers, thread_name_prefix="digest-source") as pool,
        ThreadPoolExecutor(options.concurrency, thread_name_prefix="digest-page") as pages,
    ):

        def one(source: SourceSettings) -> Gathered:
            unreadable: list[Unreadable] = []
            try:
                articles = collect(
                    source,
                    now=now,
                    client=client,
                    validators=store,
                    max_bytes=options.max_bytes,
                    retry=retry,
                    gate=gate,
                    pages=pages,
                    is_wanted=is_wanted,
                    teaser_words=options.teaser_words,
                    on_unreadable=unreadable.append,
                    robots=robots,
                )
            except SourceError as exc:
                return Gathered(source, error=exc)
            except Exception as exc:
                # A library tripping over hostile input must not take the other sources down.
                log.error("source %r: unexpected failure", source.name, exc_info=True)
                error = SourceError(f"source {source.name!r}: unexpected failure: {exc!r}")
                error.__cause__ = exc
                return Gathered(source, error=error)
            return Gathered(source, articles=articles, unreadable=tuple(unreadable))

        futures = {pool.submit(one, source): index for index, source in enumerate(sources)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, len(sources))
    if store is not None:
        store.commit()
    return tuple(results[index] for index in range(len(sources)))


class _Snapshot:
    """A ValidatorStore that worker threads may share: read up front, written back after."""

    def __init__(self, store: ValidatorStore, sources: Sequence[SourceSettings]) -> None:
        self._store = store
        urls = {s.url for s in sources if s.kind != "folder" and s.url and is_http_url(s.url)}
        self._known = {url: store.get_validators(url) for url in urls}
        self._new: dict[str, tuple[str | None, str | None]] = {}

    def get_validators(self, url: str) -> tuple[str | None, str | None]:
        return self._known.get(url, (None, None))

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._new[url] = (etag, last_modified)  # one key per thread's own source: no race

    def commit(self) -> None:
        """Hand the validators of this round's successful fetches to the real store."""
        for url, (etag, modified) in self._new.items():
            self._store.put_validators(url, etag, modified)
