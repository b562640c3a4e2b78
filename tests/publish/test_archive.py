"""Tests for digest.archive: edition pages, index, Atom feed, and the pipeline's use of them."""

from __future__ import annotations

import email
import mailbox
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
import pytest

from digest.config._load import load_settings
from digest.config._settings import ListSettings, Settings
from digest.errors import ConfigError
from digest.models import Article, Edition, Summary
from digest.pipeline import run
from digest.pipeline._publish import render_edition
from digest.publish import links
from digest.publish._archive import edition_url, write_archive
from digest.render import public_html

from ..conftest import ROOT

NOW = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"


def _settings(tmp_path: Path, **changes: object) -> tuple[Settings, ListSettings]:
    lst = ListSettings(name="daily", title="Morning Briefing", description="News & notes.")
    values: dict[str, object] = {
        "config_path": tmp_path / "digest.toml",
        "sender": "Morning Briefing <digest@example.org>",
        "reply_to": "Editors <editors@example.org>",
        "state_path": tmp_path / "state.db",
        "timezone": "Europe/Berlin",
        "archive_dir": tmp_path / "archive",
        "lists": (lst,),
    }
    values.update(changes)
    return Settings.model_validate(values), lst


def _edition(when: datetime, *titles: str) -> Edition:
    summaries = tuple(
        Summary(
            Article(
                source="Example News",
                url=f"https://news.example.org/{n}",
                guid=str(n),
                title=title,
                published=when - timedelta(hours=1),
                text="Some words. " * 100,
            ),
            (f"A key point about {title}.",),
        )
        for n, title in enumerate(titles)
    )
    return Edition("daily", "Morning Briefing", when, "Europe/Berlin", summaries)


def _archive(settings: Settings, lst: ListSettings, edition: Edition) -> Path:
    return publish_edition(edition, settings, lst)


def test_edition_page_is_the_email_without_its_reader(tmp_path: Path) -> None:
    settings, lst = _settings(tmp_path)
    edition = _edition(NOW, "Bridge reopens", "Rain & <wind> ahead")
    page = _archive(settings, lst, edition)
    assert page == tmp_path / "archive" / "daily" / "2025-03-03-070000.html"
    assert edition_url(edition, settings, lst) == (
        "https://digest.example.org/archive/daily/2025-03-03-070000.html"
    )
    html = page.read_text(encoding="utf-8")
    assert "__digest_" not in html
    doc = lxml.html.fromstring(html)
    assert [h.text_content() for h in doc.xpath("//h2")] == [
        "Bridge reopens",
        "Rain & <wind> ahead",
    ]
    assert doc.xpath("//p[@class='greeting']")[0].text_content() == "Hello,"
    assert "because your address is subscribed" in doc.text_content()
    index = "https://digest.example.org/archive/daily/index.html"
    [unsubscribe] = doc.xpath("//a[text()='Unsubscribe']/@href")
    assert unsubscribe == index + "#subscription"  # nobody's one-click link
    assert doc.xpath("//a[text()='View in browser']/@href") == [edition_url(edition, settings, lst)]
    assert page.stat().st_mode & 0o777 == 0o644
    assert not [p.name for p in page.parent.iterdir() if p.name.endswith(".tmp")]


def test_index_and_feed_list_every_edition_newest_first(tmp_path: Path) -> None:
    settings, lst = _settings(tmp_path)
    first = _edition(NOW, "Bridge reopens")
    second = _edition(NOW + timedelta(days=1), "Tram line approved", "Library hours")
    _archive(settings, lst, second)  # written out of order on purpose
    _archive(settings, lst, first)
    _archive(settings, lst, first)  # again: replaces, never duplicates
    folder = tmp_path / "archive" / "daily"
    assert sorted(p.name for p in folder.iterdir()) == [
        "2025-03-03-070000.html",
        "2025-03-04-070000.html",
        "editions.json",
        "feed.xml",
        "index.html",
    ]
    index = lxml.html.fromstring((folder / "index.html").read_text(encoding="utf-8"))
    assert index.xpath("//ol/li/a/@href") == ["2025-03-04-070000.html", "2025-03-03-070000.html"]
    assert "Tram line approved · Library hours" in index.text_content()
    assert index.xpath("//*[@id='subscription']")
    assert index.xpath("//a[starts-with(@href, 'mailto:')]/@href") == ["mailto:editors@example.org"]
    assert index.xpath("//link[@type='application/atom+xml']/@href") == ["feed.xml"]

    data = (folder / "feed.xml").read_bytes()
    feed = lxml.etree.fromstring(data)
    base = "https://digest.example.org/archive/daily/"
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == base
    assert feed.findtext(f"{ATOM}updated") == "2025-03-04T07:00:00+01:00"
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == base + "feed.xml"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        base + "2025-03-04-070000.html",
        base + "2025-03-03-070000.html",
    ]
    for entry in entries:
        assert entry.findtext(f"{ATOM}title").endswith(" — Morning Briefing")
        assert entry.findtext(f"{ATOM}updated")
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == entry.findtext(
            f"{ATOM}id"
        )
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert parsed.version == "atom10"
    assert [e.link for e in parsed.entries] == [e.findtext(f"{ATOM}id") for e in entries]
    assert "<li>Library hours</li>" in parsed.entries[0].summary


def test_archive_url_and_damaged_manifest(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings, lst = _settings(tmp_path, archive_url="https://static.example.net/briefing/")
    folder = tmp_path / "archive" / "daily"
    folder.mkdir(parents=True)
    (folder / "editions.json").write_text("{not json", encoding="utf-8")
    _archive(settings, lst, _edition(NOW, "Bridge reopens"))
    assert "editions.json is damaged" in caplog.text
    feed = lxml.etree.fromstring((folder / "feed.xml").read_bytes())
    assert feed.findtext(f"{ATOM}entry/{ATOM}id") == (
        "https://static.example.net/briefing/daily/2025-03-03-070000.html"
    )


def test_unwritable_archive_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "archive").write_text("a file, not a folder")
    settings, lst = _settings(tmp_path)
    with pytest.raises(ConfigError, match=r"^archive_dir: cannot write .*archive/daily"):
        _archive(settings, lst, _edition(NOW, "Bridge reopens"))


def test_config_archive_keys(tmp_path: Path) -> None:
    config = tmp_path / "conf" / "digest.toml"
    config.parent.mkdir()
    head = 'sender = "d@example.org"\nbase_url = "https://news.example.org/"\n'
    config.write_text(head + '[lists.daily]\ntitle = "D"\n')
    settings = load_settings(config, environ={})
    assert settings.archive_dir == tmp_path / "conf" / "archive"
    assert settings.public_archive_url() == "https://news.example.org/archive"
    config.write_text(
        head + 'archive_dir = "../www"\narchive_url = "/archive"\n[lists.d]\ntitle="D"'
    )
    with pytest.raises(ConfigError, match=r"archive_url: '/archive' is not an absolute http\(s\)"):
        load_settings(config, environ={})
    config.write_text(head + 'archive_dir = "../www"\n[lists.d]\ntitle="D"')
    assert load_settings(config, environ={}).archive_dir == tmp_path / "www"


def test_a_run_archives_its_edition_where_the_email_links(tmp_path: Path) -> None:
    shutil.copy(ROOT / "config" / "sources" / "feed.xml", tmp_path / "feed.xml")
    (tmp_path / "digest.toml").write_text(
        """
sender = "Briefing <news@example.org>"
archive_dir = "public"
archive_url = "https://example.org/briefings"
[lists.daily]
title = "Daily"
window_hours = 168
[[lists.daily.subscribers]]
email = "ada@example.org"
name = "Ada"
[[lists.daily.sources]]
name = "Regional"
type = "feed"
url = "feed.xml"
""",
        encoding="utf-8",
    )
    settings = load_settings(tmp_path / "digest.toml", environ={})
    report = run(settings, now=datetime(2026, 11, 27, 6, 0, tzinfo=UTC))
    assert report.lists[0].sent == 1
    [message] = mailbox.Maildir(settings.outbox.path, create=False)
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    html = parsed.get_body(("html",))
    assert html is not None
    doc = lxml.html.fromstring(html.get_content())
    [link] = doc.xpath("//a[text()='View in browser']/@href")
    assert link == "https://example.org/briefings/daily/2026-11-27-060000.html"
    page = tmp_path / "public" / link.removeprefix("https://example.org/briefings/")
    archived = page.read_text(encoding="utf-8")
    assert "ada@example.org" not in archived and "Ada" not in archived
    assert [h.text_content() for h in lxml.html.fromstring(archived).xpath("//h2")] == [
        h.text_content() for h in doc.xpath("//h2")
    ]
    assert (tmp_path / "public" / "daily" / "feed.xml").is_file()


def test_archived_links_lose_tracking_parameters(tmp_path: Path) -> None:
    settings, lst = _settings(tmp_path)
    edition = _edition(NOW, "Bridge reopens", "Tram line approved")
    tracked = tuple(
        replace(s, article=replace(s.article, url=s.article.url + "?utm_source=rss&id=1#more"))
        for s in edition.summaries
    )
    page = _archive(settings, lst, replace(edition, summaries=tracked))
    doc = lxml.html.fromstring(page.read_text(encoding="utf-8"))
    assert doc.xpath("//h2/a/@href") == [
        "https://news.example.org/0?id=1#more",
        "https://news.example.org/1?id=1#more",
    ]
    for name in ("index.html", "feed.xml", "editions.json", page.name):
        assert "utm_" not in (page.parent / name).read_text(encoding="utf-8"), name


def test_archived_table_of_contents_jumps_to_its_items(tmp_path: Path) -> None:
    settings, lst = _settings(tmp_path)
    titles = ("Bridge reopens", "Tram line approved", "Library hours", "New park", "Rain")
    page = _archive(settings, lst, _edition(NOW, *titles))
    doc = lxml.html.fromstring(page.read_text(encoding="utf-8"))
    hrefs = doc.xpath("//ol[@class='toc-list']/li/a/@href")
    assert hrefs == [f"#item-{n}" for n in range(1, 6)]
    for number, (href, title) in enumerate(zip(hrefs, titles, strict=True), start=1):
        [target] = doc.xpath(f"//*[@id='{href[1:]}']")
        assert target.getparent().xpath(".//h2")[0].text_content() == f"{number}. {title}"


def publish_edition(edition: Edition, settings: Settings, lst: ListSettings) -> Path:
    """Render an edition and write it to the archive, as the pipeline does (errors raised)."""
    rendered = render_edition(edition, settings, lst)
    page = public_html(rendered, manage_url=links(edition, settings, lst).manage_url)
    return write_archive(edition, rendered.subject, page, settings, lst)
