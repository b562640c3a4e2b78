"""The command line, through click's CliRunner: help, exit codes, messages."""

from __future__ import annotations

import json
import shlex
import shutil
import socket
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from digest.cli import cli

from ..conftest import ROOT
from ..feed_helpers import FeedServer, Reply


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the shipped example config (and its sources) in a temporary folder."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    return tmp_path / "config" / "digest.toml"


def invoke(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def pasted(output: str, start: str = "`digest ") -> Result:
    """Run the first command quoted in the output, as a user who pastes it would."""
    command = output[output.index(start) + 1 :].split("`", 1)[0]
    return invoke(*shlex.split(command)[1:])


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


@pytest.mark.parametrize("command", list(all_commands(cli)))
def test_every_command_has_help(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 3


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


@pytest.mark.parametrize("command", [(), *all_commands(cli)])
def test_every_option_has_help(command):
    options = [p for p in command_at(command).params if isinstance(p, click.Option)]
    undocumented = [option.opts[0] for option in options if not (option.help or "").strip()]
    assert undocumented == []
    shown = invoke(*command, "--help").output
    assert all(option.opts[-1] in shown for option in options if not option.hidden)


def test_run_on_example_writes_outbox_then_nothing_new(example):
    first = invoke("run", "--config", str(example))
    assert first.exit_code == 0, first.output
    assert "daily:" in first.output and "Messages written to the Maildir" in first.output
    outbox = example.parent.parent / "outbox"
    assert len(list((outbox / "new").iterdir())) >= 4

    second = invoke("run", "--config", str(example))
    assert second.exit_code == 0
    assert second.output.count("nothing new") == 2


@pytest.mark.parametrize("today", ["2026-12-01T06:00:00+00:00", "2031-06-01T06:00:00+00:00"])
def test_the_first_run_of_the_example_sends_every_sample_article_on_any_date(
    example, monkeypatch, today
):
    monkeypatch.setenv("DIGEST_NOW", today)

    result = invoke("run", "--config", str(example))

    assert result.exit_code == 0, result.output
    assert "daily: 7 new articles, 4 sent" in result.output
    assert "weekly: 4 new articles, 1 sent" in result.output


def test_a_run_names_what_it_left_out_in_one_line_and_each_item_with_v(example, monkeypatch):
    monkeypatch.setenv("DIGEST_NOW", "2026-11-27T06:00:00+00:00")
    invoke("run", "--config", str(example), "--list", "daily")
    note = example.parent / "sources" / "notes" / "new.txt"
    note.write_text("A new note\n\n" + "The harbour ferry runs again from today. " * 5, "utf-8")

    result = invoke("-v", "run", "--config", str(example), "--list", "daily")

    assert "daily: 1 new article, 4 sent" in result.output
    assert "  8 collected: 1 in the edition, 7 already sent\n" in result.output
    assert "  left out (already sent): Eastbrook library starts a monthly repair café" in (
        result.output
    )
    quiet = invoke("run", "--config", str(example), "--list", "daily")
    assert "  8 collected: 0 in the edition, 8 already sent (-v names those left out)\n" in (
        quiet.output
    )


def test_run_one_list_dry(example):
    result = invoke("run", "--config", str(example), "--list", "daily", "--dry-run")
    assert result.exit_code == 0
    assert "dry run: would send" in result.output and "weekly" not in result.output


@pytest.mark.parametrize("command", ["run", "preview", "status", "sources list"])
def test_unknown_list_is_exit_2(example, command):
    result = invoke(*command.split(), "--config", str(example), "--list", "nope")
    assert result.exit_code == 2
    assert "Error: no list named 'nope'" in result.output and "daily, weekly" in result.output


def test_preview_without_list_covers_every_list(example, monkeypatch, tmp_path):
    monkeypatch.setenv("DIGEST_NOW", "2026-11-27T06:00:00+00:00")

    result = invoke("preview", "--config", str(example))

    assert result.exit_code == 0, result.output
    daily, weekly = result.output.split("=== weekly ===\n")
    assert daily.startswith("=== daily ===\nSubject: ")
    assert weekly.startswith("Subject: ") and "Weekly Round-up" in weekly.splitlines()[0]
    assert "Weekly Round-up" not in daily and "WEEKLY ROUND-UP" not in daily
    written = invoke("preview", "--config", str(example), "--out", str(tmp_path / "p.html"))
    assert written.exit_code == 0, written.output
    assert f"daily: 7 items; HTML written to {tmp_path / 'p-daily.html'}" in written.output
    assert f"weekly: 4 items; HTML written to {tmp_path / 'p-weekly.html'}" in written.output
    one = invoke("preview", "--config", str(example), "--list", "weekly")
    assert one.output.startswith("Subject: ") and "===" not in one.output


def test_broken_config_is_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "digest.toml"
    bad.write_text('sender = "a@b.org"\n[lists.x]\ntitle = "X"\nsorces = []\n', encoding="utf-8")
    result = invoke("check", "--config", str(bad))
    assert result.exit_code == 2
    assert "Error:" in result.output and "Traceback" not in result.output
    assert "unknown key 'sorces'; did you mean 'sources'?" in result.output
    assert "hint:" in result.output


def test_check_reports_ok(example):
    result = invoke("check", "--config", str(example))
    assert result.exit_code == 0, result.output
    assert "OK: 2 lists, 3 sources, 5 subscribers" in result.output


def test_a_duplicate_csv_row_is_reported_once_with_its_own_line_and_address(example, monkeypatch):
    csv = example.parent / "subscribers-daily.csv"
    csv.write_text(csv.read_text("utf-8") + "x@example.org,X\nLIN@example.org,Lin\n", "utf-8")
    lines = csv.read_text("utf-8").splitlines()
    assert (lines[4], lines[7]) == ("lin@example.org,Lin Wei", "LIN@example.org,Lin")
    expected = (
        f"{csv}:8: LIN@example.org: duplicate of lin@example.org at {csv}:5; remove one of them"
    )
    check = invoke("check", "--config", str(example))
    run = invoke("run", "--config", str(example), "--dry-run")

    assert check.exit_code == 2
    assert check.output.count("duplicate of") == 1 and expected in check.output
    assert run.output.count("duplicate of") == 1 and expected in run.output


def test_check_names_bad_subscriber_line(example):
    csv = example.parent / "subscribers-daily.csv"
    text = csv.read_text(encoding="utf-8")
    csv.write_text(text + "not-an-address,Nobody\n", encoding="utf-8")
    result = invoke("check", "--config", str(example))
    assert result.exit_code == 2
    line = len(text.splitlines()) + 1
    assert f"{csv}:{line}: invalid email 'not-an-address'" in result.output


def test_failing_source_is_exit_1(example):
    text = example.read_text(encoding="utf-8").replace('path = "sources/notes"', 'path = "gone"')
    example.write_text(text, encoding="utf-8")
    result = invoke("run", "--config", str(example), "--list", "daily")
    assert result.exit_code == 1
    assert "source failed" in result.output and "gone" in result.output


def test_config_from_environment(example, monkeypatch):
    monkeypatch.setenv("DIGEST_CONFIG", str(example))
    assert invoke("check").exit_code == 0


def test_config_before_the_command_name_works_as_after_it(example, monkeypatch):
    monkeypatch.setenv("DIGEST_NOW", "2026-11-27T06:00:00+00:00")
    assert invoke("--config", str(example), "check").exit_code == 0
    result = invoke("--config", str(example), "run", "--list", "daily", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "daily: 7 new articles" in result.output
    assert invoke("--config", str(example), "status").output == "No editions yet.\n"
    missing = invoke("--config", str(example.parent / "nope.toml"), "check")
    assert missing.exit_code == 2 and "nope.toml: config file not found" in missing.output


def test_a_hint_carries_the_config_given_and_works_when_pasted(example):
    example.write_text(example.read_text("utf-8") + "\n[extra]\n", encoding="utf-8")
    for args in (("check", "--config", str(example)), ("--config", str(example), "check")):
        result = invoke(*args)
        assert result.exit_code == 2
        assert f"then run `digest check --config {example}`" in result.output
        again = pasted(result.output)
        assert again.exit_code == 2 and "unknown key 'extra'" in again.output


def test_a_hint_carries_the_list_and_address_and_works_when_pasted(example):
    daily = ("--config", str(example), "--list", "daily")
    assert invoke("subscribers", "pause", *daily, "lin@example.org").exit_code == 0

    result = invoke("subscribers", "add", *daily, "LIN@example.org")

    assert result.exit_code == 2
    assert (
        f"hint: `digest subscribers resume --config {example} --list daily LIN@example.org` "
        "if it is paused"
    ) in result.output
    again = pasted(result.output)
    assert again.exit_code == 0, again.output
    assert again.output.startswith("resumed lin@example.org")


def test_summarize_file_text_and_json(tmp_path):
    article = tmp_path / "a.txt"
    sentences = [
        f"Sentence number {n} tells the reader about the harbour project." for n in range(8)
    ]
    article.write_text(" ".join(sentences), encoding="utf-8")
    text = invoke("summarize", str(article), "--points", "2")
    assert text.exit_code == 0
    assert len([line for line in text.output.splitlines() if line.startswith("- ")]) == 2
    data = json.loads(invoke("summarize", str(article), "--format", "json").output)
    assert len(data["key_points"]) == 3 and all(p in sentences for p in data["key_points"])


def test_summarize_jsonl(tmp_path):
    lines = [json.dumps({"id": n, "text": "One short sentence here. " * 5}) for n in range(3)]
    result = invoke("summarize", "--jsonl", stdin="\n".join(lines) + "\n")
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == [0, 1, 2]
    assert all(isinstance(o["key_points"], list) for o in out)


def test_summarize_an_html_or_markdown_file_summarizes_its_main_text(tmp_path):
    notes = ROOT / "config" / "sources" / "notes"
    for name, words in (("open-dataset.html", "buoys"), ("bike-lanes.md", "bike lane")):
        result = invoke("summarize", str(notes / name), "--format", "json")
        assert result.exit_code == 0, result.output
        points = json.loads(result.output)["key_points"]
        assert len(points) == 3 and any(words in point for point in points)
        assert not any(mark in "".join(points) for mark in ("<", "#", "]("))
        assert not any(point.startswith(("Coastal research", "Riverton opens")) for point in points)


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("empty.txt", "", "empty.txt is empty"),
        ("blank.txt", " \n\t\n", "blank.txt is empty"),
        ("blank.md", "\n\n", "blank.md is empty"),
        ("bare.html", "<html><body><nav></nav></body></html>", "bare.html has no main text"),
        ("-", "", "stdin is empty"),
        ("-", "   \n", "stdin is empty"),
    ],
)
def test_summarize_of_empty_input_is_exit_2(tmp_path, name, body, message):
    if name != "-":
        (tmp_path / name).write_text(body, encoding="utf-8")
    target = name if name == "-" else str(tmp_path / name)
    result = invoke("summarize", target, stdin=body if name == "-" else None)
    assert result.exit_code == 2
    assert message in result.output and "nothing to summarize" in result.output
    assert "Traceback" not in result.output


def test_summarize_jsonl_bad_lines_get_an_error_line_and_the_rest_go_on():
    text = "One short sentence here. " * 5
    lines = [json.dumps({"id": 1, "text": text}), "{not json", "[1, 2]", json.dumps({"id": 4})]
    lines.append(json.dumps({"id": 5, "text": text}))

    result = invoke("summarize", "--jsonl", stdin="\n".join(lines) + "\n")

    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert [o["id"] for o in out] == [1, None, None, 4, 5]
    assert out[1]["error"].startswith("line 2: not valid JSON")
    assert out[2]["error"] == "line 3: expected a JSON object"
    assert out[3]["error"] == 'line 4: no "text" string'
    assert out[0]["key_points"] and out[4]["key_points"]
    assert result.stderr == '3 lines failed; see their "error" lines\n'


# The inline SVG of feedparser's test case wellformed/namespace/atomsvgtitle.xml.
INLINE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" baseProfile="full" width="300px" '
    'height="200px"><title>foo</title><circle cx="150px" cy="100px" r="50px" fill="#ff0000" '
    'stroke="#000000" stroke-width="5px"/></svg>'
)


def test_extract_of_an_inline_svg_body_does_not_crash(tmp_path):
    page = tmp_path / "svg.html"
    page.write_text(INLINE_SVG + "<p>The drawing shows a red circle.</p>", encoding="utf-8")
    result = invoke("extract", str(page))
    assert result.exit_code == 0
    assert result.output == "The drawing shows a red circle.\n"
    only = invoke("extract", "--jsonl", stdin=json.dumps({"id": "svg", "html": INLINE_SVG}))
    assert (only.exit_code, json.loads(only.output)) == (0, {"id": "svg", "text": ""})


def test_extract_jsonl_bad_lines_get_an_error_line_and_the_rest_go_on():
    lines = [
        json.dumps({"id": "a", "html": "<p>First.</p>"}),
        '{"id": "b", "html": ',
        '"just a string"',
        json.dumps({"id": "d", "html": INLINE_SVG + "<p>Fourth.</p>"}),
        json.dumps({"id": "e", "html": 5}),
        json.dumps({"id": "f", "text": "Sixth."}),
    ]

    result = invoke("extract", "--jsonl", stdin="\n".join(lines) + "\n")

    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1
    assert out[0] == {"id": "a", "text": "First."}
    assert out[1]["line"] == 2 and out[1]["error"].startswith("line 2: not valid JSON")
    assert out[2] == {"id": None, "line": 3, "error": "line 3: expected a JSON object"}
    assert out[3] == {"id": "d", "text": "Fourth."}
    assert out[4] == {"id": "e", "line": 5, "error": 'line 5: no "html" or "text" string'}
    assert out[5] == {"id": "f", "text": "Sixth."}
    assert "3 lines failed" in result.stderr


def test_extract_file_and_jsonl():
    note = ROOT / "config" / "sources" / "notes" / "open-dataset.html"
    result = invoke("extract", str(note), "--format", "json")
    data = json.loads(result.output)
    assert "buoys" in data["text"] and data["language"] == "en"
    html = "<html><body><nav>Home</nav><p>" + "A paragraph of prose. " * 10 + "</p></body></html>"
    lines = invoke("extract", "--jsonl", stdin=json.dumps({"id": "x", "html": html}) + "\n")
    assert json.loads(lines.output)["text"].startswith("A paragraph of prose.")


def test_extract_without_target_is_usage_error():
    result = CliRunner().invoke(cli, ["extract"])
    assert result.exit_code == 2


def edit(config: Path, old: str, new: str) -> None:
    text = config.read_text(encoding="utf-8")
    assert old in text, old
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_check_reports_a_missing_folder_and_feed_file_as_problems(example):
    edit(example, 'path = "sources/notes"', 'path = "sources/gone"')
    edit(example, 'url = "sources/feed.xml"', 'url = "sources/nofeed.xml"')
    sources = example.parent / "sources"

    result = invoke("check", "--config", str(example))

    assert result.exit_code == 2
    assert f"Error: {example}: 2 problems:" in result.output
    assert (
        f"  - [lists.daily.sources.0] (Team notes) path: folder {sources / 'gone'} does not "
        "exist; create it, or fix path (relative paths are relative to the config file)"
    ) in result.output
    assert (
        f"  - [lists.daily.sources.1] (Example Regional News) url: feed file "
        f"{sources / 'nofeed.xml'} does not exist; fix url"
    ) in result.output
    assert "OK:" not in result.output


def test_check_reports_a_missing_feed_file_given_as_a_file_uri(example):
    gone = example.parent / "nowhere.xml"
    edit(example, 'url = "sources/feed.xml"', f'url = "{gone.as_uri()}"')

    result = invoke("check", "--config", str(example))

    assert result.exit_code == 2
    assert f"Error: {example}: 1 problem:" in result.output
    assert f"(Example Regional News) url: feed file {gone} does not exist" in result.output


def test_check_reports_a_page_source_without_an_http_url(example):
    edit(example, 'type = "feed"\nurl = "sources/feed.xml"', 'type = "page"\nurl = "ftp://x/a"')

    result = invoke("check", "--config", str(example))

    assert result.exit_code == 2
    assert (
        "[lists.daily.sources.1] (Example Regional News) url: 'ftp://x/a' is not an http(s) "
        'URL; use url = "https://…"'
    ) in result.output


def test_check_reports_an_outbox_path_that_is_a_file(example):
    outbox = example.parent.parent / "outbox"
    outbox.write_text("not a Maildir", encoding="utf-8")

    result = invoke("check", "--config", str(example))

    assert result.exit_code == 2
    assert (
        f"  - [outbox] path: {outbox} is a file, not a folder; the outbox is a Maildir "
        "folder, so point path at a folder (it is created if missing) or move the file away"
    ) in result.output


def test_check_reports_a_bad_sender_once_under_its_own_key(example):
    edit(example, 'sender = "Digest <digest@example.org>"', 'sender = "not an address"')

    result = invoke("check", "--config", str(example))

    assert result.exit_code == 2
    assert "sender: 'not an address' has no email address" in result.output
    assert result.output.count("not an address") == 1
    assert "templates" not in result.output and "[lists." not in result.output


def test_check_refuses_a_password_in_the_file(example):
    edit(example, "# password_env =", 'password = "hunter2"\n# password_env =')

    result = invoke("check", "--config", str(example))

    assert result.exit_code == 2
    assert "[smtp] password: secrets never go in the config file" in result.output
    assert (
        "hint: keep secrets in environment variables and name them in the config: "
        '[smtp] password_env = "DIGEST_SMTP_PASSWORD"' in result.output
    )
    assert "hunter2" not in result.output and "Traceback" not in result.output


PLACEHOLDER_WARNING = (
    "warning: base_url 'https://digest.example.org' is a placeholder: unsubscribe and "
    "view-in-browser links in this mail will not work; set base_url in {config} to the "
    "public address of the unsubscribe endpoint\n"
)


def test_check_warns_of_the_placeholder_base_url_and_still_passes(example):
    result = invoke("check", "--config", str(example))

    assert result.exit_code == 0
    assert PLACEHOLDER_WARNING.format(config=example) in result.stderr
    assert "OK: 2 lists" in result.stdout


def test_check_warns_of_a_placeholder_archive_url_alone(example):
    edit(
        example,
        'base_url = "https://digest.example.org"',
        'base_url = "https://digest.riverton.org"',
    )
    edit(
        example,
        '# archive_url = "https://digest.example.org/archive"',
        'archive_url = "https://example.com/a"',
    )

    result = invoke("check", "--config", str(example))

    assert result.exit_code == 0
    assert (
        "warning: archive_url 'https://example.com/a' is a placeholder: view-in-browser links "
        f"in this mail will not work; set archive_url in {example} to the public address of "
        "archive_dir\n"
    ) in result.stderr
    assert "base_url" not in result.stderr


def use_smtp(example: Path, port: int) -> None:
    edit(example, 'transport = "outbox"', 'transport = "smtp"')
    edit(example, 'host = "smtp.example.org"\nport = 587', f'host = "127.0.0.1"\nport = {port}')
    edit(example, 'security = "starttls"', 'security = "none"')


def test_run_by_smtp_warns_once_of_the_placeholder_base_url(example, smtp_server):
    use_smtp(example, smtp_server.port)

    result = invoke("run", "--config", str(example))

    assert result.exit_code == 0, result.output
    assert result.stderr.count("is a placeholder") == 1
    assert PLACEHOLDER_WARNING.format(config=example) in result.stderr
    assert smtp_server.messages


def test_run_by_smtp_with_a_real_base_url_does_not_warn(example, smtp_server):
    use_smtp(example, smtp_server.port)
    edit(
        example,
        'base_url = "https://digest.example.org"',
        'base_url = "https://digest.riverton.org"',
    )

    result = invoke("run", "--config", str(example))

    assert result.exit_code == 0, result.output
    assert "placeholder" not in result.stderr


def test_run_to_the_outbox_does_not_warn_of_the_placeholder(example):
    result = invoke("run", "--config", str(example))

    assert result.exit_code == 0, result.output
    assert "placeholder" not in result.output


def test_retry_by_smtp_warns_of_the_placeholder_base_url(example, smtp_server):
    use_smtp(example, smtp_server.port)

    result = invoke("retry", "--config", str(example), "9")

    assert result.exit_code == 2
    assert PLACEHOLDER_WARNING.format(config=example) in result.stderr
    assert "Error: no edition 9" in result.stderr


def test_unsubscribe_server_on_a_busy_port_is_one_paragraph_and_exit_2(example):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke("unsubscribe-server", "--config", str(example), "--port", str(port))
    assert result.exit_code == 2
    assert result.output.startswith(
        f"Error: cannot serve the unsubscribe endpoint on 127.0.0.1:{port}: "
        "Address already in use.\nhint: "
    )
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 2


def test_the_unsubscribe_endpoint_does_not_default_to_the_test_smtp_port():
    port = next(p for p in command_at(("unsubscribe-server",)).params if p.name == "port")
    assert port.default == 8058
    assert "[default: 8058;" in invoke("unsubscribe-server", "--help").output
    assert "127.0.0.1:8058" in invoke("serve", "--help").output
    assert "8025" not in invoke("serve", "--help").output


def test_a_healthy_run_of_plain_text_feed_items_shows_no_library_log_lines(
    tmp_path, monkeypatch, feed_server: FeedServer
):
    items = "".join(
        f"<item><guid>n{n}</guid><title>Note {n}</title><link>https://example.org/{n}</link>"
        f"<pubDate>Thu, 26 Nov 2026 08:00:00 +0000</pubDate><description>{body}</description>"
        "</item>"
        for n, body in enumerate(
            [
                "The ferry to the islands runs every hour from Monday, the harbour office says.",
                "Fish &amp;amp; chips stalls return to the pier for the summer season this week.",
                "&lt;p&gt;The old lighthouse opens to visitors on Sundays from May.&lt;/p&gt;",
            ]
        )
    )
    rss = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    )
    url = feed_server.serve(
        "/feed.xml", Reply(body=rss.encode(), headers={"Content-Type": "application/rss+xml"})
    )
    config = tmp_path / "digest.toml"
    config.write_text(
        'sender = "Briefing <news@example.org>"\ntransport = "outbox"\n'
        '[collect]\nallow_networks = ["127.0.0.1/32"]\n[lists.daily]\n'
        'title = "Daily"\n[[lists.daily.subscribers]]\nemail = "ada@example.org"\n'
        f'[[lists.daily.sources]]\nname = "Harbour"\ntype = "feed"\nurl = "{url}"\n'
        'full_text = "never"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DIGEST_NOW", "2026-11-27T06:00:00+00:00")

    result = invoke("-v", "run", "--config", str(config))

    assert result.exit_code == 0, result.output
    assert "daily: 3 new articles, 1 sent" in result.stdout
    assert "trafilatura" not in result.stderr and "ERROR" not in result.stderr
    assert [
        line for line in result.stderr.splitlines() if not line.startswith("INFO digest.")
    ] == []
    loud = invoke("-vv", "run", "--config", str(config))  # -vv: the libraries' lines too
    assert "DEBUG httpx" in loud.stderr or "INFO httpx" in loud.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_what_digest_writes_beside_the_example_config_is_ignored_by_git(example, tmp_path):
    folder = example.parent
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    imported = tmp_path / "import.csv"
    imported.write_text("email,name\nnew@example.org,New\n", encoding="utf-8")
    daily = ("--config", str(example), "--list", "daily")
    assert invoke("run", "--config", str(example)).exit_code == 0
    assert invoke("subscribers", "add", *daily, "zoe@example.org").exit_code == 0
    assert invoke("subscribers", "import", *daily, str(imported)).exit_code == 0
    assert invoke("subscribers", "remove", *daily, "zoe@example.org").exit_code == 0
    assert invoke("subscribers", "pause", *daily, "lin@example.org").exit_code == 0
    assert invoke("sources", "list", "--config", str(example)).exit_code == 0

    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--ignored"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()

    assert "!! .digest.toml.lock" in status
    assert [line for line in status if line.startswith("!!")] == ["!! .digest.toml.lock"]
    untracked = {line[3:] for line in status if line.startswith("??")}
    shipped = ROOT / "config"
    assert untracked == {
        p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file()
    }


def test_summarize_a_whole_page_text_file_cleans_it_as_a_run_does(tmp_path):
    page = tmp_path / "page.txt"
    prose = "\n\n".join(
        f"The harbour authority said on Monday that ferry number {n} will run again from the "
        "north pier, with more crossings at weekends."
        for n in range(6)
    )
    teasers = (
        "More like this\n"
        "Council approves budget for new school buildings in the east.\n"
        "Local team wins the regional cup after a dramatic final.\n"
        "Weather service warns of storms along the coast this week.\n"
    )
    page.write_text(f"Ferries return to the islands\n\n{prose}\n\n{teasers}", encoding="utf-8")

    result = invoke("summarize", str(page), "--points", "10")

    points = [line for line in result.output.splitlines() if line.startswith("- ")]
    assert len(points) == 6 and all("ferry number" in point for point in points), result.output


def test_summarize_one_line_of_text_gives_a_point():
    result = invoke(
        "summarize", "-", stdin="Hey friends! The new prints are now up for preorder. You can check"
    )

    assert result.output == "- The new prints are now up for preorder.\n"
