"""A run over a large generated corpus: a thousand feed files, every entry accounted for.

The corpus is written here, from a seed, in the shapes that feedparser's test suite and
rss2email's real-world feeds exercise: RSS 0.91/2.0, RSS 1.0 (RDF), Atom 0.3/1.0 and
JSON Feed; UTF-8, Latin-1, UTF-16 and UTF-32 with and without a byte order mark; XML
served as application/json, text/plain or with no type; local files with relative
links; entries without a title, a link, a guid, a date or a body, empty ones, ones a
feed repeats, ids like "1" that many feeds share, comments on one page, links every
entry of a feed shares, the same article in two feeds, dates in the future or long past.

Each entry carries a token of its own (in its title, else its text, else its link), so
the test can find it: in the email, or among the run's left-out articles with a reason.
"""

from __future__ import annotations

import json
import mailbox
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from digest.config._load import load_settings
from digest.config._settings import Settings
from digest.pipeline import ListReport, run
from tests.feed_helpers import FeedServer, Reply

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
FILES = 1000
MAX_ITEMS = 300
TOKEN = re.compile(r"k\d{4}x\d")
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
WIDE = ["utf-16-be", "utf-16", "utf-32-be", "utf-16-le", "utf-32"]
XML_TYPES = ["application/xml", "text/xml", "application/rss+xml", "application/atom+xml"]
XML_TYPES += ["application/json", "text/plain", ""]


@dataclass
class Item:
    token: str
    title: str | None
    link: str | None
    guid: str | None
    published: datetime | None
    body: str | None
    is_empty: bool = False


@dataclass
class FeedFile:
    number: int
    kind: str
    items: list[Item] = field(default_factory=list)
    encoding: str = "utf-8"
    content_type: str = "application/xml"
    is_local: bool = False
    is_broken: bool = False

    @property
    def name(self) -> str:
        return f"Feed {self.number:04d}"


def words(rng: random.Random, count: int) -> str:
    made = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(count)]
    return " ".join(" ".join(made[i : i + 9]).capitalize() + "." for i in range(0, count, 9))


def make_corpus(rng: random.Random) -> list[FeedFile]:
    """FILES feed files with 1-3 entries each, in every shape named in the module docstring."""
    kinds = ["rss20"] * 7 + ["rss091", "rdf", "rdf"] + ["atom10"] * 5 + ["atom03"] + ["json"] * 4
    feeds = []
    for number in range(FILES):
        feed = FeedFile(number, rng.choice(kinds))
        feed.is_local = rng.random() < 0.25
        if feed.kind != "json":
            feed.encoding = rng.choice(["utf-8"] * 12 + WIDE + ["iso-8859-1"])
            feed.content_type = rng.choice(XML_TYPES)
        else:
            feed.content_type = rng.choice(["application/feed+json", "application/json", ""])
        feed.is_broken = rng.random() < 0.02
        shared_page = f"https://site{number}.example.org/post"
        home_link = rng.random() < 0.05  # every entry links to the home page
        for n in range(rng.randint(1, 3)):
            token = f"k{number:04d}x{n}"
            shape = rng.random()
            published: datetime | None = NOW - timedelta(hours=rng.randint(1, 200))
            if rng.random() < 0.1:
                published = None
            elif rng.random() < 0.05:
                published = NOW + timedelta(days=3)  # in the future
            elif rng.random() < 0.05:
                published = NOW - timedelta(days=2000)  # long past
            title: str | None = f"Title {token} " + words(rng, 6).rstrip(".")
            if rng.random() < 0.05:
                title = f"History of the <blink> tag {token}"
            body: str | None = f"{token} " + words(rng, rng.choice([9, 30, 60]))
            if rng.random() < 0.1:
                body = None
            elif rng.random() < 0.1:
                body = f"{token} " + words(rng, 12).rstrip(".")  # no closing punctuation
            link: str | None = f"https://site{number}.example.org/{token}"
            if home_link:
                link = f"https://site{number}.example.org/"
            elif rng.random() < 0.08:
                link = f"{shared_page}#comment-{n}"
            elif rng.random() < 0.05:
                link = f"/{token}.html"  # relative
            elif rng.random() < 0.03:
                link = "javascript:alert(1)"
            elif rng.random() < 0.05:
                link = None
            guid: str | None = f"urn:{token}"
            if feed.kind == "json" and n == 0:
                guid = "1"  # unique only within its feed
            elif rng.random() < 0.1:
                guid = None
            if shape < 0.02:
                feed.items.append(Item(token, None, None, None, None, None, is_empty=True))
                continue
            if shape < 0.08:
                title = None  # named by its text, or its link
                if body is None:
                    link = f"https://site{number}.example.org/{token}"
            feed.items.append(Item(token, title, link, guid, published, body))
        if rng.random() < 0.03 and feed.items[0].guid and not feed.items[0].is_empty:
            first = feed.items[0]  # the feed repeats an entry (same guid)
            again = first.token[:-1] + "9"
            title, body = (
                text.replace(first.token, again) if text else None
                for text in (first.title, first.body)
            )
            feed.items.append(Item(again, title, first.link, first.guid, first.published, body))
        feeds.append(feed)
    # The same article in two feeds: the second tells it under its own title.
    for left, right in zip(feeds[10:60:5], feeds[11:61:5], strict=True):
        original = left.items[0]
        if original.link and original.link.startswith("https://") and not original.is_empty:
            token = f"k{right.number:04d}x8"
            right.items.append(Item(token, f"Title {token} retold", original.link, f"urn:{token}",
                                    original.published, original.body))  # fmt: skip
    return feeds


def date(when: datetime | None, style: str) -> str:
    if when is None:
        return ""
    return f"{when:%a, %d %b %Y %H:%M:%S} +0000" if style == "rfc822" else when.isoformat()


def render(feed: FeedFile) -> bytes:
    """The feed file's bytes, in its format and encoding."""
    if feed.kind == "json":
        items = []
        for item in feed.items:
            fields = {
                "id": item.guid,
                "url": item.link,
                "title": item.title,
                "content_text": item.body,
                "date_published": date(item.published, "iso"),
            }
            items.append({k: v for k, v in fields.items() if v})
        home = f"https://site{feed.number}.example.org/"
        document = {"version": "https://jsonfeed.org/version/1.1", "title": feed.name,
                    "home_page_url": home, "items": items}  # fmt: skip
        text = json.dumps(document)
        return text[: len(text) // 2].encode() if feed.is_broken else text.encode()
    home = f"https://site{feed.number}.example.org/"
    entries = []
    for item in feed.items:
        e = {key: escape(value) for key, value in vars(item).items() if isinstance(value, str)}
        if feed.kind.startswith("atom"):
            stamp = "updated" if feed.kind == "atom10" else "modified"
            parts = [f"<title>{e['title']}</title>" if item.title else "",
                     f'<link rel="alternate" href="{e["link"]}"/>' if item.link else "",
                     f"<id>{e['guid']}</id>" if item.guid else "",
                     f"<{stamp}>{date(item.published, 'iso')}</{stamp}>" if item.published else "",
                     f"<summary>{e['body']}</summary>" if item.body else ""]  # fmt: skip
            entries.append("<entry>" + "".join(parts) + "</entry>")
        else:
            tag = "dc:date" if feed.kind == "rdf" else "pubDate"
            style = "iso" if feed.kind == "rdf" else "rfc822"
            about = f' rdf:about="{e["guid"]}"' if feed.kind == "rdf" and item.guid else ""
            parts = [f"<title>{e['title']}</title>" if item.title else "",
                     f"<link>{e['link']}</link>" if item.link else "",
                     f"<guid isPermaLink='false'>{e['guid']}</guid>"
                     if item.guid and feed.kind == "rss20" else "",
                     f"<{tag}>{date(item.published, style)}</{tag}>" if item.published else "",
                     f"<description>{e['body']}</description>" if item.body else ""]  # fmt: skip
            entries.append(f"<item{about}>" + "".join(parts) + "</item>")
    declared = {"utf-16": "utf-16", "utf-32": "utf-32"}.get(feed.encoding, feed.encoding)
    head = f'<?xml version="1.0" encoding="{declared}"?>'
    if feed.kind.startswith("atom"):
        ns = "http://www.w3.org/2005/Atom" if feed.kind == "atom10" else "http://purl.org/atom/ns#"
        version = "" if feed.kind == "atom10" else ' version="0.3"'
        text = (f'{head}<feed xmlns="{ns}"{version}><title>{feed.name}</title>'
                f'<link rel="alternate" href="{home}"/>{"".join(entries)}</feed>')  # fmt: skip
    elif feed.kind == "rdf":
        text = (f'{head}<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                f'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                f'<channel rdf:about="{home}"><title>{feed.name}</title><link>{home}</link>'
                f"<description>d</description></channel>{''.join(entries)}</rdf:RDF>")  # fmt: skip
    else:
        version = "0.91" if feed.kind == "rss091" else "2.0"
        text = (f'{head}<rss version="{version}"><channel><title>{feed.name}</title>'
                f"<link>{home}</link><description>d</description>{''.join(entries)}"
                "</channel></rss>")  # fmt: skip
    if feed.is_broken:  # a web page where the feed was (a cut-off feed is read in part)
        text = (
            f"<!DOCTYPE html><html><head><title>{feed.name}</title></head><body>moved</body></html>"
        )
    return text.encode(feed.encoding, "xmlcharrefreplace")


def corpus_settings(tmp_path: Path, feeds: list[FeedFile], server: FeedServer) -> Settings:
    lines = [
        'sender = "Corpus <corpus@example.org>"',
        "[collect]\nretries = 0\nhost_interval = 0\nconcurrency = 8\ntimeout = 10",
        'allow_networks = ["127.0.0.0/8"]',
        f'[lists.corpus]\ntitle = "Corpus"\nmax_items = {MAX_ITEMS}',
        '[[lists.corpus.subscribers]]\nemail = "reader@example.org"',
    ]
    for feed in feeds:
        data = render(feed)
        if feed.is_local:
            path = tmp_path / "feeds" / f"{feed.number:04d}.xml"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            location = path.as_uri()
        else:
            headers = {"Content-Type": feed.content_type} if feed.content_type else {}
            location = server.serve(f"/{feed.number:04d}", Reply(body=data, headers=headers))
        lines.append(f'[[lists.corpus.sources]]\nname = "{feed.name}"\ntype = "feed"\n'
                     f'url = "{location}"\nfull_text = "never"')  # fmt: skip
    config = tmp_path / "digest.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_settings(config, environ={})


def tokens_of(text: str) -> set[str]:
    return set(TOKEN.findall(text))


def edition_tokens(settings: Settings) -> list[set[str]]:
    """The tokens in each edition's plain text, oldest edition first."""
    box = mailbox.Maildir(settings.outbox.path, create=False)
    found = []
    for message in sorted(box, key=lambda m: str(m["Date"])):
        parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
        part = parsed.get_body(("plain",))
        assert part is not None
        found.append(tokens_of(str(part.get_content())))
    return found


def check_accounting(report: ListReport) -> Counter[str]:
    """The report's identity holds; returns the tokens it names as left out, counted."""
    assert report.collected + report.carried == report.articles + len(report.left_out)
    named: Counter[str] = Counter()
    for gone in report.left_out:
        assert gone.reason, gone
        found = tokens_of(gone.title) or tokens_of(gone.url)  # named by title, else link
        if gone.reason == "failed":
            assert gone.detail, gone
        else:
            assert len(found) == 1, gone  # every other left-out article is named
        named.update(found)
    return named


def token(title: str, url: str) -> str:
    (found,) = tokens_of(title) or tokens_of(url)
    return found


@pytest.fixture(scope="module")
def corpus() -> list[FeedFile]:
    return make_corpus(random.Random(13))


def test_the_corpus_covers_what_it_claims(corpus: list[FeedFile]) -> None:
    items = [item for feed in corpus for item in feed.items]
    assert len(corpus) == FILES and len(items) > 1900
    assert {feed.kind for feed in corpus} == {"rss20", "rss091", "rdf", "atom10", "atom03", "json"}
    encodings = Counter(feed.encoding for feed in corpus)
    assert all(encodings[e] >= 5 for e in ("utf-16-be", "utf-32-be", "utf-16", "utf-32"))
    assert (
        sum(feed.content_type == "application/json" and feed.kind != "json" for feed in corpus) > 50
    )
    assert (
        sum(item.is_empty for item in items) > 10 and sum(item.title is None for item in items) > 50
    )


def test_a_run_over_the_corpus_accounts_for_every_entry(
    tmp_path: Path, feed_server: FeedServer, corpus: list[FeedFile]
) -> None:
    settings = corpus_settings(tmp_path, corpus, feed_server)
    expected = {item.token: feed for feed in corpus if not feed.is_broken for item in feed.items}
    empties = Counter(feed.name for feed in corpus if not feed.is_broken
                      for item in feed.items if item.is_empty)  # fmt: skip

    (first,) = run(settings, now=NOW).lists
    (second,) = run(settings, now=NOW + timedelta(days=1)).lists

    broken = {feed.name for feed in corpus if feed.is_broken}
    assert {re.match(r"source '([^']+)'", e)[1] for e in first.source_errors} == broken  # type: ignore[index]
    assert first.collected == len(expected) and first.carried == 0
    named = check_accounting(first)
    folded = {
        token(g.title, g.url) for g in first.left_out if g.reason == "folded into another story"
    }
    # The mail shows each item, and under it the others that told its story.
    sent_first, sent_second = (tokens - folded for tokens in edition_tokens(settings))
    # Every entry once: an item of the edition, or left out by name (empty ones by count).
    assert first.articles == MAX_ITEMS == len(sent_first)
    assert sent_first.isdisjoint(named) and max(named.values()) == 1
    empty = {i.token for f in corpus for i in f.items if i.is_empty}
    assert sent_first | set(named) == set(expected) - empty
    failed = Counter(g.source for g in first.left_out if g.reason == "failed")
    assert failed == empties
    reasons = Counter(g.reason for g in first.left_out)
    assert reasons["held for the next edition"] > 1000
    assert reasons["repeated in this run"] > 0 and reasons["folded into another story"] > 0
    # The next edition takes what was held first; nothing is sent twice.
    check_accounting(second)
    assert second.articles == MAX_ITEMS and sent_first.isdisjoint(sent_second)
    held = {
        token(g.title, g.url) for g in first.left_out if g.reason == "held for the next edition"
    }
    assert sent_second <= held
