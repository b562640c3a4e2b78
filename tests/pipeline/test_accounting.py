"""Every article in, accounted out: what is new by sight, held, passed over, and why.

Real loopback feeds, real SQLite state, real Maildir; each run's report must satisfy
collected + carried = in the edition + left out, and the email must hold every item.
"""

from __future__ import annotations

import json
import mailbox
import random
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from xml.sax.saxutils import escape

from digest.config._load import load_settings
from digest.config._settings import Settings
from digest.pipeline import ListReport, run
from digest.state._migrations import MIGRATIONS
from tests.feed_helpers import FeedServer, Reply

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    link: str = ""
    published: datetime | None = None
    body: str = ""


def words(n: int, count: int = 40) -> str:
    """Sentences of made-up words of their own for n: no two numbers tell one story."""
    rng = random.Random(n)
    made = ["".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3))
            for _ in range(count)]  # fmt: skip
    return " ".join(" ".join(made[i : i + 8]).capitalize() + "." for i in range(0, count, 8))


def entry(n: int, published: datetime | None = NOW - DAY, **kw: str) -> Entry:
    """Entry n: its own title, link and words (so no two are one story)."""
    fields = {
        "guid": f"g{n}",
        "title": f"Story number {n} about topic {n}",
        "link": f"https://news.example.org/{n}",
        "body": f"<p>{words(n)}</p>",
    }
    return Entry(published=published, **{**fields, **kw})


def rss(*entries: Entry) -> Reply:
    items = []
    for e in entries:
        date = (
            f"<pubDate>{e.published:%a, %d %b %Y %H:%M:%S} +0000</pubDate>" if e.published else ""
        )
        items.append(
            f"<item><guid isPermaLink='false'>{escape(e.guid)}</guid>"
            f"<title>{escape(e.title)}</title><link>{escape(e.link)}</link>{date}"
            f"<description>{escape(e.body)}</description></item>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>https://news.example.org/</link>{''.join(items)}</channel></rss>"
    )
    return Reply(body=body.encode(), headers={"Content-Type": "application/rss+xml"})


def config(
    tmp_path: Path, sources: dict[str, str], extra: str = "", source_extra: str = ""
) -> Settings:
    text = f"""
sender = "Briefing <news@example.org>"
transport = "outbox"
[collect]
retries = 0
host_interval = 0
allow_networks = ["127.0.0.0/8"]
[lists.daily]
title = "Daily"
{extra}
[[lists.daily.subscribers]]
email = "ada@example.org"
"""
    for name, url in sources.items():
        text += (
            f'[[lists.daily.sources]]\nname = "{name}"\ntype = "feed"\nurl = "{url}"\n'
            f'full_text = "never"\n{source_extra}\n'
        )
    path = tmp_path / "digest.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ={})


def accounted(report: ListReport) -> ListReport:
    """The report, once its identity is checked: every article in is accounted out."""
    assert report.collected + report.carried == report.articles + len(report.left_out), report
    return report


def go(settings: Settings, now: datetime = NOW) -> ListReport:
    (report,) = run(settings, now=now).lists
    return accounted(report)


def mails(settings: Settings) -> list[str]:
    """The plain-text part of each message in the outbox, oldest first."""
    box = mailbox.Maildir(settings.outbox.path, create=False)
    messages = sorted((message_from_bytes(m.as_bytes(), policy=policy.default) for m in box),
                      key=lambda m: m["Date"].datetime)  # fmt: skip
    texts = []
    for message in messages:
        part = message.get_body(("plain",))
        assert part is not None
        texts.append(" ".join(part.get_content().split()))
    return texts


def reasons(report: ListReport) -> dict[str, str]:
    return {gone.title: gone.reason for gone in report.left_out}


def test_items_without_key_points_are_items_with_title_link_and_first_lines(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    gone = feed_server.url("/gone")  # the teaser's page is a 404: the teaser stays
    entries = (
        Entry("t1", "Title only, nothing else", "https://news.example.org/t1", NOW - DAY),
        Entry("t2", "Teaser of a lost page", gone, NOW - DAY, "<p>The depot opens…</p>"),
        Entry("t3", "No closing stop", "https://news.example.org/t3", NOW - DAY,
              "<p>Harbour works start in spring and last until autumn</p>"),
    )  # fmt: skip
    settings = config(tmp_path, {"Feed": feed_server.serve("/feed", rss(*entries))})
    toml = settings.config_path.read_text().replace('full_text = "never"', 'full_text = "always"')
    settings.config_path.write_text(toml)
    settings = load_settings(settings.config_path, environ={})

    report = go(settings)

    assert (report.articles, report.left_out) == (3, ())
    (text,) = mails(settings)
    for title in ("Title only, nothing else", "Teaser of a lost page", "No closing stop"):
        assert title in text
    assert "The depot opens…" in text
    assert "Harbour works start in spring and last until autumn" in text
    assert "https://news.example.org/t1" in text and gone in text


def test_a_late_item_is_delivered_in_the_next_edition(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/feed", rss(entry(1)))
    settings = config(tmp_path, {"Feed": url})
    assert go(settings).articles == 1
    # Published two days before the first edition, first seen after it (late indexing).
    feed_server.serve("/feed", rss(entry(1), entry(2, published=NOW - 2 * DAY)))

    later = go(settings, NOW + DAY)

    assert later.articles == 1 and reasons(later) == {entry(1).title: "already sent"}
    assert entry(2).title in mails(settings)[1]


def test_a_new_source_brings_its_newest_max_items_and_passes_over_its_archive(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    archive = [entry(n, published=NOW - n * 30 * DAY) for n in range(1, 13)]  # a year back
    url = feed_server.serve("/feed", rss(*archive))
    settings = config(tmp_path, {"Feed": url}, source_extra="max_items = 4")

    first = go(settings)
    second = go(settings, NOW + DAY)

    assert first.articles == 4  # the newest four, whatever their age
    assert first.left_out_summary() == "8 from before the source was added"
    assert [t for t in (e.title for e in archive) if t in mails(settings)[0]] == [
        e.title for e in archive[:4]
    ]
    assert second.articles == 0
    assert second.left_out_summary() == "4 already sent, 8 from before the source was added"
    assert second.note == "nothing new since the last edition; nothing sent"


def test_after_the_baseline_items_older_than_max_age_are_too_old(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/feed", rss(entry(1)))
    settings = config(tmp_path, {"Feed": url}, extra="max_age_hours = 72")
    go(settings)
    # The archive comes back under new guids: old, so not news.
    feed_server.serve("/feed", rss(entry(1), entry(2, published=NOW - 4 * DAY),
                                   entry(3, published=NOW - 2 * DAY)))  # fmt: skip

    report = go(settings, NOW + DAY)

    assert report.articles == 1 and entry(3).title in mails(settings)[1]
    assert reasons(report)[entry(2).title] == "too old"
    assert [g.detail for g in report.left_out if g.reason == "too old"] == [
        "older than max_age_hours (72)"
    ]


def test_what_max_items_leaves_out_goes_into_the_next_edition_oldest_first(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    first_five = [entry(n, published=NOW - n * timedelta(hours=1)) for n in range(1, 6)]
    url = feed_server.serve("/feed", rss(*first_five))
    settings = config(tmp_path, {"Feed": url}, extra="max_items = 3")

    first = go(settings)
    # The feed drops the held ones before the next edition, and has a new one.
    feed_server.serve("/feed", rss(entry(6, published=NOW + timedelta(hours=2)), *first_five[:2]))
    second = go(settings, NOW + DAY)
    third = go(settings, NOW + 2 * DAY)

    assert first.articles == 3 and first.left_out_summary() == "2 held for the next edition"
    assert {entry(4).title, entry(5).title} == {
        t for t, r in reasons(first).items() if r == "held for the next edition"
    }
    assert (second.carried, second.articles) == (2, 3)  # held first: 5 and 4, then 6
    text = mails(settings)[1]
    assert all(entry(n).title in text for n in (4, 5, 6))
    assert second.accounting() == "3 collected (+2 carried over): 3 in the edition, 2 already sent"
    assert (third.carried, third.articles) == (0, 0)


def test_with_carry_over_false_what_max_items_leaves_out_is_gone_and_said_so(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    entries = [entry(n, published=NOW - n * timedelta(hours=1)) for n in range(1, 6)]
    url = feed_server.serve("/feed", rss(*entries))
    settings = config(tmp_path, {"Feed": url}, extra="max_items = 3\ncarry_over = false")

    first = go(settings)
    second = go(settings, NOW + DAY)

    assert first.left_out_summary() == "2 beyond max_items"
    assert {g.detail for g in first.left_out} == {"carry_over = false"}
    assert second.articles == 0
    assert second.left_out_summary() == "3 already sent, 2 beyond max_items"


def test_json_feed_ids_are_unique_only_within_their_feed(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    def feed(site: str) -> Reply:
        document = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": site,
            "items": [{"id": "1", "url": f"https://{site}.example.org/post",
                       "title": f"{site} post",
                       "content_text": f"The {site} team writes about {site} things."}],
        }  # fmt: skip
        return Reply(
            body=json.dumps(document).encode(), headers={"Content-Type": "application/feed+json"}
        )

    urls = {site: feed_server.serve(f"/{site}.json", feed(site)) for site in ("alpha", "beta")}
    settings = config(tmp_path, {"Alpha": urls["alpha"], "Beta": urls["beta"]})

    report = go(settings)

    assert (report.articles, report.left_out) == (2, ())
    assert "alpha post" in mails(settings)[0] and "beta post" in mails(settings)[0]


def test_distinct_guids_on_one_page_stay_distinct_and_a_shared_home_link_names_no_item(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    comments = [
        Entry(f"c{n}", f"Comment {n} by reader{n}", f"https://blog.example.org/post#comment-{n}",
              NOW - n * timedelta(hours=1), f"<p>Reader{n} says word{n} about thing{n}.</p>")
        for n in (1, 2)
    ]  # fmt: skip
    home = [
        Entry(f"h{n}", f"Episode {n} of the show", "https://podcast.example.org/",
              NOW - n * timedelta(hours=1), f"<p>Episode{n} guest{n} talks about subject{n}.</p>")
        for n in (1, 2)
    ]  # fmt: skip
    settings = config(
        tmp_path,
        {
            "Comments": feed_server.serve("/c", rss(*comments)),
            "Show": feed_server.serve("/s", rss(*home)),
        },
    )
    assert go(settings).articles == 4
    new = Entry("h3", "Episode 3 of the show", "https://podcast.example.org/", NOW,
                "<p>Episode3 guest3 talks about subject3.</p>")  # fmt: skip
    feed_server.serve("/s", rss(new))

    report = go(settings, NOW + DAY)

    assert report.articles == 1 and "Episode 3 of the show" in mails(settings)[1]


def test_an_updated_article_is_not_sent_again(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.serve("/feed", rss(entry(1)))
    settings = config(tmp_path, {"Feed": url})
    go(settings)
    feed_server.serve("/feed", rss(entry(1, title="Story number 1, updated", body="<p>New.</p>")))

    report = go(settings, NOW + DAY)

    assert (report.articles, reasons(report)) == (0, {"Story number 1, updated": "already sent"})


def test_the_same_article_from_two_sources_is_one_item_and_the_other_is_folded(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    first = feed_server.serve("/a", rss(entry(1)))
    second = feed_server.serve("/b", rss(entry(1, guid="other-id", title="Same link, other feed")))
    settings = config(tmp_path, {"First": first, "Second": second})

    report = go(settings)

    assert report.articles == 1
    (folded,) = report.left_out
    assert (folded.reason, folded.source) == ("folded into another story", "Second")
    assert folded.detail == f"told by {entry(1).title} [First]"
    assert "Also covered by: - Second: Same link, other feed [2]" in mails(settings)[0]


def test_a_repeated_entry_and_an_empty_one_are_named(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/feed", rss(entry(1), entry(1), Entry("", "")))
    settings = config(tmp_path, {"Feed": url})

    report = go(settings)

    assert report.articles == 1
    assert sorted((g.reason, g.detail) for g in report.left_out) == [
        ("failed", "an empty entry: no title, link or text"),
        ("repeated in this run", ""),
    ]


def test_articles_a_list_sent_before_the_upgrade_stay_sent(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    settings = config(tmp_path, {"Feed": feed_server.serve("/feed", rss(entry(1), entry(2)))})
    settings.state_path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(settings.state_path, isolation_level=None)) as db:
        db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY)")
        for migration in MIGRATIONS[:4]:  # the schema before 0005_intake
            migration.apply(db)
            db.execute("INSERT INTO _migrations VALUES (?)", (migration.name,))
        db.execute("INSERT INTO seen VALUES ('daily', 'g1', '2026-11-20T00:00:00+00:00')")
        db.execute(
            "INSERT INTO known_sources VALUES ('daily', 'Feed', '2026-11-20T00:00:00+00:00')"
        )

    report = go(settings)

    assert report.articles == 1 and reasons(report) == {entry(1).title: "already sent"}


def test_an_upgrade_takes_the_baseline_the_old_rule_implied_then_goes_by_sight(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # A list that ran before newness went by sight: its last edition (NOW - 2 days) sent
    # the two newest items; two older ones were skipped as older than its window.
    entries = [entry(n, published=NOW - n * DAY) for n in (3, 4, 5, 6)]
    url = feed_server.serve("/feed", rss(entry(1, published=NOW - DAY / 2), *entries))
    settings = config(tmp_path, {"Feed": url})
    settings.state_path.parent.mkdir(parents=True, exist_ok=True)
    last = (NOW - 2 * DAY).isoformat()
    with closing(sqlite3.connect(settings.state_path, isolation_level=None)) as db:
        db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY)")
        for migration in MIGRATIONS[:4]:
            migration.apply(db)
            db.execute("INSERT INTO _migrations VALUES (?)", (migration.name,))
        db.execute("INSERT INTO editions (list_name, created, articles, payload, guids, finished)"
                   " VALUES ('daily', ?, 2, x'', '[]', ?)", (last, last))  # fmt: skip
        db.executemany("INSERT INTO seen VALUES ('daily', ?, ?)", [("g3", last), ("g4", last)])
        db.execute("INSERT INTO known_sources VALUES ('daily', 'Feed', ?)", (last,))

    upgrade = go(settings)
    # A late item, dated before that edition but first seen after the upgrade: new.
    feed_server.serve("/feed", rss(entry(7, published=NOW - 3 * DAY), entry(1), *entries))
    later = go(settings, NOW + DAY)

    assert upgrade.articles == 1 and entry(1).title in mails(settings)[0]
    assert upgrade.left_out_summary() == "2 already sent, 2 from before the source was added"
    assert {g.detail for g in upgrade.left_out if g.reason != "already sent"} == {
        "not new by the rule before this version"
    }
    assert later.articles == 1 and entry(7).title in mails(settings)[1]
    assert later.left_out_summary() == "3 already sent, 2 from before the source was added"
