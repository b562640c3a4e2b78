"""gather: many sources at once, politely; real servers on 127.0.0.1 and 127.0.0.2."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from digest.collect import _gather as gather_module
from digest.collect._collect import http_client
from digest.collect._gather import gather
from digest.config._settings import CollectSettings, SourceSettings
from digest.state import StateStore
from tests.feed_helpers import FeedServer, Reply, trusting

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    "<item><title>One</title><guid>g1</guid><description>"
    + "Enough words here to count as a whole article and not a teaser. " * 20
    + "</description></item></channel></rss>"
).encode()


def feed_reply(**kw: object) -> Reply:
    return Reply(body=RSS, headers={"Content-Type": "application/rss+xml"}, **kw)  # type: ignore[arg-type]


def feed(name: str, url: str) -> SourceSettings:
    return SourceSettings.model_validate({"name": name, "type": "feed", "url": url})


def options(**kw: object) -> CollectSettings:
    defaults: dict[str, object] = {"timeout": 2, "retries": 0, "host_interval": 0}
    return CollectSettings.model_validate({**defaults, **kw})


@pytest.fixture
def client(feed_server: FeedServer, second_host: FeedServer) -> Iterator[httpx.Client]:
    with http_client(timeout=2, networks=trusting(feed_server, second_host)) as value:
        yield value


@pytest.fixture
def second_host() -> Iterator[FeedServer]:
    """A server on another loopback address: a different host as far as politeness goes."""
    with FeedServer("127.0.0.2") as server:
        yield server


def spans(server: FeedServer) -> list[tuple[float, float]]:
    """(arrival, reply written) of each request, in order of arrival."""
    return sorted((r.at, server.finished[i]) for i, r in enumerate(server.requests))


def test_one_request_at_a_time_per_host_with_the_interval_between(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    sources = [
        feed(f"s{n}", feed_server.serve(f"/{n}", feed_reply(body_delay=0.05))) for n in range(3)
    ]
    results = gather(
        sources, now=NOW, client=client, options=options(concurrency=4, host_interval=0.15)
    )
    assert [len(r.articles) for r in results] == [1, 1, 1]
    (a_start, a_end), (b_start, b_end), (c_start, _) = spans(feed_server)
    assert b_start > a_end and c_start > b_end  # never two at once
    # Each reply takes at least its 0.05 s body delay, then the host's 0.15 s pause.
    assert b_start - a_start >= 0.19 and c_start - b_start >= 0.19


def test_different_hosts_are_fetched_at_the_same_time(
    feed_server: FeedServer, second_host: FeedServer, client: httpx.Client
) -> None:
    sources = [
        feed("here", feed_server.serve("/rss", feed_reply(body_delay=0.4))),
        feed("there", second_host.serve("/rss", feed_reply(body_delay=0.4))),
    ]
    results = gather(sources, now=NOW, client=client, options=options(concurrency=4))
    assert [r.source.name for r in results] == ["here", "there"]
    ((here_start, here_end),), ((there_start, there_end),) = spans(feed_server), spans(second_host)
    assert here_start < there_end and there_start < here_end  # the two overlapped


def test_concurrency_bounds_requests_in_flight_over_all_hosts(
    feed_server: FeedServer, second_host: FeedServer, client: httpx.Client
) -> None:
    sources = [
        feed("here", feed_server.serve("/rss", feed_reply(body_delay=0.1))),
        feed("there", second_host.serve("/rss", feed_reply(body_delay=0.1))),
    ]
    gather(sources, now=NOW, client=client, options=options(concurrency=1))
    ((here_start, here_end),), ((there_start, there_end),) = spans(feed_server), spans(second_host)
    assert here_end <= there_start or there_end <= here_start  # one after the other


def test_a_failing_source_is_reported_in_its_place_and_the_others_go_on(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    sources = [
        feed("good", feed_server.serve("/good", feed_reply())),
        feed("bad", feed_server.serve("/bad", Reply(status=500))),
        feed("also good", feed_server.serve("/also", feed_reply())),
    ]
    good, bad, also = gather(sources, now=NOW, client=client, options=options())
    assert len(good.articles) == 1 and len(also.articles) == 1
    assert good.error is None and bad.articles == ()
    assert str(bad.error).startswith("source 'bad' (") and "HTTP 500" in str(bad.error)


def test_a_bug_in_one_source_is_wrapped_logged_and_contained(
    feed_server: FeedServer,
    client: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real = gather_module.collect  # type: ignore[attr-defined]

    def collect(source: SourceSettings, **kw: object) -> object:
        if source.name == "buggy":
            raise RuntimeError("a parser tripped")
        return real(source, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(gather_module, "collect", collect)
    sources = [
        feed("buggy", feed_server.url("/x")),
        feed("fine", feed_server.serve("/ok", feed_reply())),
    ]
    with caplog.at_level(logging.ERROR, logger="digest.collect"):
        buggy, fine = gather(sources, now=NOW, client=client, options=options())
    assert (
        str(buggy.error) == "source 'buggy': unexpected failure: RuntimeError('a parser tripped')"
    )
    assert len(fine.articles) == 1 and "Traceback" in caplog.text


def test_validators_from_sqlite_are_used_across_threads(
    feed_server: FeedServer, client: httpx.Client, tmp_path: Path
) -> None:
    url = feed_server.serve(
        "/rss", Reply(body=RSS, headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})
    )
    with StateStore(tmp_path / "state.sqlite") as store:
        (first,) = gather(
            [feed("f", url)], now=NOW, client=client, options=options(), validators=store
        )
        (second,) = gather(
            [feed("f", url)], now=NOW, client=client, options=options(), validators=store
        )
        assert store.get_validators(url) == ('"v1"', None)
    assert len(first.articles) == 1 and second.articles == () and second.error is None
    assert feed_server.requests_for("/rss")[1].headers["if-none-match"] == '"v1"'


def test_progress_counts_finished_sources(feed_server: FeedServer, client: httpx.Client) -> None:
    seen: list[tuple[int, int]] = []
    sources = [feed(f"s{n}", feed_server.serve(f"/{n}", feed_reply())) for n in range(3)]
    gather(
        sources,
        now=NOW,
        client=client,
        options=options(),
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]
