"""collect: folders, feeds (file and HTTP), pages, and every way a source can fail."""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from digest.collect import NetworkPolicy
from digest.collect._collect import RetryPolicy, Unreadable, collect, http_client
from digest.config._settings import SourceSettings
from digest.errors import SourceError
from digest.models import RawArticle
from tests.feed_helpers import LOOPBACK, FeedServer, Reply, trusting

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "config" / "sources"
NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=2, backoff=0.01, max_delay=0.05, deadline=5.0)

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Test</title><link>https://example.org/</link><description>d</description>
<item><title>Older item</title><link>https://example.org/older</link>
<guid>older-guid</guid><pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate>
<description>Only a summary.</description></item>
<item><title>Newer item</title><link>https://example.org/newer</link>
<guid>newer-guid</guid><pubDate>Wed, 25 Nov 2026 10:30:00 +0200</pubDate>
<description>Teaser.</description>
<content:encoded><![CDATA[<p>Full <b>text</b>.</p>]]></content:encoded></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Atom test</title><id>urn:feed</id><updated>2026-11-26T09:00:00Z</updated>
<entry><title>Atom entry</title><id>urn:entry:1</id>
<link rel="alternate" href="https://example.org/atom-1"/>
<updated>2026-11-26T09:00:00Z</updated>
<content type="html">&lt;p&gt;Atom body.&lt;/p&gt;</content></entry>
</feed>"""

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "JSON test",
    "items": [
        {
            "id": "j1",
            "url": "https://example.org/j1",
            "title": "JSON entry",
            "content_html": "<p>JSON body.</p>",
            "date_published": "2026-11-26T08:00:00+01:00",
        },
        {"id": 2, "url": "/relative", "content_text": "Plain body.", "title": "Text entry"},
    ],
}


@pytest.fixture
def client(feed_server: FeedServer) -> Iterator[httpx.Client]:
    """A collecting client with short timeouts, so failure tests stay fast."""
    with http_client(timeout=2.0, networks=trusting(feed_server)) as value:
        yield value


class MemoryValidators:
    """ValidatorStore in a dict."""

    def __init__(self) -> None:
        self.stored: dict[str, tuple[str | None, str | None]] = {}

    def get_validators(self, url: str) -> tuple[str | None, str | None]:
        return self.stored.get(url, (None, None))

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self.stored[url] = (etag, last_modified)


def source(name: str, kind: str, **kw: object) -> SourceSettings:
    return SourceSettings.model_validate({"name": name, "type": kind, **kw})


def feed(url: str, **kw: object) -> SourceSettings:
    """A feed source; full text off, since the test feeds link to example.org (test_fulltext)."""
    return source("Test feed", "feed", url=url, **{"full_text": "never", **kw})


def run(
    settings: SourceSettings,
    client: httpx.Client,
    *,
    validators: MemoryValidators | None = None,
    max_bytes: int = 10_000_000,
) -> tuple[RawArticle, ...]:
    return collect(
        settings, now=NOW, client=client, validators=validators, max_bytes=max_bytes, retry=FAST
    )


def failure(
    settings: SourceSettings,
    client: httpx.Client,
    *,
    validators: MemoryValidators | None = None,
    max_bytes: int = 10_000_000,
) -> SourceError:
    with pytest.raises(SourceError) as info:
        run(settings, client, validators=validators, max_bytes=max_bytes)
    return info.value


# --- folder ----------------------------------------------------------------------------


def test_folder_reads_text_markdown_and_html_and_skips_an_undecodable_file(
    tmp_path: Path, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "b.md").write_text("---\nauthor: x\n---\n# Markdown title\n\nBody.\n", "utf-8")
    (tmp_path / "a.txt").write_text("\n  Plain title  \n\nSecond line.\n", "utf-8")
    (tmp_path / "c.html").write_text(
        "<html><head><title>Page &amp; title</title></head><body><p>x</p></body></html>", "utf-8"
    )
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 \xff\xfe broken")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / ".hidden.md").write_text("# hidden", "utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.txt").write_text("not collected: folders are not recursive")
    for name, stamp in (("a.txt", 3), ("b.md", 2), ("c.html", 1)):
        os.utime(tmp_path / name, (1_790_000_000 + stamp, 1_790_000_000 + stamp))
    settings = source("Notes", "folder", path=tmp_path)

    with caplog.at_level(logging.WARNING, logger="digest.collect"):
        articles = run(settings, client)

    assert [a.guid for a in articles] == ["a.txt", "b.md", "c.html"]
    assert [a.title for a in articles] == ["Plain title", "Markdown title", "Page & title"]
    assert [a.body_format for a in articles] == ["text", "markdown", "html"]
    assert articles[0].url == (tmp_path / "a.txt").as_uri()
    assert articles[0].published == datetime.fromtimestamp(1_790_000_003, UTC)
    assert articles[0].body == "\n  Plain title  \n\nSecond line.\n"
    assert {a.source for a in articles} == {"Notes"}
    assert "bad.txt" in caplog.text and "not UTF-8" in caplog.text


def test_a_folder_gives_every_note_newest_first_whatever_max_items(
    tmp_path: Path, client: httpx.Client
) -> None:
    for day in range(1, 6):
        path = tmp_path / f"note{day}.txt"
        path.write_text(f"Note {day}\n", "utf-8")
        os.utime(path, (1_790_000_000 + day * 86400,) * 2)
    settings = source("Notes", "folder", path=tmp_path, max_items=2)
    # max_items is the list's decision (a source's baseline), reported there, not a cut here.
    titles = [a.title for a in run(settings, client)]
    assert titles == ["Note 5", "Note 4", "Note 3", "Note 2", "Note 1"]


def test_an_unreadable_note_is_reported_with_its_reason(
    tmp_path: Path, client: httpx.Client
) -> None:
    (tmp_path / "good.txt").write_text("Good note\n", "utf-8")
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 \x80\x81 not utf-8")
    (tmp_path / "big.md").write_text("# Big\n" + "x" * 5000, "utf-8")
    unreadable: list[Unreadable] = []
    articles = collect(
        source("Notes", "folder", path=tmp_path),
        now=NOW,
        client=client,
        max_bytes=2048,
        on_unreadable=unreadable.append,
    )
    assert [a.title for a in articles] == ["Good note"]
    assert sorted((u.name, u.reason) for u in unreadable) == [
        ("bad.txt", "it is not UTF-8 text"),
        ("big.md", "larger than 2,048 bytes"),
    ]
    assert unreadable[0].url.startswith("file://") and unreadable[0].source == "Notes"


def test_missing_folder_is_a_source_error_naming_the_path(
    tmp_path: Path, client: httpx.Client
) -> None:
    missing = tmp_path / "nowhere"
    error = failure(source("Notes", "folder", path=missing), client)
    assert str(error) == f"source 'Notes': folder {missing} does not exist"
    assert error.hint is not None and "path" in error.hint


def test_folder_file_in_the_future_counts_as_now(tmp_path: Path, client: httpx.Client) -> None:
    path = tmp_path / "later.txt"
    path.write_text("Later\n", "utf-8")
    future = NOW.timestamp() + 86400
    os.utime(path, (future, future))
    (article,) = run(source("Notes", "folder", path=tmp_path), client)
    assert article.published == NOW


# --- feed from a file ------------------------------------------------------------------


def test_feed_from_a_local_file_as_url_file_uri_or_path(
    tmp_path: Path, client: httpx.Client
) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(RSS, "utf-8")
    for settings in (feed(str(path)), feed(path.as_uri()), feed("", path=path)):
        articles = run(settings, client)
        assert [a.guid for a in articles] == ["newer-guid", "older-guid"]


def test_feed_entry_fields(tmp_path: Path, client: httpx.Client) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(RSS, "utf-8")
    newer, older = run(feed(str(path)), client)
    assert newer == RawArticle(
        source="Test feed",
        url="https://example.org/newer",
        guid="newer-guid",
        title="Newer item",
        published=datetime(2026, 11, 25, 8, 30, tzinfo=UTC),
        body="<p>Full <b>text</b>.</p>",
        body_format="html",
    )
    assert older.body == "Only a summary."  # no content:encoded: the summary is the body


def test_missing_feed_file(tmp_path: Path, client: httpx.Client) -> None:
    error = failure(feed(str(tmp_path / "gone.xml")), client)
    assert "source 'Test feed'" in str(error) and "gone.xml" in str(error)


def test_unsupported_url_scheme(client: httpx.Client) -> None:
    error = failure(feed("ftp://example.org/feed.xml"), client)
    assert (
        str(error)
        == "source 'Test feed' (ftp://example.org/feed.xml): unsupported URL scheme 'ftp'"
    )


def test_shipped_sample_sources_parse(client: httpx.Client) -> None:
    items = run(feed(str(SAMPLES / "feed.xml"), max_items=20), client)
    assert len(items) == 4
    assert all(a.url.startswith("https://example.org/") and a.published for a in items)
    assert all(a.published and a.published.year == 2026 for a in items)
    assert any("<h2>" in a.body for a in items)
    notes = run(source("Notes", "folder", path=SAMPLES / "notes"), client)
    assert sorted(a.body_format for a in notes) == ["html", "markdown", "text"]
    assert all(a.title and len(a.body) > 500 for a in notes)


# --- feeds over HTTP -------------------------------------------------------------------


def test_rss_over_http_sends_user_agent_and_accepts_gzip(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    url = feed_server.serve_feed("/rss", RSS, is_gzipped=True)
    articles = run(feed(url), client)
    assert [a.title for a in articles] == ["Newer item", "Older item"]
    (request,) = feed_server.requests_for("/rss")
    assert request.headers["user-agent"].startswith("digest/")
    assert "gzip" in request.headers["accept-encoding"]
    assert "application/rss+xml" in request.headers["accept"]


def test_atom_over_http(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.serve_feed("/atom", ATOM, "application/atom+xml")
    (article,) = run(feed(url), client)
    assert (article.guid, article.url, article.title) == (
        "urn:entry:1",
        "https://example.org/atom-1",
        "Atom entry",
    )
    assert article.body == "<p>Atom body.</p>" and article.body_format == "html"
    assert article.published == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_json_feed_over_http(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.serve_feed("/feed.json", json.dumps(JSON_FEED), "application/feed+json")
    first, second = run(feed(url), client)
    assert (first.guid, first.url, first.body, first.body_format) == (
        "j1",
        "https://example.org/j1",
        "<p>JSON body.</p>",
        "html",
    )
    assert first.published == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    assert (second.guid, second.url, second.body_format) == (
        "2",
        feed_server.url("/relative"),
        "text",
    )


def test_json_that_is_not_a_json_feed(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.serve_feed("/x.json", '{"hello": 1}', "application/json")
    assert "not a JSON Feed" in str(failure(feed(url), client))


def test_a_feed_gives_every_entry_newest_first(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    url = feed_server.serve_feed("/rss", RSS)
    assert [a.guid for a in run(feed(url, max_items=1), client)] == ["newer-guid", "older-guid"]


def test_conditional_get_304_returns_nothing(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.serve(
        "/rss",
        Reply(
            body=RSS.encode(),
            headers={"Content-Type": "application/rss+xml", "ETag": '"v1"',
                     "Last-Modified": "Wed, 25 Nov 2026 08:30:00 GMT"},
        ),
    )  # fmt: skip
    store = MemoryValidators()
    assert len(run(feed(url), client, validators=store)) == 2
    assert store.stored[url] == ('"v1"', "Wed, 25 Nov 2026 08:30:00 GMT")

    assert run(feed(url), client, validators=store) == ()
    first, second = feed_server.requests_for("/rss")
    assert "if-none-match" not in first.headers
    assert second.headers["if-none-match"] == '"v1"'
    assert second.headers["if-modified-since"] == "Wed, 25 Nov 2026 08:30:00 GMT"


def test_validators_are_not_stored_when_the_feed_is_broken(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    url = feed_server.serve("/rss", Reply(body=b"<rss><channel><item>", headers={"ETag": '"bad"'}))
    store = MemoryValidators()
    failure(feed(url), client, validators=store)
    assert store.stored == {}


@pytest.mark.parametrize("status", [404, 410, 403])
def test_client_errors_name_source_and_url(
    feed_server: FeedServer, client: httpx.Client, status: int
) -> None:
    url = feed_server.serve("/rss", Reply(status=status))
    error = failure(feed(url), client)
    assert str(error).startswith(f"source 'Test feed' ({url}): the server answered HTTP {status}")
    assert error.hint
    assert len(feed_server.requests_for("/rss")) == 1  # a 4xx is not retried


def test_server_error_is_retried_then_reported(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    url = feed_server.serve("/rss", Reply(status=500))
    error = failure(feed(url), client)
    assert str(error) == (
        f"source 'Test feed' ({url}): the server answered HTTP 500 Internal Server Error"
    )
    assert len(feed_server.requests_for("/rss")) == FAST.attempts


def test_server_error_then_success(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.serve(
        "/rss",
        Reply(status=503, headers={"Retry-After": "0"}),
        Reply(body=RSS.encode(), headers={"Content-Type": "application/rss+xml"}),
    )
    assert len(run(feed(url), client)) == 2
    assert len(feed_server.requests_for("/rss")) == 2


def test_malformed_xml_without_entries(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.serve_feed("/rss", "<?xml version='1.0'?><rss><channel><title>x</oops>")
    error = failure(feed(url), client)
    assert str(error).startswith(f"source 'Test feed' ({url}): cannot parse the feed: ")
    assert "mismatched tag" in str(error)


def test_malformed_xml_with_entries_keeps_them(
    feed_server: FeedServer, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    broken = RSS.replace("Teaser.", "Teaser &nbsp; with an undefined entity")
    url = feed_server.serve_feed("/rss", broken)
    with caplog.at_level(logging.WARNING, logger="digest.collect"):
        assert len(run(feed(url), client)) == 2
    assert "not well-formed" in caplog.text


def test_html_page_instead_of_a_feed(feed_server: FeedServer, client: httpx.Client) -> None:
    page = "<!DOCTYPE html><html><head><title>Home</title></head><body>hi</body></html>"
    url = feed_server.serve_feed("/", page, "text/html; charset=utf-8")
    assert str(failure(feed(url), client)).endswith("got a web page (HTML), not a feed")


def test_binary_content_is_not_a_feed(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.serve_feed("/logo", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png")
    assert "got binary content (image/png), not a feed" in str(failure(feed(url), client))


def test_oversize_body_with_content_length(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.serve_feed("/big", RSS + " " * 5000)
    error = failure(feed(url), client, max_bytes=1000)
    assert "larger than the 1,000-byte limit" in str(error)


def test_oversize_body_without_content_length_or_compressed(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    body = (RSS + " " * 50_000).encode()
    for path, reply in (
        ("/stream", Reply(body=body, has_length=False)),
        ("/bomb", Reply(body=body, is_gzipped=True)),
    ):
        url = feed_server.serve(path, reply)
        assert "larger than" in str(failure(feed(url), client, max_bytes=1000))


def test_redirects_are_followed_and_loops_reported(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    feed_server.serve_feed("/rss", RSS)
    moved = feed_server.redirect("/old", "/rss", status=301)
    assert len(run(feed(moved), client)) == 2

    loop = feed_server.redirect("/a", "/b")
    feed_server.redirect("/b", "/a")
    error = failure(feed(loop), client)
    assert (
        str(error)
        == f"source 'Test feed' ({loop}): more than 5 redirects, probably a redirect loop"
    )


def test_slow_body_times_out(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.serve_feed("/slow", RSS, body_delay=3.0)
    error = failure(feed(url), client)
    assert str(error) == f"source 'Test feed' ({url}): timed out (read timeout)"
    assert len(feed_server.requests_for("/slow")) == FAST.attempts


def test_connection_refused() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/rss"
    networks = NetworkPolicy(allowed_networks=LOOPBACK).trusting([url])
    with http_client(timeout=0.5, networks=networks) as client:
        error = failure(feed(url), client)
    assert "cannot connect" in str(error) and f"127.0.0.1:{port}" in str(error)


def test_unsafe_links_are_dropped_but_the_item_is_kept(
    feed_server: FeedServer, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    evil = (
        RSS.replace("https://example.org/newer", "javascript:alert(1)")
        .replace("https://example.org/older", "data:text/html,hi")
        .replace("<guid>newer-guid</guid>", "")
    )
    url = feed_server.serve_feed("/rss", evil)
    with caplog.at_level(logging.WARNING, logger="digest.collect"):
        newer, older = run(feed(url), client)
    assert (newer.url, older.url) == ("", "")
    assert newer.guid.startswith("sha256:") and older.guid == "older-guid"
    assert "javascript:" in caplog.text


def test_page_source(feed_server: FeedServer, client: httpx.Client) -> None:
    page = "<html><head><title>Opening hours</title></head><body><p>Open daily.</p></body></html>"
    url = feed_server.serve(
        "/hours",
        Reply(
            body=page.encode(),
            headers={"Content-Type": "text/html; charset=utf-8",
                     "Last-Modified": "Thu, 26 Nov 2026 12:00:00 GMT"},
        ),
    )  # fmt: skip
    settings = source("Hours", "page", url=url)
    (article,) = run(settings, client)
    assert (article.guid, article.url, article.title, article.body_format) == (
        url,
        url,
        "Opening hours",
        "html",
    )
    assert article.body == page
    assert article.published == datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert "text/html" in feed_server.requests_for("/hours")[0].headers["accept"]


def test_page_source_rejects_non_pages(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.serve_feed("/file.pdf", b"%PDF-1.4", "application/pdf")
    error = failure(source("Doc", "page", url=url), client)
    assert str(error) == f"source 'Doc' ({url}): got application/pdf, not a web page"


def test_charset_given_only_in_the_content_type_header(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    latin = RSS.replace(' encoding="utf-8"', "").replace("Older item", "Caf\u00e9 news")
    url = feed_server.serve_feed("/rss", latin.encode("iso-8859-1"), "text/xml; charset=iso-8859-1")
    assert "Caf\u00e9 news" in [a.title for a in run(feed(url), client)]


def test_redirect_to_another_scheme(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.redirect("/rss", "ftp://example.org/feed.xml")
    error = failure(feed(url), client)
    assert str(error).startswith(f"source 'Test feed' ({url}): redirected to an unsupported URL")


def test_page_conditional_get(feed_server: FeedServer, client: httpx.Client) -> None:
    page = b"<html><body><h1>Notice &amp; news</h1></body></html>"
    url = feed_server.serve("/page", Reply(body=page, headers={"ETag": 'W/"p1"'}))
    store = MemoryValidators()
    (article,) = run(source("Notice", "page", url=url), client, validators=store)
    assert article.title == "Notice & news" and article.published is None
    assert run(source("Notice", "page", url=url), client, validators=store) == ()


def test_sources_without_their_location(client: httpx.Client) -> None:
    for kind, needs in (("folder", "a path"), ("feed", "a url"), ("page", "a url")):
        assert needs in str(failure(source("Bare", kind), client))


def test_empty_feed_is_not_an_error(feed_server: FeedServer, client: httpx.Client) -> None:
    empty = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    assert run(feed(feed_server.serve_feed("/rss", empty)), client) == ()
    assert "the feed is empty" in str(failure(feed(feed_server.serve_feed("/0", b"")), client))


def test_repeated_guids_come_newest_first_and_html_titles_lose_markup(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    entry = """<entry><id>urn:same</id><title type="html">{title}</title>
    <link href="https://example.org/same"/><updated>{date}</updated>
    <content type="html">&lt;p&gt;x&lt;/p&gt;</content></entry>"""
    old = entry.format(title="Old copy", date="2026-11-26T09:00:00Z")
    new = entry.format(title="Fixed &amp;amp; &lt;i&gt;new&lt;/i&gt;", date="2026-11-26T10:00:00Z")
    atom = ATOM[: ATOM.index("<entry>")] + old + new + "</feed>"
    url = feed_server.serve_feed("/atom", atom, "application/atom+xml")
    # Both copies come out (the list reports the second as repeated), the newest first.
    article, older = run(feed(url), client)
    assert (article.title, older.title, older.guid) == ("Fixed & new", "Old copy", article.guid)
    assert article.published == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


RSS_091 = """<?xml version="1.0"?>
<rss version="0.91"><channel><title>Old</title><link>https://example.org/</link>
<description>d</description><language>en</language>
<item><title>Ninety-one</title><link>https://example.org/091</link>
<description>An RSS 0.91 item: no guid, no date.</description></item>
</channel></rss>"""

RSS_10 = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://example.org/"><title>RDF</title><link>https://example.org/</link>
<description>d</description>
<items><rdf:Seq><rdf:li rdf:resource="https://example.org/rdf-1"/></rdf:Seq></items></channel>
<item rdf:about="https://example.org/rdf-1"><title>RDF item</title>
<link>https://example.org/rdf-1</link><dc:date>2026-11-26T09:00:00Z</dc:date>
<description>An RSS 1.0 item.</description></item>
</rdf:RDF>"""


def test_rss_091_and_rss_10_rdf(feed_server: FeedServer, client: httpx.Client) -> None:
    (old,) = run(feed(feed_server.serve_feed("/091", RSS_091)), client)
    assert (old.guid, old.url, old.title, old.published) == (
        "https://example.org/091",
        "https://example.org/091",
        "Ninety-one",
        None,
    )
    (rdf,) = run(feed(feed_server.serve_feed("/rdf", RSS_10, "application/rdf+xml")), client)
    assert (rdf.url, rdf.title, rdf.body) == (
        "https://example.org/rdf-1",
        "RDF item",
        "An RSS 1.0 item.",
    )
    assert rdf.published == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
