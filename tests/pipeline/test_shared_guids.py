"""A feed that gives every item one guid: each item is its own article, in this run and later.

A generator that puts the feed's address in every <guid> would otherwise let only the
first item through ("repeated in this run" for the rest) and, once it was sent, every
later item out as "already sent". Real loopback feed, SQLite state and Maildir.
"""

from __future__ import annotations

from pathlib import Path

from tests.feed_helpers import FeedServer
from tests.pipeline.test_accounting import DAY, NOW, config, entry, go, mails, reasons, rss


def test_items_that_share_one_guid_are_each_delivered_once(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    shared = "https://news.example.org/"
    first = [entry(n, guid=shared) for n in (1, 2)]
    url = feed_server.serve("/feed", rss(*first))
    settings = config(tmp_path, {"Feed": url})

    assert go(settings).articles == 2

    feed_server.serve("/feed", rss(entry(3, guid=shared), *first))
    later = go(settings, NOW + DAY)

    assert later.articles == 1
    assert reasons(later) == {e.title: "already sent" for e in first}
    assert entry(3).title in mails(settings)[1]
