"""robots.txt for full-text fetches: read once per site, honoured for pages found in feeds."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from digest.collect._collect import RetryPolicy, collect, http_client
from digest.collect._gather import gather
from digest.config._settings import CollectSettings, SourceSettings
from tests.feed_helpers import FeedServer, Reply, trusting

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=1, backoff=0.01, max_delay=0.05, deadline=1.0)
WORDS = " ".join(f"Sentence number {i} tells the whole story in plain words." for i in range(40))
PAGE = Reply(body=f"<html><body><p>{WORDS}</p></body></html>".encode(), headers={
    "Content-Type": "text/html"})  # fmt: skip
TEASER = "The council voted on the night bus…"


def rss(*paths: str, base: str) -> str:
    entries = "".join(
        f"<item><title>Item {n}</title><link>{base}{path}</link><guid>g{n}</guid>"
        f"<pubDate>Wed, 25 Nov 2026 10:00:00 +0000</pubDate>"
        f"<description>{TEASER}</description></item>"
        for n, path in enumerate(paths)
    )
    channel = f"<channel><title>t</title>{entries}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


def feed(url: str) -> SourceSettings:
    return SourceSettings.model_validate({"name": "News", "type": "feed", "url": url})


@pytest.fixture
def client(feed_server: FeedServer) -> Iterator[httpx.Client]:
    with http_client(timeout=0.5, networks=trusting(feed_server)) as value:
        yield value


def robots(text: str, status: int = 200) -> Reply:
    return Reply(status=status, body=text.encode(), headers={"Content-Type": "text/plain"})


def test_pages_the_site_disallows_keep_their_teaser_and_robots_is_read_once(
    feed_server: FeedServer, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    feed_server.serve(
        "/robots.txt",
        robots("User-agent: *\nAllow: /\n\nUser-agent: digest\nDisallow: /members/\n"),
    )
    for path in ("/news/1", "/news/2", "/members/3"):
        feed_server.serve(path, PAGE)
    url = feed_server.serve_feed(
        "/rss", rss("/news/1", "/news/2", "/members/3", base=feed_server.base_url)
    )
    with caplog.at_level(logging.WARNING, "digest.collect"):
        first, second, members = collect(feed(url), now=NOW, client=client, retry=FAST)
    assert "Sentence number 39" in first.body and "Sentence number 39" in second.body
    assert members.body == TEASER and feed_server.requests_for("/members/3") == []
    assert len(feed_server.requests_for("/robots.txt")) == 1  # cached for the site
    assert (
        f"source 'News' ({feed_server.url('/members/3')}): the site's robots.txt does not allow "
        "fetching the page; kept the feed's teaser of 'Item 2'"
    ) in caplog.messages


@pytest.mark.parametrize(
    ("reply", "is_fetched"),
    [
        (Reply(status=404), True),  # no robots.txt: no rules
        (Reply(status=403), True),
        (robots("User-agent: *\nDisallow: /\n"), False),
        (robots("User-agent: DIGEST\nDisallow: /news\n"), False),
        (robots("User-agent: otherbot\nDisallow: /\n"), True),
        (Reply(status=503), False),  # cannot be read: nothing for now (RFC 9309)
        (robots("<html>not a robots file</html>"), True),
    ],
    ids=["404", "403", "all", "by name", "other bot", "503", "html"],
)
def test_robots_rules_as_rfc_9309_reads_them(
    feed_server: FeedServer, client: httpx.Client, reply: Reply, is_fetched: bool
) -> None:
    feed_server.serve("/robots.txt", reply)
    feed_server.serve("/news/1", PAGE)
    url = feed_server.serve_feed("/rss", rss("/news/1", base=feed_server.base_url))
    (article,) = collect(feed(url), now=NOW, client=client, retry=FAST)
    assert (article.body != TEASER) is is_fetched
    assert bool(feed_server.requests_for("/news/1")) is is_fetched


def test_gather_reads_each_sites_robots_once_for_all_sources(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    feed_server.serve("/robots.txt", robots("User-agent: *\nDisallow: /private\n"))
    sources = []
    for number in range(3):
        feed_server.serve(f"/news/{number}", PAGE)
        document = rss(f"/news/{number}", "/private/x", base=feed_server.base_url)
        sources.append(feed(feed_server.serve_feed(f"/rss{number}", document)))
    options = CollectSettings.model_validate({"host_interval": 0, "retries": 0, "timeout": 1})
    results = gather(sources, now=NOW, client=client, options=options)
    assert [[a.body == TEASER for a in r.articles] for r in results] == [[False, True]] * 3
    assert len(feed_server.requests_for("/robots.txt")) == 1
    assert feed_server.requests_for("/private/x") == []
