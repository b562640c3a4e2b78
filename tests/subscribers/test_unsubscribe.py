"""One-click unsubscribe: tokens, headers and links, the HTTP endpoint, the next run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.config._load import load_settings
from digest.config._settings import Settings
from digest.models import STATUSES
from digest.pipeline import run
from digest.pipeline._subscribers import unsubscribe_endpoint
from digest.state import StateStore
from digest.subscribers._endpoint import EndpointServer
from digest.subscribers._subscribers import iter_subscribers
from digest.subscribers._tokens import make_token, read_token, unsubscribe_url

from ..conftest import ROOT
from ..subscriber_helpers import NOW, body, delivered, https_link, make_config, write_notes


@pytest.fixture(autouse=True)
def _key_from_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """The HMAC key comes from the state file unless the environment names one."""
    monkeypatch.delenv("DIGEST_UNSUBSCRIBE_KEY", raising=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The test list: Ada and Bob inline; Lin, and Cem (plain text only), in the CSV."""
    return make_config(tmp_path, "lin@example.org,Lin,,,\ncem@example.org,Cem,,,text\n")


@pytest.fixture
def server(settings: Settings) -> Iterator[EndpointServer]:
    started = unsubscribe_endpoint(settings, "127.0.0.1", 0, lambda: NOW).start()
    try:
        yield started
    finally:
        started.close()


def endpoint(server: EndpointServer, link: str) -> str:
    """The link of a message, pointed at the test server instead of the public host."""
    assert link.startswith("https://news.example.org/u/")
    return server.url + link.removeprefix("https://news.example.org")


def one_click(url: str) -> httpx.Response:
    return httpx.post(
        url,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_tokens_name_list_and_address_and_cannot_be_forged():
    token = make_token(b"key", "daily", "Ada@Example.org")

    assert read_token(b"key", token) == ("daily", "ada@example.org")
    assert read_token(b"other key", token) is None
    mac = token.split(".")[1]
    other = make_token(b"key", "daily", "bob@example.org").split(".")[0]
    assert read_token(b"key", f"{other}.{mac}") is None
    assert read_token(b"key", "garbage") is None
    assert read_token(b"key", "a.b.c") is None
    url = unsubscribe_url("https://h.example/", b"key", "daily", "ada@example.org")
    assert url == f"https://h.example/u/{token}"


def test_every_message_carries_one_click_headers_and_visible_links(settings):
    report = run(settings, now=NOW)
    assert report.lists[0].sent == 4
    with StateStore(settings.state_path) as store:
        key = store.secret("unsubscribe")

    for address, (message,) in delivered(settings).items():
        header = " ".join(str(message["List-Unsubscribe"]).split())
        link = https_link(message)
        assert header == (f"<{link}>, <mailto:news+unsubscribe@example.org?subject=unsubscribe>"), (
            address
        )
        assert read_token(key, link.rsplit("/u/", 1)[1]) == ("daily", address)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert link in body(message, "plain")
        if address == "cem@example.org":  # format = text: plain text only
            assert message.get_content_type() == "text/plain"
        else:
            assert message.get_content_type() == "multipart/alternative"
            assert f'href="{link}"' in body(message, "html")


def test_post_unsubscribes_and_the_next_run_sends_nothing_to_that_address(settings, server):
    run(settings, now=NOW)
    (message,) = delivered(settings)["lin@example.org"]
    link = endpoint(server, https_link(message))
    csv_before = (settings.config_path.parent / "readers.csv").read_text(encoding="utf-8")

    page = httpx.get(link)
    assert page.status_code == 200
    assert '<form method="post">' in page.text and "lin@example.org" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    with StateStore(settings.state_path) as store:
        assert store.unsubscribed("daily") == {}  # looking is not unsubscribing

    answer = one_click(link)

    assert answer.status_code == 200 and "will get no more of Daily" in answer.text
    assert one_click(link).status_code == 200  # twice is fine
    with StateStore(settings.state_path) as store:
        assert set(store.unsubscribed("daily")) == {"lin@example.org"}
    csv_after = (settings.config_path.parent / "readers.csv").read_text(encoding="utf-8")
    assert csv_after == csv_before.replace(
        "lin@example.org,Lin,,,", "lin@example.org,Lin,unsubscribed"
    )

    write_notes(settings.config_path.parent / "notes", ("cup-final.txt",), NOW)
    result = CliRunner().invoke(
        cli, ["run", "--config", str(settings.config_path)], catch_exceptions=False
    )

    assert result.exit_code == 0, result.output
    assert "1 new article, 3 sent" in result.output
    copies = delivered(settings)
    assert len(copies["lin@example.org"]) == 1
    assert {address: len(messages) for address, messages in copies.items()} == {
        "ada@example.org": 2,
        "bob@example.org": 2,
        "cem@example.org": 2,
        "lin@example.org": 1,
    }


def test_forged_tokens_get_403_and_other_paths_404(settings, server):
    forged = make_token(b"not the key", "daily", "ada@example.org")

    assert one_click(f"{server.url}/u/{forged}").status_code == 403
    assert httpx.get(f"{server.url}/u/{forged}").status_code == 403
    assert one_click(f"{server.url}/u/not-a-token").status_code == 403
    assert httpx.get(f"{server.url}/").status_code == 404
    assert one_click(f"{server.url}/unsubscribe").status_code == 404
    assert httpx.get(f"{server.url}/u/a/b").status_code == 404
    with StateStore(settings.state_path) as store:
        assert store.unsubscribed("daily") == {}


def test_inline_unsubscribe_is_written_into_the_config_and_honoured_by_stale_settings(
    settings, server
):
    config = settings.config_path
    before = config.read_text(encoding="utf-8")
    with StateStore(settings.state_path) as store:
        link = unsubscribe_url(server.url, store.secret("unsubscribe"), "daily", "ADA@example.org")

    assert one_click(link).status_code == 200

    after = config.read_text(encoding="utf-8")
    assert after == before.replace(
        'name = "Ada"   # since day one\n',
        'name = "Ada"   # since day one\nstatus = "unsubscribed"\n',
    )
    # A daemon that loaded the config before the click still skips the address.
    report = run(settings, now=NOW).lists[0]
    assert report.sent == 3
    assert "ada@example.org" not in delivered(settings)
    assert load_settings(config, environ={}).lists[0].subscribers[0].status == "unsubscribed"


def test_head_and_oversized_posts(settings, server):
    with StateStore(settings.state_path) as store:
        link = unsubscribe_url(server.url, store.secret("unsubscribe"), "daily", "bob@example.org")

    head = httpx.head(link)
    assert head.status_code == 200 and head.content == b""
    huge = httpx.post(link, content=b"x" * (65 * 1024))
    assert huge.status_code == 413
    with StateStore(settings.state_path) as store:
        assert store.unsubscribed("daily") == {}


def test_resume_and_add_subscribe_again_after_a_link_unsubscribe(settings, server):
    with StateStore(settings.state_path) as store:
        link = unsubscribe_url(server.url, store.secret("unsubscribe"), "daily", "bob@example.org")
    assert one_click(link).status_code == 200
    config = str(settings.config_path)

    check = CliRunner().invoke(cli, ["check", "--config", config], catch_exceptions=False)
    assert check.exit_code == 0
    listed = CliRunner().invoke(
        cli, ["subscribers", "list", "--config", config], catch_exceptions=False
    )
    assert "bob@example.org  -  unsubscribed" in listed.output

    resumed = CliRunner().invoke(
        cli,
        ["subscribers", "resume", "bob@example.org", "--config", config],
        catch_exceptions=False,
    )

    assert resumed.output.startswith("resumed bob@example.org")
    with StateStore(settings.state_path) as store:
        assert store.unsubscribed("daily") == {}
    assert run(load_settings(settings.config_path, environ={}), now=NOW).lists[0].sent == 4


ADDER = """
import sys
from pathlib import Path
from digest.config import load_settings
from digest.models import Subscriber
from digest.subscribers import add, set_status
settings = load_settings(Path(sys.argv[1]), environ={})
for n in range(6):
    add(settings, settings.lists[0], Subscriber(f"{sys.argv[2]}{n}@example.org"))
    set_status(settings, settings.lists[0], f"{sys.argv[2]}{n}@example.org", "paused")
"""


def test_cli_processes_and_the_endpoint_editing_at_once_lose_nothing(settings, server):
    with StateStore(settings.state_path) as store:
        key = store.secret("unsubscribe")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    adders = [
        subprocess.Popen([sys.executable, "-c", ADDER, str(settings.config_path), prefix], env=env)
        for prefix in ("p", "q", "r")
    ]
    readers = settings.config_path.parent / "readers.csv"
    deadline = time.monotonic() + 30
    while "0@example.org" not in readers.read_text(encoding="utf-8"):  # the adders are at work
        assert time.monotonic() < deadline
        time.sleep(0.01)
    for address in ("ada@example.org", "bob@example.org", "lin@example.org", "cem@example.org"):
        assert one_click(unsubscribe_url(server.url, key, "daily", address)).status_code == 200
    assert [adder.wait(timeout=60) for adder in adders] == [0, 0, 0]

    item = load_settings(settings.config_path, environ={}).lists[0]
    statuses = {s.email.split("@")[0]: s.status for s in iter_subscribers(item, statuses=STATUSES)}
    assert statuses == {
        **dict.fromkeys(("ada", "bob", "lin", "cem"), "unsubscribed"),
        **{f"{p}{n}": "paused" for p in "pqr" for n in range(6)},
    }
