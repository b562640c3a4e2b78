"""Hostile input, end to end: real servers on 127.0.0.1 serve every bad case to pipeline.run().

Each bad source must end as a per-source error that names it (or as a sanitized item),
the rest of the run must go on, and nothing active from a feed may reach the email.
"""

from __future__ import annotations

import json
import mailbox
import re
import socket
import sqlite3
import time
import tracemalloc
from contextlib import closing
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from xml.sax.saxutils import escape

from digest.config._load import load_settings
from digest.config._settings import Settings
from digest.pipeline import run
from tests.feed_helpers import FeedServer, Reply

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
TOPICS = (
    "The regional council met on Tuesday evening and agreed, after a debate that ran past "
    "midnight, to keep the valley night bus running through the winter. Residents had "
    "collected four thousand signatures for the service, which links the villages with the "
    "city centre every hour until five in the morning. ",
    "The tram depot on the harbour road opens its workshop to visitors for the first time. "
    "Engineers will show how the old carriages are rebuilt, and children may sit in the "
    "driver's cab of a restored nineteen-fifties tram during the guided tours. ",
    "Volunteers counted more than nine hundred water birds at the reservoir on Sunday, among "
    "them a pair of rare black-necked grebes. The ornithological society asks walkers to "
    "keep dogs on a lead near the reed beds until the nesting season is over. ",
    "The school kitchens of the district will buy vegetables, bread and milk from farms "
    "within fifty kilometres from January. Cooks were trained in seasonal menus, and parents "
    "may taste the new lunches at an open evening in each school before the holidays. ",
    "The public library extends its opening hours on weekday evenings and lends tools, "
    "board games and sewing machines as well as books. Readers asked for the change in a "
    "survey last spring, and the city pays for two more librarians to staff the desk. ",
)


def story(number: int) -> str:
    """A whole article (well over the teaser limit) on its own topic."""
    return TOPICS[number] * 5


LONG = story(0)
MB = 1024 * 1024


def rss(*items: tuple[str, str, str, str]) -> bytes:
    """RSS 2.0 with items (guid, title as XML, link, HTML body), published a day before NOW."""
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>{escape(link)}</link>"
        f"<pubDate>Thu, 26 Nov 2026 08:00:00 +0000</pubDate>"
        f"<description><![CDATA[{body}]]></description></item>"
        for guid, title, link, body in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"{entries}</channel></rss>"
    ).encode()


def xml_reply(body: bytes, content_type: str = "application/rss+xml", **kw: object) -> Reply:
    return Reply(body=body, headers={"Content-Type": content_type}, **kw)  # type: ignore[arg-type]


def make_settings(tmp_path: Path, sources: list[dict[str, str]], **collect: object) -> Settings:
    """One list, one reader, these sources, and fetching tuned for fast failure."""
    tuned: dict[str, object] = {
        "timeout": 0.3,
        "deadline": 0.6,
        "max_bytes": MB,
        "retries": 0,
        "host_interval": 0,
        "allow_networks": ["127.0.0.0/8"],  # the test servers' own origins only
    }
    tuned.update(collect)
    lines = [
        'sender = "Briefing <news@example.org>"',
        'transport = "outbox"',
        "[collect]",
        *(f"{key} = {json.dumps(value)}" for key, value in tuned.items()),
        "[lists.daily]",
        'title = "Daily"',
        "window_hours = 168",
        "[[lists.daily.subscribers]]",
        'email = "ada@example.org"',
    ]
    for source in sources:
        lines.append("[[lists.daily.sources]]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in source.items())
    (tmp_path / "digest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_settings(tmp_path / "digest.toml", environ={})


def feed(name: str, url: str, **kw: str) -> dict[str, str]:
    return {"name": name, "type": "feed", "url": url, **kw}


def sent(settings: Settings) -> list[bytes]:
    """The raw bytes of every message in the outbox."""
    box = mailbox.Maildir(settings.outbox.path, create=False)
    return [box.get_bytes(key) for key in box.iterkeys()]


def parts(raw: bytes) -> tuple[str, str]:
    """The decoded HTML and plain-text parts of one message."""
    message = message_from_bytes(raw, policy=policy.default)
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    assert html is not None and text is not None
    return str(html.get_content()), str(text.get_content())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_every_hostile_source_fails_alone_and_the_run_goes_on(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    good = feed_server.serve(
        "/good", xml_reply(rss(("g1", "Night bus stays", "https://example.org/bus", LONG)))
    )
    endless = Reply(
        body=b"<rss>" + b" " * 100, has_length=False, body_repeat=10**6, chunk_delay=0.05
    )
    huge = Reply(body=b"x" * 65536, body_repeat=3200)  # 200 MB, with its Content-Length
    feed_server.redirect("/loop-a", "/loop-b")
    feed_server.redirect("/loop-b", "/loop-a")
    cases = {
        "Malformed": (xml_reply(b"<?xml version='1.0'?><rss><channel><title>x</oops>"),
                      "cannot parse the feed: "),
        "Binary": (xml_reply(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
                   "got binary content (image/png), not a feed"),
        "Huge": (huge, "the response is larger than the 1,048,576-byte limit"),
        "Huge stream": (Reply(body=b"x" * 65536, body_repeat=3200, has_length=False),
                        "the response is larger than the 1,048,576-byte limit"),
        "Endless": (endless, "the body took longer than 0.6 s to arrive"),
        "Stalled": (xml_reply(rss(), body_delay=2.0), "timed out (read timeout)"),
        "Loop": (Reply(status=302, headers={"Location": feed_server.url("/loop-a")}),
                 "more than 5 redirects, probably a redirect loop"),
        "Broken": (Reply(status=500), "the server answered HTTP 500 Internal Server Error"),
        "JS redirect": (Reply(status=302, headers={"Location": "javascript:alert(1)"}),
                        "redirected to an invalid URL"),
        "Gone": (Reply(status=410), "the server answered HTTP 410 Gone"),
        "Web page": (xml_reply(b"<!DOCTYPE html><html><body>hi</body></html>", "text/html"),
                     "got a web page (HTML), not a feed"),
        "Not a feed": (xml_reply(b'{"hello": 1}', "application/json"), "not a JSON Feed"),
        "Empty": (xml_reply(b""), "the feed is empty"),
    }  # fmt: skip
    odd = rss(("o1", "Unknown charset label", "https://example.org/odd", story(1)))
    sources = [
        feed("Good", good),
        feed("Odd", feed_server.serve("/odd", xml_reply(odd, "text/xml; charset=nonsense-42"))),
    ]
    for number, (name, (reply, _)) in enumerate(cases.items()):
        sources.append(feed(name, feed_server.serve(f"/{number}", reply)))
    down = f"http://127.0.0.1:{free_port()}/rss"
    sources.append(feed("Down", down))
    sources.append(feed("FTP", "ftp://example.org/feed.xml"))
    settings = make_settings(tmp_path, sources)

    started = time.monotonic()
    report = run(settings, now=NOW)
    elapsed = time.monotonic() - started

    (item,) = report.lists
    assert report.has_failures and item.sent == 1 and item.articles == 2
    errors = {error.split("'")[1]: error for error in item.source_errors}
    assert len(errors) == len(cases) + 2
    for number, (name, (_, expected)) in enumerate(cases.items()):
        assert errors[name].startswith(f"source {name!r} ({feed_server.url(f'/{number}')}): ")
        assert expected in errors[name], errors[name]
    assert errors["Down"].startswith(f"source 'Down' ({down}): cannot connect")
    assert "unsupported URL scheme 'ftp'" in errors["FTP"]
    (raw,) = sent(settings)
    assert "Night bus stays" in parts(raw)[0] and "Unknown charset label" in parts(raw)[0]
    assert elapsed < 8  # timeouts and the deadline cut the slow ones short
    with closing(sqlite3.connect(settings.state_path)) as db:  # for `digest sources list`
        rows = dict(db.execute("SELECT source_name, error FROM source_fetches").fetchall())
    assert rows["Good"] is None and "HTTP 500" in rows["Broken"]


def test_a_200_mb_response_is_cut_without_being_held_in_memory(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    good = feed_server.serve(
        "/good", xml_reply(rss(("g1", "Night bus stays", "https://example.org/bus", LONG)))
    )
    chunk = b"<!-- " + b"x" * 65530 + b" -->"
    huge = feed_server.serve(
        "/huge", Reply(body=chunk, body_repeat=200 * MB // len(chunk), has_length=False)
    )
    settings = make_settings(tmp_path, [feed("Huge", huge), feed("Good", good)], max_bytes=2 * MB)
    tracemalloc.start()
    try:
        report = run(settings, now=NOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (item,) = report.lists
    assert item.source_errors == (
        f"source 'Huge' ({huge}): the response is larger than the 2,097,152-byte limit",
    )
    assert item.sent == 1
    assert peak < 40 * MB  # the whole run, with the 2 MB cap; nowhere near 200 MB


HOSTILE_HTML = """
<script>alert('feed script')</script><style>p { background: url(javascript:alert(5)) }</style>
<p onclick="alert(2)">{words}</p>
<img src="x" onerror="alert(3)"><iframe src="https://evil.example/frame"></iframe>
<p><a href="javascript:alert(4)">Read the council minutes</a> and
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg==">the map</a>.</p>
<svg onload="alert(7)"><circle r="1"/></svg><object data="evil.swf"></object>
<form action="javascript:alert(8)"><input onfocus="alert(9)" autofocus></form>
"""


def hostile(words: str) -> str:
    """Feed HTML with every kind of active content around these words."""
    return HOSTILE_HTML.replace("{words}", words)


HOSTILE_PAGE = f"""<!DOCTYPE html><html><head><title>Depot</title>
<meta http-equiv="refresh" content="0;url=javascript:alert(10)">
<script src="https://evil.example/x.js"></script></head>
<body onload="alert(11)"><main><article><h1>Tram depot opens its doors</h1>
{hostile(story(1))}
<p>The depot will host an open day in the summer with guided tours of the workshop.</p>
</article></main></body></html>"""
FORBIDDEN = ("<script", "onerror", "onload", "onclick", "onfocus", "<iframe", "javascript:",
             "data:text/html", "<svg", "<object", "<form", "evil.example")  # fmt: skip
PAYLOADS = tuple(f"alert({n})" for n in range(1, 19) if n != 12)
"""alert(12) sits in a link's query string, percent-encoded: text, not a script."""


def test_active_content_from_feeds_never_reaches_the_email(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    page = feed_server.serve("/depot", xml_reply(HOSTILE_PAGE.encode(), "text/html"))
    link = 'https://example.org/a?q="><script>alert(12)</script>'
    items = rss(
        ("h1", "Council &lt;script&gt;alert(13)&lt;/script&gt; keeps the bus", link,
         hostile(story(2))),
        ("h2", "Javascript link <img src=x onerror=alert(14)>", "javascript:alert(15)",
         hostile(story(3))),
        ("h3", "Depot teaser", page, "<p>The depot opens…</p><script>alert(16)</script>"),
    )  # fmt: skip
    json_feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON",
        "items": [
            {
                "id": "j1",
                "url": "data:text/html,<script>alert(17)</script>",
                "title": "<script>alert(18)</script>JSON item",
                "content_html": hostile(story(4)),
                "date_published": "2026-11-26T08:00:00Z",
            }
        ],
    }
    settings = make_settings(
        tmp_path,
        [
            feed("RSS", feed_server.serve("/rss", xml_reply(items))),
            feed("JSON", feed_server.serve_feed(
                "/json", json.dumps(json_feed), "application/feed+json")),
        ],
    )  # fmt: skip
    report = run(settings, now=NOW)
    (item,) = report.lists
    assert item.source_errors == () and item.articles == 4 and item.sent == 1
    (raw,) = sent(settings)
    html, text = parts(raw)
    for content in (raw.decode("utf-8", "replace").lower(), html.lower(), text.lower()):
        for bad in FORBIDDEN + PAYLOADS:
            assert bad not in content, bad
    assert "Council keeps the bus" in html and "JSON item" in html
    assert "guided tours" in html or "valley night bus" in html  # the page's text came through
    (link,) = re.findall(r'href="(https://example.org/a[^"]*)"', html)
    assert link.startswith("https://example.org/a?q=%22") and "<" not in link  # made harmless


def test_wrong_or_missing_charset(tmp_path: Path, feed_server: FeedServer) -> None:
    latin_label = rss(("c1", "Café Müller öffnet wieder", "https://example.org/c1", story(1)))
    no_label = rss(("c2", "Straße am Fluß gesperrt", "https://example.org/c2", story(2))).replace(
        b' encoding="utf-8"', b""
    )
    real_latin = rss(("c3", "Crème brûlée für alle", "https://example.org/c3", story(3)))
    real_latin = real_latin.decode().replace("utf-8", "iso-8859-1").encode("iso-8859-1")
    settings = make_settings(
        tmp_path,
        [
            feed("Mislabelled", feed_server.serve(
                "/a", xml_reply(latin_label, "application/rss+xml; charset=iso-8859-1"))),
            feed("Unlabelled", feed_server.serve("/b", xml_reply(no_label, "text/xml"))),
            feed("Latin", feed_server.serve("/c", xml_reply(real_latin, "text/xml"))),
        ],
    )  # fmt: skip
    report = run(settings, now=NOW)
    assert report.lists[0].source_errors == () and report.lists[0].articles == 3
    html, text = parts(sent(settings)[0])
    for title in ("Café Müller öffnet wieder", "Straße am Fluß gesperrt", "Crème brûlée für alle"):
        assert title in html and title in text
    assert "Ã" not in html and "√" not in html


def test_teaser_pages_that_fail_keep_the_teaser(tmp_path: Path, feed_server: FeedServer) -> None:
    endless = feed_server.serve(
        "/endless",
        Reply(body=b"<p>" + b"a " * 50, has_length=False, body_repeat=10**6, chunk_delay=0.05),
    )
    huge = feed_server.serve("/huge", Reply(body=b"<p>" + b"x" * 65533, body_repeat=3200))
    items = rss(
        ("t1", "Endless page", endless, f"<p>{TOPICS[0][:150]}…</p>"),
        ("t2", "Huge page", huge, f"<p>{TOPICS[1]}</p><p><a href='{huge}'>Read more</a></p>"),
    )
    settings = make_settings(
        tmp_path, [feed("Teasers", feed_server.serve("/rss", xml_reply(items)))]
    )
    report = run(settings, now=NOW)
    (item,) = report.lists
    assert item.source_errors == () and item.articles == 2 and item.sent == 1
    html, _ = parts(sent(settings)[0])
    assert "keep the valley night bus" in html and "opens its workshop" in html


def test_the_same_article_is_sent_once(tmp_path: Path, feed_server: FeedServer) -> None:
    one = feed_server.serve(
        "/one",
        xml_reply(rss(("a1", "Night bus stays", "https://example.org/bus?utm_source=one", LONG))),
    )
    two = feed_server.serve(
        "/two",
        xml_reply(
            rss(("b1", "Night bus stays (copy)", "https://Example.org/bus?fbclid=x#top", story(3)))
        ),
    )
    settings = make_settings(tmp_path, [feed("One", one), feed("Two", two)])
    first = run(settings, now=NOW)
    assert first.lists[0].articles == 1 and first.lists[0].sent == 1

    later = NOW + timedelta(hours=2)
    republished = rss(("a2", "Night bus stays", "https://example.org/bus?utm_medium=rss", story(4)))
    republished = republished.replace(b"Thu, 26 Nov 2026 08:00:00", b"Fri, 27 Nov 2026 07:00:00")
    feed_server.serve("/one", xml_reply(republished))
    second = run(settings, now=later)
    assert second.lists[0].articles == 0 and second.lists[0].sent == 0
    assert len(sent(settings)) == 1


def test_encoded_markup_in_page_titles_never_reaches_the_email(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # Entities are decoded first, then the title loses its markup: "&lt;script&gt;" is a
    # tag once decoded, and "a &lt; b" is text. Five pages make a table of contents.
    titles = (
        "&lt;script&gt;alert(19)&lt;/script&gt;Harbour &lt;b&gt;notes&lt;/b&gt;",
        "&lt;img src=x onerror=alert(20)&gt;Reservoir count",
        "Depot &amp; workshop",
        "Prices: 3 &lt; 5",
        "Library hours",
    )
    sources = []
    for number, title in enumerate(titles):
        page = (
            f"<html><head><title>{title}</title></head><body><p>{story(number)}</p></body></html>"
        )
        url = feed_server.serve(f"/p{number}", xml_reply(page.encode(), "text/html"))
        sources.append({"name": f"Page {number}", "type": "page", "url": url})
    settings = make_settings(tmp_path, sources)
    report = run(settings, now=NOW)
    assert report.lists[0].articles == 5 and report.lists[0].sent == 1
    html, text = parts(sent(settings)[0])
    for content in (html.lower(), text.lower()):
        for bad in ("<script", "&lt;script", "alert(19)", "<img", "&lt;img", "alert(20)", "<b>"):
            assert bad not in content, bad
    for shown in ("Harbour notes", "Reservoir count", "Prices: 3 &lt; 5", "Depot &amp; workshop"):
        assert html.count(shown) >= 2, shown  # the table of contents and the item
    for shown in ("Harbour notes", "Reservoir count", "Prices: 3 < 5", "Depot & workshop"):
        assert text.count(shown) >= 2, shown


def test_no_feed_link_or_redirect_reaches_a_private_address(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    secret = b"<p>" + b"canary secret: the instance credentials. " * 80 + b"</p>"
    with FeedServer() as canary:  # another loopback port: not a source of the config
        for path in ("/", "/latest/meta-data/"):
            canary.serve(path, Reply(body=secret, headers={"Content-Type": "text/html"}))
        port = canary.base_url.rsplit(":", 1)[1]
        items = rss(
            ("s1", "Night bus", canary.url("/"), "<p>The council voted…</p>"),
            ("s2", "Tram depot", f"http://localhost:{port}/", "<p>The depot opens…</p>"),
            ("s3", "Reservoir", "http://169.254.169.254/latest/meta-data/", "<p>Birds…</p>"),
            ("s4", "Library", f"http://[::ffff:127.0.0.1]:{port}/", f"<p>{story(4)}</p>"),
        )
        moved = feed_server.redirect("/moved", canary.url("/latest/meta-data/"))
        settings = make_settings(
            tmp_path,
            [
                feed("Teasers", feed_server.serve("/rss", xml_reply(items))),
                feed("Moved", moved),
                {"name": "Metadata", "type": "page", "url": "http://169.254.169.254/"},
            ],
        )
        report = run(settings, now=NOW)
        assert canary.requests == []
    (item,) = report.lists
    assert item.source_errors == (
        f"source 'Moved' ({moved}): redirected to {canary.url('/latest/meta-data/')}: refused: "
        "127.0.0.1 is a loopback address",
        "source 'Metadata' (http://169.254.169.254/): refused to connect: 169.254.169.254 is "
        "a link-local address",
    )
    assert item.articles == 4 and item.sent == 1  # the teasers stay, the run goes on
    html, text = parts(sent(settings)[0])
    assert "canary secret" not in html and "canary secret" not in text
    assert "The council voted" in text
