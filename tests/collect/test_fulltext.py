"""Full text: a feed entry that is only a teaser gets its linked page, fetched from 127.0.0.1."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.collect._collect import RetryPolicy, collect, http_client
from digest.collect._fulltext import is_teaser
from digest.config._settings import SourceSettings
from digest.extract._extract import extract
from digest.models import RawArticle
from tests.feed_helpers import FeedServer, Reply, trusting

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=1, backoff=0.01, max_delay=0.05, deadline=1.0)
LONG = " ".join(f"Sentence number {i} tells the whole story in plain words." for i in range(40))
ARTICLE = (
    "<!DOCTYPE html><html><head><title>Council backs the night bus | Example News</title></head>"
    "<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><main><article>"
    "<h1>Council backs the night bus</h1>"
    "<p>The regional council voted on Tuesday to keep the night bus running through the "
    "winter, after a petition signed by more than four thousand residents.</p>"
    "<p>The service connects the valley villages with the city centre every hour between "
    "midnight and five in the morning, and it will now be funded until next autumn.</p>"
    "<p>Drivers' representatives welcomed the decision but asked for better lighting at "
    "the outlying stops, which the transport office promised to review in the spring.</p>"
    "</article></main><footer>© Example News · Imprint · Privacy</footer></body></html>"
)


def rss(*items: tuple[str, str, str]) -> str:
    """An RSS feed whose items are (guid, link, description)."""
    entries = "".join(
        f"<item><title>Item {guid}</title><link>{link}</link><guid>{guid}</guid>"
        f"<pubDate>Wed, 25 Nov 2026 10:00:00 +0000</pubDate>"
        f"<description><![CDATA[{body}]]></description></item>"
        for guid, link, body in items
    )
    channel = f"<channel><title>t</title>{entries}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


def feed(url: str, **kw: object) -> SourceSettings:
    return SourceSettings.model_validate({"name": "News", "type": "feed", "url": url, **kw})


@pytest.fixture
def client(feed_server: FeedServer) -> Iterator[httpx.Client]:
    with http_client(timeout=2.0, networks=trusting(feed_server)) as value:
        yield value


def run(settings: SourceSettings, client: httpx.Client, **kw: object) -> tuple[RawArticle, ...]:
    return collect(settings, now=NOW, client=client, retry=FAST, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<p>Two short sentences. Nothing more.</p>", True),
        ("", True),
        (f"<p>{LONG}</p>", False),
        (f"<p>{LONG} And then the council…</p>", True),
        (f"<p>{LONG} And then the council ...</p>", True),
        (f"<p>{LONG} And then [&#8230;]</p>", True),
        (f"<p>{LONG}</p><p><a href='https://example.org/a'>Read more »</a></p>", True),
        (f"<p>{LONG}</p><p>Continue reading <span>Night bus</span> →</p>", True),
        (f"<p>{LONG} We need more.</p>", False),
        (f"<p>{LONG}</p><script>var a = 'Read more';</script>", False),
    ],
)
def test_teaser_rule(body: str, expected: bool) -> None:
    assert is_teaser(body, "html") is expected


def test_teaser_gets_the_linked_page_and_extract_finds_its_text(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    feed_server.serve(
        "/article", Reply(body=ARTICLE.encode(), headers={"Content-Type": "text/html"})
    )
    page = feed_server.redirect("/r/42?utm_source=rss", "/article")  # a tracking redirect
    full = f"<p>{LONG}</p>"
    url = feed_server.serve_feed(
        "/rss", rss(("1", page, "The council voted on the night bus…"), ("2", page, full))
    )
    teaser, whole = run(feed(url), client)
    assert teaser.url == feed_server.url("/article")  # the final address, tracker skipped
    assert teaser.title == "Item 1" and teaser.guid == "1" and teaser.body_format == "html"
    assert "valley villages" in extract(teaser).text
    assert "Home" not in extract(teaser).text and "Imprint" not in extract(teaser).text
    assert whole.body == full and whole.url == page  # a full entry is left alone
    assert len(feed_server.requests_for("/article")) == 1
    assert "text/html" in feed_server.requests_for("/article")[0].headers["accept"]


@pytest.mark.parametrize(("mode", "fetched"), [("never", 0), ("always", 2), ("auto", 1)], ids=str)
def test_full_text_modes(
    feed_server: FeedServer, client: httpx.Client, mode: str, fetched: int
) -> None:
    page = feed_server.serve(
        "/a", Reply(body=ARTICLE.encode(), headers={"Content-Type": "text/html"})
    )
    url = feed_server.serve_feed("/rss", rss(("1", page, "Short."), ("2", page, f"<p>{LONG}</p>")))
    run(feed(url, full_text=mode), client)
    assert len(feed_server.requests_for("/a")) == fetched


@pytest.mark.parametrize(
    ("reply", "warning"),
    [
        (Reply(status=404), "HTTP 404"),
        (Reply(body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"}), "application/pdf"),
        (Reply(body=ARTICLE.encode(), body_delay=3.0), "timed out"),
        (Reply(body=b"<html><body><p>Hi.</p></body></html>"), "says no more than the feed"),
        (Reply(body=b"x" * 5000, body_repeat=1000), "larger than"),
    ],
    ids=["404", "pdf", "slow", "empty-page", "huge"],
)
def test_a_failed_page_keeps_the_teaser_and_warns(
    feed_server: FeedServer,
    client: httpx.Client,
    caplog: pytest.LogCaptureFixture,
    reply: Reply,
    warning: str,
) -> None:
    page = feed_server.serve("/a", reply)
    url = feed_server.serve_feed("/rss", rss(("1", page, "The council voted…")))
    with caplog.at_level(logging.WARNING, logger="digest.collect"):
        (article,) = run(feed(url), client, max_bytes=1_000_000)
    assert article.body == "The council voted…" and article.url == page
    assert warning in caplog.text and "kept the" in caplog.text and "'Item 1'" in caplog.text


def test_only_wanted_articles_get_their_pages(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    for path in ("/a", "/b"):
        feed_server.serve(path, Reply(body=ARTICLE.encode(), headers={"Content-Type": "text/html"}))
    url = feed_server.serve_feed(
        "/rss",
        rss(("1", feed_server.url("/a"), "Teaser."), ("2", feed_server.url("/b"), "Teaser.")),
    )
    first, second = run(feed(url), client, is_wanted=lambda raws: [r.guid == "2" for r in raws])
    assert first.body == "Teaser." and second.body.startswith("<!DOCTYPE html>")
    assert feed_server.requests_for("/a") == [] and len(feed_server.requests_for("/b")) == 1


def test_non_http_links_are_never_fetched(feed_server: FeedServer, client: httpx.Client) -> None:
    url = feed_server.serve_feed(
        "/rss", rss(("1", "file:///etc/passwd", "Teaser."), ("2", "javascript:alert(1)", "T."))
    )
    articles = run(feed(url), client)
    assert [a.body for a in articles] == ["Teaser.", "T."] and [a.url for a in articles] == ["", ""]
    assert [r.path for r in feed_server.requests] == ["/rss"]


def test_page_charset_declared_latin1_but_utf8_bytes(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    html = ARTICLE.replace("night bus", "Nachtbus über den Paß").encode("utf-8")
    page = feed_server.serve(
        "/a", Reply(body=html, headers={"Content-Type": "text/html; charset=iso-8859-1"})
    )
    url = feed_server.serve_feed("/rss", rss(("1", page, "Teaser.")))
    (article,) = run(feed(url), client)
    assert "Nachtbus über den Paß" in article.body and "Ã" not in article.body


def test_pages_are_fetched_on_the_given_executor(
    feed_server: FeedServer, client: httpx.Client
) -> None:
    links = []
    for n in range(4):
        links.append(
            feed_server.serve(
                f"/{n}", Reply(body=ARTICLE.encode(), headers={"Content-Type": "text/html"})
            )
        )
    url = feed_server.serve_feed(
        "/rss", rss(*((str(n), link, "T.") for n, link in enumerate(links)))
    )
    with ThreadPoolExecutor(2) as pages:
        articles = run(feed(url), client, pages=pages)
    assert [a.guid for a in articles] == ["0", "1", "2", "3"]  # order kept
    assert all("valley villages" in a.body for a in articles)


def test_extract_command_reads_a_url(feed_server: FeedServer) -> None:
    page = ARTICLE.replace("night bus", "Nachtbus").encode("utf-8")
    url = feed_server.serve(
        "/a", Reply(body=page, headers={"Content-Type": "text/html; charset=utf-8"})
    )
    result = CliRunner().invoke(cli, ["extract", url, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["title"] == "Council backs the Nachtbus"
    assert "The regional council voted on Tuesday to keep the Nachtbus" in data["text"]
    assert "Imprint" not in data["text"]
    missing = CliRunner().invoke(cli, ["extract", feed_server.url("/gone")])
    assert missing.exit_code == 1 and "the server answered HTTP 404" in missing.output
