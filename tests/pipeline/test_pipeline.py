"""End to end: config → collect → extract → summarize → render → send, with real parts."""

from __future__ import annotations

import email
import mailbox
import shutil
from collections import Counter
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest

from digest.config._load import load_settings
from digest.config._settings import MAX_HOURS, Settings
from digest.models import Message
from digest.pipeline import preview, run
from digest.send._send import OutboxSender

from ..conftest import ROOT
from ..feed_helpers import FeedServer, Reply
from ..smtp_helpers import SmtpSink

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
SAMPLE_FEED = (ROOT / "config" / "sources" / "feed.xml").read_bytes()
RSS = Reply(body=SAMPLE_FEED, headers={"Content-Type": "application/rss+xml"})
READERS = ("ada@example.org", "bob@example.org", "cem@example.org")


def make_config(
    tmp_path: Path, feed_url: str, transport: str = "outbox", port: int = 0
) -> Settings:
    """A one-list config: the sample notes folder and a feed, three readers."""
    shutil.copytree(ROOT / "config" / "sources" / "notes", tmp_path / "notes")
    (tmp_path / "readers.csv").write_text(
        "email,name\nbob@example.org,Bob\ncem@example.org,Cem Çelik\n", encoding="utf-8"
    )
    (tmp_path / "digest.toml").write_text(
        f"""
sender = "Briefing <news@example.org>"
transport = "{transport}"
[smtp]
host = "127.0.0.1"
port = {port or 25}
security = "none"
timeout = 5
[collect]
allow_networks = ["127.0.0.0/8"]  # the test feed server is on loopback
[lists.daily]
title = "Daily"
window_hours = 168
subscribers_file = "readers.csv"
[[lists.daily.subscribers]]
email = "ada@example.org"
name = "Ada"
[[lists.daily.sources]]
name = "Notes"
type = "folder"
path = "notes"
[[lists.daily.sources]]
name = "Regional"
type = "feed"
url = "{feed_url}"
""",
        encoding="utf-8",
    )
    return load_settings(tmp_path / "digest.toml", environ={})


def outbox_copies(settings: Settings) -> Counter[str]:
    box = mailbox.Maildir(settings.outbox.path, create=False)
    return Counter(str(message["To"]).split("<")[-1].rstrip(">") for message in box)


def test_run_over_smtp_sends_each_reader_one_multipart_edition(
    tmp_path, feed_server: FeedServer, smtp_server: SmtpSink
):
    url = feed_server.serve("/feed.xml", RSS)
    settings = make_config(tmp_path, url, "smtp", smtp_server.port)

    report = run(settings, now=NOW)

    (item,) = report.lists
    assert (item.articles, item.sent, item.failed, item.pending) == (7, 3, 0, 0)
    assert not report.has_failures
    assert sorted(rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos) == sorted(READERS)
    assert smtp_server.connections == 1
    message = email.message_from_bytes(smtp_server.messages[0].data, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    for header in ("Message-ID", "Date", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert message[header], header
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Valley towns agree on a shared night bus service" in text
    assert "Riverton" in text


def test_second_run_sends_nothing_new_and_says_so(tmp_path, feed_server: FeedServer):
    url = feed_server.serve("/feed.xml", RSS)
    settings = make_config(tmp_path, url)
    assert run(settings, now=NOW).lists[0].sent == 3

    again = run(settings, now=NOW).lists[0]

    assert (again.articles, again.sent) == (0, 0)
    assert "nothing new" in again.note
    assert outbox_copies(settings) == Counter(dict.fromkeys(READERS, 1))


def test_a_broken_feed_does_not_stop_the_run(tmp_path, feed_server: FeedServer):
    url = feed_server.serve("/feed.xml", Reply(status=404))
    settings = make_config(tmp_path, url)

    report = run(settings, now=NOW)

    item = report.lists[0]
    assert item.articles == 3 and item.sent == 3
    assert report.has_failures
    assert "Regional" in item.source_errors[0] and "404" in item.source_errors[0]


def test_refused_address_fails_alone_and_is_not_retried(
    tmp_path, feed_server: FeedServer, smtp_server: SmtpSink
):
    url = feed_server.serve("/feed.xml", RSS)
    settings = make_config(tmp_path, url, "smtp", smtp_server.port)
    smtp_server.reject("bob@example.org")

    item = run(settings, now=NOW).lists[0]

    assert (item.sent, item.failed) == (2, 1)
    assert "bob@example.org" in item.delivery_errors[0]
    assert run(settings, now=NOW).lists[0].sent == 0
    received = [rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos]
    assert sorted(received) == ["ada@example.org", "cem@example.org"]


class CrashingSender:
    """Writes real Maildir messages, then dies like a killed process after `limit`."""

    def __init__(self, path: Path, limit: int) -> None:
        self.outbox = OutboxSender(path)
        self.limit = limit

    def send(self, message: Message) -> None:
        if self.limit == 0:
            raise KeyboardInterrupt
        self.limit -= 1
        self.outbox.send(message)


def test_crash_mid_send_is_resumed_without_duplicates(tmp_path, feed_server: FeedServer):
    url = feed_server.serve("/feed.xml", RSS)
    settings = make_config(tmp_path, url)
    with pytest.raises(KeyboardInterrupt):
        run(settings, now=NOW, sender=CrashingSender(settings.outbox.path, limit=1))
    assert sum(outbox_copies(settings).values()) == 1

    report = run(settings, now=NOW).lists[0]

    assert "resumed edition 1: sent 2" in report.note
    assert outbox_copies(settings) == Counter(dict.fromkeys(READERS, 1))


def test_dry_run_sends_and_records_nothing(tmp_path, feed_server: FeedServer):
    url = feed_server.serve("/feed.xml", RSS)
    settings = make_config(tmp_path, url)

    dry = run(settings, now=NOW, is_dry_run=True).lists[0]

    assert dry.sent == 0 and "would send 7 items to 3" in dry.note
    assert not settings.outbox.path.exists() or not outbox_copies(settings)
    assert run(settings, now=NOW).lists[0].sent == 3


def test_preview_renders_without_sending(tmp_path, feed_server: FeedServer):
    url = feed_server.serve("/feed.xml", RSS)
    settings = make_config(tmp_path, url)

    (result,) = preview(settings, now=NOW)

    assert result.articles == 7
    assert "Valley towns" in result.html and "Valley towns" in result.text
    assert "__digest_" not in result.html + result.text
    assert "Hi Ada," in result.text
    assert not settings.outbox.path.exists()
    assert run(settings, now=NOW).lists[0].sent == 3


LATER = datetime(2031, 6, 1, 8, 0, tzinfo=UTC)
"""Years after the sample feed's items (23 to 26 Nov 2026)."""


def test_a_sources_first_fetch_brings_its_newest_items_whatever_their_age(
    tmp_path, feed_server: FeedServer
):
    settings = make_config(tmp_path, feed_server.serve("/feed.xml", RSS))

    first = run(settings, now=LATER).lists[0]

    assert (first.articles, first.sent, first.collected) == (7, 3, 7)
    assert first.left_out == ()


def test_after_the_first_fetch_old_items_are_left_out_and_the_run_says_why(
    tmp_path, feed_server: FeedServer
):
    feed = feed_server.serve("/feed.xml", Reply(body=b"<rss version='2.0'><channel/></rss>"), RSS)
    settings = make_config(tmp_path, feed)
    first = run(settings, now=LATER).lists[0]  # the feed is empty: now it is known
    assert first.articles == 3  # the notes

    second = run(settings, now=LATER).lists[0]  # the feed's items are 4½ years old

    assert (second.articles, second.sent) == (0, 0)
    assert second.left_out_summary() == "3 already sent, 4 too old"
    assert second.note == "nothing to send (3 already sent, 4 too old)"
    assert second.accounting() == "7 collected: 0 in the edition, 3 already sent, 4 too old"
    assert {gone.title for gone in second.left_out if gone.reason != "already sent"} == {
        "Valley towns agree on a shared night bus service",
        "School kitchens switch to regional produce",
        "Old tram depot to become a neighbourhood workshop",
        "Volunteers count record number of wintering birds at the reservoir",
    }


def test_a_source_added_later_brings_its_newest_items_once(tmp_path, feed_server: FeedServer):
    settings = make_config(tmp_path, feed_server.serve("/feed.xml", RSS))
    toml = settings.config_path.read_text(encoding="utf-8")
    notes_only = toml[: toml.index('[[lists.daily.sources]]\nname = "Regional"')]
    settings.config_path.write_text(notes_only, encoding="utf-8")
    assert run(load_settings(settings.config_path, environ={}), now=LATER).lists[0].articles == 3

    settings.config_path.write_text(toml, encoding="utf-8")  # the admin adds the feed
    added = run(settings, now=LATER).lists[0]
    again = run(settings, now=LATER).lists[0]

    assert (added.articles, added.left_out_summary()) == (4, "3 already sent")
    assert (again.articles, again.note) == (0, "nothing new since the last edition; nothing sent")


def test_an_empty_first_run_says_no_source_gave_anything(tmp_path, feed_server: FeedServer):
    empty = Reply(body=b"<rss version='2.0'><channel/></rss>")
    settings = make_config(tmp_path, feed_server.serve("/feed.xml", empty))
    for note in (tmp_path / "notes").iterdir():
        note.unlink()

    item = run(settings, now=NOW).lists[0]

    assert item.note == "no source has given an article yet; nothing sent"


@pytest.mark.parametrize("hours", [MAX_HOURS, 1e12, float("inf")])
def test_a_window_past_what_datetime_holds_takes_everything_instead_of_overflowing(
    tmp_path, feed_server: FeedServer, hours
):
    url = feed_server.serve("/feed.xml", RSS)
    settings = make_config(tmp_path, url)
    # Past the config's limit only for Settings made in code; near year 1 even the limit overflows.
    long = settings.model_copy(
        update={"lists": (settings.lists[0].model_copy(update={"window_hours": hours}),)}
    )
    early = datetime(50, 1, 1, tzinfo=UTC) if hours == MAX_HOURS else NOW

    report = run(long, now=early)

    assert report.lists[0].sent == 3
