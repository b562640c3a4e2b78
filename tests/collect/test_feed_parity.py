"""Feeds as feedparser reads them: whatever it parses, collect parses too, entry for entry.

The cases come from what feedparser's own test corpus and rss2email's real-world feeds
exercise (XML sent as application/json, UTF-16/UTF-32 without a byte order mark,
relative links, titles that mention a tag, entries without a title or without
anything); every feed here is written for this file and served on a loopback server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from digest.collect._collect import RetryPolicy, collect, http_client
from digest.config._settings import SourceSettings
from digest.models import RawArticle
from tests.feed_helpers import FeedServer, trusting

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=1, backoff=0.01, max_delay=0.05, deadline=5.0)


def rss(items: str, *, encoding: str = "utf-8", link: str = "https://example.org/blog/") -> str:
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>' if encoding else ""
    return (
        f'{declaration}<rss version="2.0"><channel><title>Parity</title><link>{link}</link>'
        f"<description>d</description>{items}</channel></rss>"
    )


ITEM = "<item><title>{title}</title><link>{link}</link><guid>{guid}</guid></item>"


@pytest.fixture
def client(feed_server: FeedServer) -> Iterator[httpx.Client]:
    with http_client(timeout=2, networks=trusting(feed_server)) as value:
        yield value


def feed(location: str, **kw: object) -> SourceSettings:
    return SourceSettings.model_validate(
        {"name": "Parity", "type": "feed", "url": location, "full_text": "never", **kw}
    )


def run(settings: SourceSettings, client: httpx.Client) -> tuple[RawArticle, ...]:
    return collect(settings, now=NOW, client=client, retry=FAST)


def test_xml_served_as_application_json_is_read_as_xml(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    body = rss(ITEM.format(title="Served as JSON", link="https://example.org/j", guid="j"))
    url = feed_server.serve_feed("/feed", body, "application/json")
    (article,) = run(feed(url), client)
    assert (article.title, article.url) == ("Served as JSON", "https://example.org/j")


def test_json_served_as_text_plain_is_read_as_json(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [{"id": "1", "url": "https://example.org/1", "title": "Plain JSON"}],
    }
    url = feed_server.serve_feed("/feed", json.dumps(document), "text/plain")
    assert [a.title for a in run(feed(url), client)] == ["Plain JSON"]


@pytest.mark.parametrize(
    ("codec", "declared", "has_bom"),
    [
        ("utf-16-be", "utf-16be", False),
        ("utf-32-be", "utf-32be", False),
        ("utf-16-le", "utf-16le", False),
        ("utf-32-le", "utf-32le", False),
        ("utf-16", "utf-16", True),
        ("utf-32", "utf-32", True),
    ],
)
@pytest.mark.parametrize("content_type", ["application/xml", "text/xml", "text/plain"])
def test_utf16_and_utf32_feeds_with_or_without_a_bom(
    feed_server: FeedServer,
    client: httpx.Client,
    codec: str,
    declared: str,
    has_bom: bool,
    content_type: str,
) -> None:
    # text/xml without a charset was US-ASCII by RFC 3023; RFC 7303 lets the bytes speak.
    title = "Grüße aus Köln — 東京"
    body = rss(ITEM.format(title=title, link="https://example.org/w", guid="w"), encoding=declared)
    data = body.encode(codec)
    assert data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")) == has_bom
    url = feed_server.serve_feed("/feed", data, content_type)
    assert [a.title for a in run(feed(url), client)] == [title]


def test_binary_content_is_still_refused(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.serve_feed("/feed", b"\x00\x01\x02\x03binary\x00\xff" * 20, "")
    with pytest.raises(Exception, match="got binary content"):
        run(feed(url), client)


def test_relative_links_of_a_local_feed_file_resolve_against_its_home_page(
    tmp_path: Path, client: httpx.Client
) -> None:
    items = ITEM.format(title="Root-relative", link="/news/1", guid="r1") + ITEM.format(
        title="Path-relative", link="2.html", guid="r2"
    )
    path = tmp_path / "feed.xml"
    path.write_text(rss(items, link="https://example.org/blog/"), encoding="utf-8")
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "home_page_url": "https://example.net/site/",
        "items": [{"id": "1", "url": "posts/1", "title": "JSON relative"}],
    }
    (tmp_path / "feed.json").write_text(json.dumps(document), encoding="utf-8")

    urls = [a.url for a in run(feed(str(path)), client)]
    (json_article,) = run(feed(str(tmp_path / "feed.json")), client)

    assert sorted(urls) == ["https://example.org/blog/2.html", "https://example.org/news/1"]
    assert json_article.url == "https://example.net/site/posts/1"


def test_relative_links_of_a_fetched_feed_resolve_against_its_url(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    body = rss(ITEM.format(title="Fetched", link="../a/1", guid="f"), link="/not-absolute")
    url = feed_server.serve_feed("/feeds/x/rss.xml", body)
    (article,) = run(feed(url), client)
    assert article.url == feed_server.url("/feeds/a/1")


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("History of the &lt;blink&gt; tag", "History of the <blink> tag"),
        ("Generics: List&lt;T&gt; in five minutes", "Generics: List<T> in five minutes"),
        ("A &lt;b&gt;bold&lt;/b&gt; claim", "A bold claim"),
        ("Stray &lt;/i&gt; closer", "Stray closer"),
        ("Why &lt;script&gt; blocks rendering", "Why blocks rendering"),
        ("Image &lt;img src=x onerror=alert(1)&gt; here", "Image here"),
    ],
)
def test_a_plain_text_title_keeps_words_that_look_like_a_tag(
    feed_server: FeedServer, client: httpx.Client, written: str, shown: str
) -> None:
    url = feed_server.serve_feed(
        "/feed", rss(ITEM.format(title=written, link="https://e.org/t", guid="t"))
    )
    (article,) = run(feed(url), client)
    assert article.title == shown


def test_an_entry_without_a_title_is_named_by_the_start_of_its_text(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    text = (
        "The council met on Tuesday evening and agreed to extend the night bus service "
        "to the valley towns for another year."
    )
    items = f"<item><link>https://example.org/u</link><description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
    url = feed_server.serve_feed("/feed", rss(items))
    (article,) = run(feed(url), client)
    assert article.title == "The council met on Tuesday evening and agreed to extend the night…"
    assert len(article.title) <= 70


def test_an_empty_entry_of_a_well_formed_feed_is_kept_for_the_report(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    items = "<item></item>" + ITEM.format(title="Real", link="https://example.org/r", guid="r")
    url = feed_server.serve_feed("/feed", rss(items))
    articles = run(feed(url), client)
    assert sorted(a.title for a in articles) == ["", "Real"]


@pytest.mark.parametrize(
    "odd",
    [
        "<textInput><name>q</name><link>https://example.org/s</link></textInput>",  # KeyError
        '<georss:where xmlns:georss="http://www.georss.org/georss" '
        'xmlns:gml="http://www.opengis.net/gml"><gml:Point srsName="urn:ogc:def:crs:EPSG::x">'
        "<gml:pos>1 2</gml:pos></gml:Point></georss:where>",  # ValueError
    ],
)
def test_entries_survive_markup_that_feedparser_itself_fails_on(
    feed_server: FeedServer, client: httpx.Client, odd: str, caplog: pytest.LogCaptureFixture
) -> None:
    # feedparser raises on these (its own bugs), which lost the whole feed as "failed".
    items = (
        f"<item><title>Odd one</title><link>https://example.org/o</link>{odd}</item>"
        + ITEM.format(title="Plain one", link="https://example.org/p", guid="p")
    )
    url = feed_server.serve_feed("/feed", rss(items))
    articles = run(feed(url), client)
    assert [(a.title, a.url) for a in articles] == [
        ("Odd one", "https://example.org/o"),
        ("Plain one", "https://example.org/p"),
    ]
    assert "feedparser failed" in caplog.text and "core elements" in caplog.text


def test_a_json_feed_without_a_version_is_read(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    # feedparser reads these as JSON Feeds too (its own JSON test files have no version).
    document = {"items": [{"id": 1, "url": "https://example.org/n", "title": "No version"}]}
    url = feed_server.serve_feed("/feed", json.dumps(document), "application/json")
    assert [a.title for a in run(feed(url), client)] == ["No version"]


def test_json_of_another_kind_is_still_refused(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    document = {"version": "2.0", "items": [{"id": 1, "title": "Not a feed"}]}
    url = feed_server.serve_feed("/feed", json.dumps(document), "application/json")
    with pytest.raises(Exception, match="this is JSON but not a JSON Feed"):
        run(feed(url), client)
