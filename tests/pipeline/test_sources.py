"""`digest sources import|list|test`, through CliRunner, against real files and servers."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from digest.cli import cli
from digest.config._load import load_settings
from digest.pipeline import import_opml, run
from digest.subscribers import edit_lock
from tests.feed_helpers import FeedServer, Reply

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
CONFIG = """\
# The team's digest. Keep this comment!
sender = "Briefing <news@example.org>"

[collect]
timeout = 0.5
retries = 0
host_interval = 0
allow_networks = ["127.0.0.0/8"]

[lists.daily]
title = "Daily"   # shown in the subject
window_hours = 168

[[lists.daily.subscribers]]
email = "ada@example.org"

# Feeds we read every morning.
[[lists.daily.sources]]
name = "Regional"
type = "feed"
url = "https://example.org/feed.xml"

[lists.weekly]
title = "Weekly"
# No sources yet.
"""
OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My feeds</title></head><body>
  <outline text="News">
    <outline type="rss" text="Regional" title="Regional"
             xmlUrl="https://EXAMPLE.org/feed.xml?utm_source=reader"/>
    <outline type="rss" text="City Hall" xmlUrl="https://city.example.org/rss"/>
  </outline>
  <outline text="Tech">
    <outline type="rss" title="Regional" xmlUrl="https://other.example.org/regional.xml"/>
    <outline type="rss" text="City Hall again" xmlUrl="https://city.example.org/rss#x"/>
    <outline type="rss" xmlURL="http://no-title.example.net/atom"/>
    <outline type="rss" text="Sneaky" xmlUrl="javascript:alert(1)"/>
    <outline type="link" text="Just a link" url="https://example.org/"/>
  </outline>
</body></opml>
"""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "digest.toml"
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o640)
    return path


def opml(tmp_path: Path, text: str = OPML) -> Path:
    path = tmp_path / "feeds.opml"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_appends_new_feeds_and_keeps_the_file_as_written(
    tmp_path: Path, config: Path
) -> None:
    result = invoke(
        "sources", "import", str(opml(tmp_path)), "--list", "daily", "--config", str(config)
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "added: City Hall",
        "added: Regional (2)",
        "added: no-title.example.net",
        "skipped: Regional (https://EXAMPLE.org/feed.xml?utm_source=reader): "
        "already in the list as 'Regional'",
        "skipped: City Hall again (https://city.example.org/rss#x): "
        "already in the list as 'City Hall'",
        "skipped: Sneaky (javascript:alert(1)): not an http(s) URL",
        f"daily: 3 added, 3 skipped; {config} updated.",
    ]
    text = config.read_text(encoding="utf-8")
    assert text.startswith(CONFIG.split("[lists.weekly]")[0])  # comments and layout kept
    assert text.endswith('[lists.weekly]\ntitle = "Weekly"\n# No sources yet.\n')
    assert '\n\n[[lists.daily.sources]]\nname = "Regional (2)"\ntype = "feed"\n' in text
    assert 'url = "http://no-title.example.net/atom"\n\n[lists.weekly]' in text
    assert "\n\n\n" not in text
    settings = load_settings(config, environ={})
    daily, weekly = settings.lists
    assert [(s.name, s.kind, s.url) for s in daily.sources] == [
        ("Regional", "feed", "https://example.org/feed.xml"),
        ("City Hall", "feed", "https://city.example.org/rss"),
        ("Regional (2)", "feed", "https://other.example.org/regional.xml"),
        ("no-title.example.net", "feed", "http://no-title.example.net/atom"),
    ]
    assert weekly.sources == ()
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    left = sorted(os.listdir(tmp_path))
    assert left == [".digest.toml.lock", "digest.toml", "feeds.opml"]  # no temporary left

    again = invoke(
        "sources", "import", str(opml(tmp_path)), "--list", "daily", "--config", str(config)
    )
    assert again.output.endswith("daily: 0 added, 6 skipped.\n")
    assert config.read_text(encoding="utf-8") == text


def test_import_waits_for_the_edit_lock_of_the_config(tmp_path: Path, config: Path) -> None:
    settings = load_settings(config, environ={})
    feeds = opml(tmp_path)
    done = threading.Event()

    def importing() -> None:
        import_opml(settings, feeds, "daily")
        done.set()

    with edit_lock(config):  # as a subscriber edit or the unsubscribe endpoint holds it
        worker = threading.Thread(target=importing)
        worker.start()
        time.sleep(0.3)  # a timed Event.wait never times out under libfaketime
        assert not done.is_set()
        assert config.read_text(encoding="utf-8") == CONFIG
    worker.join(10)
    assert done.is_set() and 'name = "City Hall"' in config.read_text(encoding="utf-8")


def test_import_into_a_list_without_sources(tmp_path: Path, config: Path) -> None:
    result = invoke(
        "sources", "import", str(opml(tmp_path)), "--list", "weekly", "--config", str(config)
    )
    assert "weekly: 4 added, 2 skipped" in result.output
    text = config.read_text(encoding="utf-8")
    assert '# No sources yet.\n\n[[lists.weekly.sources]]\nname = "Regional"\n' in text
    assert "\n\n\n" not in text
    weekly = load_settings(config, environ={}).lists[1]
    assert [s.name for s in weekly.sources] == [
        "Regional",
        "City Hall",
        "Regional (2)",
        "no-title.example.net",
    ]


@pytest.mark.parametrize(
    ("args", "text", "message"),
    [
        ((), OPML, "has several lists (daily, weekly); say which one."),
        (("--list", "monthly"), OPML, "no list named 'monthly'"),
        (("--list", "daily"), "<opml><body><outline", "not a well-formed OPML file"),
        (
            ("--list", "daily"),
            "<rss version='2.0'/>",
            "not an OPML file (the root element is <rss>)",
        ),
        (
            ("--list", "daily"),
            '<!DOCTYPE opml [<!ENTITY a "aaaa">]><opml><body/></opml>',
            "declares a DOCTYPE or entities; refusing to read it.",
        ),
    ],
    ids=["no-list", "unknown-list", "malformed", "not-opml", "entities"],
)
def test_import_refusals_are_usage_errors_and_change_nothing(
    tmp_path: Path, config: Path, args: tuple[str, ...], text: str, message: str
) -> None:
    result = invoke("sources", "import", str(opml(tmp_path, text)), *args, "--config", str(config))
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output
    assert config.read_text(encoding="utf-8") == CONFIG


def point_at(config: Path, server: FeedServer) -> None:
    """Make the config's feed a loopback one, and add a failing source."""
    text = config.read_text(encoding="utf-8").replace(
        "https://example.org/feed.xml", server.url("/feed.xml")
    )
    text += (
        f'\n[[lists.daily.sources]]\nname = "Broken"\ntype = "feed"\nurl = "{server.url("/500")}"\n'
    )
    config.write_text(text.replace('title = "Weekly"', 'title = "Weekly"\n'), encoding="utf-8")


RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    + "".join(
        f"<item><guid>g{n}</guid><title>Item {n}</title><link>https://example.org/{n}</link>"
        f"<pubDate>Thu, 26 Nov 2026 0{n}:00:00 +0000</pubDate><description>"
        + f"Story {n} has its own words, enough of them to be a whole article. " * 30
        + "</description></item>"
        for n in range(3)
    )
    + "</channel></rss>"
)


def test_list_shows_each_source_with_its_last_fetch(
    tmp_path: Path, config: Path, feed_server: FeedServer
) -> None:
    feed_server.serve_feed("/feed.xml", RSS)
    feed_server.serve("/500", Reply(status=500))
    point_at(config, feed_server)
    before = invoke("sources", "list", "--config", str(config))
    assert before.output.splitlines() == [
        f"daily/Regional (feed {feed_server.url('/feed.xml')})",
        "  last fetch: never",
        f"daily/Broken (feed {feed_server.url('/500')})",
        "  last fetch: never",
    ]
    run(load_settings(config, environ={}), now=NOW)
    after = invoke("sources", "list", "--list", "daily", "--config", str(config))
    assert after.output.splitlines() == [
        f"daily/Regional (feed {feed_server.url('/feed.xml')})",
        "  last fetch: 2026-11-27 06:00 UTC, 3 items",
        f"daily/Broken (feed {feed_server.url('/500')})",
        "  last fetch: 2026-11-27 06:00 UTC, 0 items",
        f"  error: source 'Broken' ({feed_server.url('/500')}): "
        "the server answered HTTP 500 Internal Server Error",
    ]


def test_test_fetches_now_and_records_nothing(
    tmp_path: Path, config: Path, feed_server: FeedServer
) -> None:
    feed_server.serve(
        "/feed.xml",
        Reply(body=RSS.encode(), headers={"Content-Type": "application/rss+xml", "ETag": '"1"'}),
    )
    feed_server.serve("/500", Reply(status=500))
    point_at(config, feed_server)
    result = invoke("sources", "test", "--config", str(config))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "daily/Regional: 3 items, 3 for the next edition",
        f"daily/Broken: error: source 'Broken' ({feed_server.url('/500')}): "
        "the server answered HTTP 500 Internal Server Error",
    ]
    state = load_settings(config, environ={}).state_path
    if state.exists():
        with closing(sqlite3.connect(state)) as db:
            for table in ("seen", "validators", "source_fetches"):
                assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)
    assert [r.path for r in feed_server.requests] == ["/feed.xml", "/500"]  # no full-text pages
    assert invoke("sources", "test", "--config", str(config)).exit_code == 1
    assert "if-none-match" not in feed_server.requests_for("/feed.xml")[1].headers


def test_test_of_healthy_sources_exits_0(
    tmp_path: Path, config: Path, feed_server: FeedServer
) -> None:
    feed_server.serve_feed("/feed.xml", RSS)
    config.write_text(
        CONFIG.replace("https://example.org/feed.xml", feed_server.url("/feed.xml")), "utf-8"
    )
    result = invoke("sources", "test", "--list", "daily", "--config", str(config))
    assert (result.exit_code, result.output) == (
        0,
        "daily/Regional: 3 items, 3 for the next edition\n",
    )


def test_test_says_how_many_items_would_make_the_next_edition(
    tmp_path: Path, config: Path, feed_server: FeedServer
) -> None:
    feed_server.serve_feed("/feed.xml", RSS)
    config.write_text(
        CONFIG.replace("https://example.org/feed.xml", feed_server.url("/feed.xml")), "utf-8"
    )
    run(load_settings(config, environ={}), now=NOW, list_name="daily")
    late = RSS.replace(
        "<channel><title>t</title>",
        "<channel><title>t</title>"
        "<item><guid>late</guid><title>Late</title><link>https://example.org/late</link>"
        "<pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate><description>Late.</description></item>",
    )
    feed_server.serve_feed("/feed.xml", late)

    result = invoke("sources", "test", "--list", "daily", "--config", str(config))

    # The three are sent; the late one (dated before that edition, first seen now) is new.
    assert result.output == "daily/Regional: 4 items, 1 for the next edition\n"
