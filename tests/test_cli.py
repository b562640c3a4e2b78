"""The command line, through click's CliRunner: help, exit codes, messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from digest.cli import cli

from .conftest import ROOT


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the shipped example config (and its sources) in a temporary folder."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    return tmp_path / "config" / "digest.toml"


def invoke(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


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
    assert "  left out: 7 already sent (-v names them)" in result.output
    assert "  left out (already sent): Eastbrook library starts a monthly repair café" in (
        result.output
    )


def test_run_one_list_dry(example):
    result = invoke("run", "--config", str(example), "--list", "daily", "--dry-run")
    assert result.exit_code == 0
    assert "dry run: would send" in result.output and "weekly" not in result.output


def test_unknown_list_is_exit_2(example):
    result = invoke("run", "--config", str(example), "--list", "nope")
    assert result.exit_code == 2
    assert "Error: no list named 'nope'" in result.output and "daily, weekly" in result.output


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
