"""Entry shapes that real feeds have and a digest must not lose: podcast episodes whose
only link is their audio, and guids that a feed generator gives to more than one item.

The shapes come from running other projects' feed fixtures (podcastparser's, newsboat's)
through `benchmarks/feed_corpus.py`; every feed here is written for this file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from digest.collect._collect import RetryPolicy, collect, http_client
from digest.collect._feeds import parse_feed
from digest.config._settings import SourceSettings
from digest.models import RawArticle
from tests.feed_helpers import FeedServer, trusting

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=1, backoff=0.01, max_delay=0.05, deadline=5.0)


@pytest.fixture
def client(feed_server: FeedServer) -> Iterator[httpx.Client]:
    with http_client(timeout=2, networks=trusting(feed_server)) as value:
        yield value


def run(url: str, client: httpx.Client) -> tuple[RawArticle, ...]:
    settings = SourceSettings.model_validate(
        {"name": "Shapes", "type": "feed", "url": url, "full_text": "never"}
    )
    return collect(settings, now=NOW, client=client, retry=FAST)


def rss(items: str) -> str:
    return f'<rss version="2.0"><channel><title>Shapes</title>{items}</channel></rss>'


def test_an_episode_without_a_link_links_to_its_enclosure(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    items = (
        "<item><title>Episode 1</title>"
        '<enclosure url=" https://example.org/1.mp3" type="audio/mpeg" length="1"/></item>'
        "<item><title>Episode 2</title><link>https://example.org/2</link>"
        '<enclosure url="https://example.org/2.mp3" type="audio/mpeg" length="1"/></item>'
    )
    url = feed_server.serve_feed("/podcast", rss(items))
    assert [(a.title, a.url) for a in run(url, client)] == [
        ("Episode 1", "https://example.org/1.mp3"),  # the audio, the space trimmed
        ("Episode 2", "https://example.org/2"),  # a real link still comes first
    ]


def test_an_episode_with_only_a_guid_and_its_audio_is_not_empty(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    items = (
        "<item><guid>episode::1</guid>"
        '<enclosure url="https://example.org/e.mp3" type="audio/mpeg" length="4"/>'
        '<enclosure url="https://example.org/e.ogg" type="audio/ogg" length="3"/></item>'
    )
    url = feed_server.serve_feed("/podcast", rss(items))
    ((guid, link),) = [(a.guid, a.url) for a in run(url, client)]
    assert (guid, link) == ("episode::1", "https://example.org/e.mp3")


def test_a_json_feed_item_links_to_its_attachment_when_it_has_no_url(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {
                "id": "1",
                "title": "Show 1",
                "attachments": [{"url": "https://example.org/s1.m4a", "mime_type": "audio/x-m4a"}],
            }
        ],
    }
    url = feed_server.serve_feed("/feed.json", json.dumps(document), "application/feed+json")
    assert [a.url for a in run(url, client)] == ["https://example.org/s1.m4a"]


def test_a_guid_that_items_with_different_links_share_names_none_of_them(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    items = "".join(
        f"<item><title>Post {n}</title><link>https://example.org/{n}</link>"
        "<guid isPermaLink='false'>https://example.org/</guid></item>"
        for n in (1, 2, 3)
    )
    url = feed_server.serve_feed("/feed", rss(items))
    guids = [a.guid for a in run(url, client)]
    assert guids == [f"https://example.org/ https://example.org/{n}" for n in (1, 2, 3)]


def test_items_that_share_a_guid_and_no_link_are_told_apart_by_their_title(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    items = (
        "<item><guid isPermaLink='false'>g</guid><title>One</title></item>"
        "<item><guid isPermaLink='false'>g</guid><title>Two</title></item>"
    )
    url = feed_server.serve_feed("/feed", rss(items))
    guids = [a.guid for a in run(url, client)]
    assert len(set(guids)) == 2 and all(g.startswith("g sha256:") for g in guids)


def test_an_entry_given_twice_keeps_its_guid_and_stays_a_repeat(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    item = "<item><guid>g</guid><title>Same</title><link>https://example.org/s</link></item>"
    url = feed_server.serve_feed("/feed", rss(item + item))
    assert [a.guid for a in run(url, client)] == ["g", "g"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-32", "utf-16-le", "utf-16-be", "utf-32-be"])
@pytest.mark.parametrize("content_type", ["application/rss+xml", "text/xml; charset=utf-16"])
def test_utf16_and_utf32_feeds_without_an_xml_declaration(
    feed_server: FeedServer, client: httpx.Client, codec: str, content_type: str
) -> None:
    # feedparser reads none of these itself: "not well-formed (invalid token)", no entries.
    item = "<item><title>Grüße — 東京</title>\n</item>"
    body = f'<rss version="2.0">\n<channel>\n{item}\n</channel>\n</rss>\n'
    data = body.encode(codec)
    parsed = parse_feed(data, "wide", content_type=content_type, charset=None, base="")
    assert parsed.problem is None
    url = feed_server.serve_feed("/wide", data, content_type)
    assert [a.title for a in run(url, client)] == ["Grüße — 東京"]
