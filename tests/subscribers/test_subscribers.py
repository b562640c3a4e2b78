"""Subscriber files: reading and validation, in-place edits, import, CLI, topic variants."""

from __future__ import annotations

import difflib
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.config._load import load_settings
from digest.config._settings import Settings
from digest.errors import ConfigError
from digest.models import Article, Message, Subscriber, Summary
from digest.send._send import OutboxSender
from digest.subscribers._edits import add, remove, set_status
from digest.subscribers._import import import_csv
from digest.subscribers._subscribers import (
    SubscriberEntry,
    check_subscribers,
    entries,
    iter_subscribers,
)

from ..conftest import ROOT
from ..subscriber_helpers import NOW


def configured(tmp_path: Path, subscribers_file: str | None = None, content: str = "") -> Settings:
    """A copy of the example config; optionally another subscribers_file ("": none) for daily."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    path = tmp_path / "config" / "digest.toml"
    if subscribers_file is not None:
        text = path.read_text(encoding="utf-8")
        key = f'subscribers_file = "{subscribers_file}"' if subscribers_file else ""
        text = text.replace('subscribers_file = "subscribers-daily.csv"', key)
        path.write_text(text, encoding="utf-8")
        if subscribers_file:
            (path.parent / subscribers_file).write_text(content, encoding="utf-8")
    return load_settings(path, environ={})


def daily(settings: Settings):
    return next(item for item in settings.lists if item.name == "daily")


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def changed_lines(before: str, after: str) -> list[str]:
    """The lines a diff adds (+) or removes (-), without context."""
    diff = difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


# reading and validation -----------------------------------------------------------------


def test_csv_fields_comments_and_problems_with_file_and_line(tmp_path):
    settings = configured(tmp_path)
    csv_path = tmp_path / "config" / "subscribers-daily.csv"
    csv_path.write_text(
        "# readers of the daily list\n"
        "email,name,status,topics,max_items,format,timezone,stauts\n"
        "lin@example.org,Lin Wei,,bikes; -sport,5,text,Asia/Shanghai,x\n"
        "not-an-address,Nobody\n"
        "# paused while abroad\n"
        "ren@example.org,Ren,paused\n"
        "bad@example.org,Bad,gone,,zero,pdf,Mars/Base\n"
        "GRACE@example.org,Grace again\n"
        "wide@example.org,A,active,,,,,,extra\n"
        'last@example.org,"Last, First"\n',
        encoding="utf-8",
    )
    item = daily(settings)

    problems = [str(p) for p in check_subscribers(item, config_path=settings.config_path)]
    valid = [e.subscriber for e in entries(item) if isinstance(e, SubscriberEntry)]

    where = str(csv_path)
    config_lines = settings.config_path.read_text(encoding="utf-8").splitlines()
    grace_line = config_lines.index('email = "grace@example.org"')  # header is one above
    assert problems == [
        f"{where}:2: unknown field 'stauts' ignored; did you mean 'status'?",
        f"{where}:4: invalid email 'not-an-address': An email address must have an @-sign; "
        "correct it",
        f"{where}:7: bad@example.org: status 'gone' is not one of active, paused, unsubscribed; "
        "format 'pdf' is not html or text; max_items must be a whole number of at least 1, "
        "got 'zero'; timezone 'Mars/Base' is not an IANA name like 'Europe/Berlin'; correct it",
        f"{where}:8: GRACE@example.org: duplicate of grace@example.org at "
        f"{settings.config_path}:{grace_line} [lists.daily.subscribers.1]; remove one of them",
        f"{where}:9: 9 fields, but the header has 8; quote commas",
    ]
    lin = valid[2]
    assert lin == Subscriber(
        "lin@example.org", "Lin Wei", "active", ("bikes", "-sport"), 5, "text", "Asia/Shanghai"
    )
    assert [s.email for s in valid] == [
        "ada@example.org",
        "grace@example.org",
        "lin@example.org",
        "ren@example.org",
        "last@example.org",
    ]
    assert valid[-1].name == "Last, First"
    active = [s.email for s in iter_subscribers(item)]
    assert "ren@example.org" not in active and len(active) == 4


def test_inline_entries_report_the_config_line(tmp_path):
    settings = configured(tmp_path)
    config = settings.config_path
    text = config.read_text(encoding="utf-8").replace(
        'email = "grace@example.org"', 'email = "grace@@example.org"'
    )
    config.write_text(text, encoding="utf-8")
    settings = load_settings(config, environ={})

    (problem,) = check_subscribers(daily(settings), config_path=config)

    line = text.splitlines().index('email = "grace@@example.org"')  # header is one above
    assert problem.where == f"{config}:{line} [lists.daily.subscribers.1]"
    assert "invalid email 'grace@@example.org'" in problem.message


def test_inline_values_are_checked_by_the_same_rule_as_file_entries(tmp_path):
    settings = configured(tmp_path)
    config = settings.config_path
    text = config.read_text(encoding="utf-8").replace(
        'format = "text"\ntimezone = "America/New_York"',
        'format = "pdf"\ntimezone = "Mars/Base"\nstatus = "gone"\nmax_items = 0',
    )
    config.write_text(text, encoding="utf-8")
    settings = load_settings(config, environ={})  # one bad entry never refuses the config

    (problem,) = check_subscribers(daily(settings), config_path=config)

    line = text.splitlines().index('email = "grace@example.org"')  # header is one above
    assert str(problem) == (
        f"{config}:{line} [lists.daily.subscribers.1]: grace@example.org: status 'gone' is not "
        "one of active, paused, unsubscribed; format 'pdf' is not html or text; max_items must "
        "be a whole number of at least 1, got 0; timezone 'Mars/Base' is not an IANA name like "
        "'Europe/Berlin'; correct it"
    )
    assert "grace@example.org" not in [s.email for s in iter_subscribers(daily(settings))]
    assert "ada@example.org" in [s.email for s in iter_subscribers(daily(settings))]


def test_toml_subscriber_file(tmp_path):
    settings = configured(
        tmp_path,
        "readers.toml",
        '# our readers\n\n[[subscribers]]\nemail = "a@example.org"\ntopics = ["bikes"]\n'
        'format = "text"\n\n[[subscribers]]\nemail = "b@example.org"\nnmae = "B"\n',
    )
    path = tmp_path / "config" / "readers.toml"

    found = list(entries(daily(settings)))

    problems = [str(e) for e in found if not isinstance(e, SubscriberEntry)]
    assert problems == [f"{path}:8: unknown field 'nmae' ignored; did you mean 'name'?"]
    subs = [e.subscriber for e in found if isinstance(e, SubscriberEntry)]
    assert subs[2] == Subscriber("a@example.org", topics=("bikes",), format="text")
    assert subs[3].email == "b@example.org"


# edits keep the rest of the file ------------------------------------------------------


def test_toml_edits_keep_every_other_byte(tmp_path):
    settings = configured(tmp_path)
    config = settings.config_path
    original = config.read_text(encoding="utf-8")
    item = daily(settings)

    assert str(set_status(settings, item, "Grace@Example.org", "paused")).startswith("paused")
    paused = config.read_text(encoding="utf-8")
    assert changed_lines(original, paused) == ['+status = "paused"\n']
    assert paused.index('status = "paused"') > paused.index("Grace Hopper")
    assert paused.index('status = "paused"') < paused.index("# Sources:")

    set_status(settings, item, "grace@example.org", "active")
    assert changed_lines(original, config.read_text(encoding="utf-8")) == ['+status = "active"\n']

    config.write_text(original, encoding="utf-8")
    settings = configured(tmp_path / "again", subscribers_file="")  # no file: adds go inline
    config = settings.config_path
    original = config.read_text(encoding="utf-8")
    subscriber = Subscriber("new@example.org", "Néw Reader", topics=("bikes", "-sport"))
    change = add(settings, daily(settings), subscriber)
    assert change.action == "added" and change.path == config
    added = config.read_text(encoding="utf-8")
    block = (
        '[[lists.daily.subscribers]]\nemail = "new@example.org"\nname = "Néw Reader"\n'
        'topics = ["bikes", "-sport"]\n'
    )
    grace_last = 'timezone = "America/New_York"\n'  # the last key of the last inline entry
    assert added == original.replace(grace_last, grace_last + "\n" + block)
    assert load_settings(config, environ={}).lists[0].subscribers[2].topics == ("bikes", "-sport")

    remove(settings, daily(settings), "new@example.org")
    assert config.read_text(encoding="utf-8") == original


def test_removing_the_first_entry_and_adding_to_an_empty_list(tmp_path):
    settings = configured(tmp_path, subscribers_file="")
    config = settings.config_path
    original = config.read_text(encoding="utf-8")
    weekly = settings.lists[1]

    remove(settings, weekly, "weekly-reader@example.org")
    emptied = config.read_text(encoding="utf-8")
    assert changed_lines(original, emptied) == [
        "-[[lists.weekly.subscribers]]\n",
        '-email = "weekly-reader@example.org"\n',
        '-name = "Weekly Reader"\n',
        "-\n",
    ]
    add(settings, weekly, Subscriber("weekly-reader@example.org", "Weekly Reader"))
    assert config.read_text(encoding="utf-8") == original


def test_csv_edits_rewrite_only_the_changed_row(tmp_path):
    settings = configured(tmp_path, "readers.csv")
    path = tmp_path / "config" / "readers.csv"
    original = (
        "\ufeff# exported from the old system\r\n"
        "Email,Name\r\n"
        'lin@example.org,"Lin Wei"\r\n'
        "# VIP\r\n"
        "ren@example.org,Ren\r\n"
    )
    path.write_bytes(original.encode("utf-8"))
    item = daily(settings)

    set_status(settings, item, "REN@example.org", "paused")

    assert path.read_bytes().decode("utf-8") == (
        "\ufeff# exported from the old system\r\n"
        "Email,Name,status\r\n"
        'lin@example.org,"Lin Wei"\r\n'
        "# VIP\r\n"
        "ren@example.org,Ren,paused\r\n"
    )
    add(settings, item, Subscriber("zoe@example.org", topics=("a", "b")))
    remove(settings, item, "zoe@example.org")
    set_status(settings, item, "ren@example.org", "active")
    assert path.read_bytes().decode("utf-8").endswith("ren@example.org,Ren,active\r\n")
    assert [s.status for s in iter_subscribers(item)] == ["active"] * 4


def test_duplicates_and_unknown_addresses_are_refused(tmp_path):
    settings = configured(tmp_path)
    item = daily(settings)
    before = settings.config_path.read_bytes()

    with pytest.raises(ConfigError, match="already a subscriber of daily"):
        add(settings, item, Subscriber("LIN@example.org"))
    with pytest.raises(ConfigError, match="invalid email"):
        add(settings, item, Subscriber("nobody"))
    with pytest.raises(ConfigError, match="not a subscriber of daily"):
        remove(settings, item, "nobody@example.org")
    assert settings.config_path.read_bytes() == before


def test_concurrent_edits_lose_nothing(tmp_path):
    settings = configured(tmp_path)
    item = daily(settings)
    emails = [f"reader{n}@example.org" for n in range(12)]
    errors: list[BaseException] = []

    def worker(email: str) -> None:
        try:
            add(settings, item, Subscriber(email))
            set_status(settings, item, "ada@example.org", "paused")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    item = daily(load_settings(settings.config_path, environ={}))
    found = {s.email: s.status for s in iter_subscribers(item, statuses=("active", "paused"))}
    assert set(emails) <= set(found) and found["ada@example.org"] == "paused"
    assert not check_subscribers(item)


# import -----------------------------------------------------------------------------------


def test_import_merges_and_reports_added_updated_and_skipped(tmp_path):
    settings = configured(tmp_path)
    item = daily(settings)
    set_status(settings, item, "lin@example.org", "unsubscribed")
    export = tmp_path / "members.csv"
    export.write_text(
        "Email Address,First Name,Last Name,TIMEZONE,MEMBER_RATING,status\n"
        "new@example.org,New,Reader,Europe/Paris,2,subscribed\n"
        "grace@example.org,Grace,Hopper,America/Chicago,5,\n"
        "ada@example.org,Ada,Lovelace,,3,\n"
        "lin@example.org,Lin,Wei,,1,subscribed\n"
        "broken@,No,One,,1,\n"
        "NEW@example.org,Dup,Licate,,1,\n"
        "odd@example.org,Odd,,,1,archived\n"
        "pend@example.org,Pen,Ding,,1,pending\n",
        encoding="utf-8",
    )

    report = import_csv(settings, item, export)

    assert report.added == ["new@example.org", "pend@example.org"]
    assert report.updated == ["grace@example.org"]
    assert report.unchanged == 1
    assert report.ignored_columns == ["MEMBER_RATING"]
    assert [line.split(": ", 1)[0] for line in report.skipped] == [
        f"{export}:5",
        f"{export}:6",
        f"{export}:7",
        f"{export}:8",
    ]
    assert report.skipped[0].endswith(
        ": lin@example.org unsubscribed; `digest subscribers resume --list daily "
        "lin@example.org` if they asked to come back"
    )
    assert report.skipped[2] == (
        f"{export}:7: NEW@example.org: duplicate of new@example.org on line 2; skipped"
    )
    item = daily(load_settings(settings.config_path, environ={}))
    subs = {s.email: s for s in iter_subscribers(item, statuses=("active", "paused"))}
    assert subs["new@example.org"].name == "New Reader"
    assert subs["new@example.org"].timezone == "Europe/Paris"
    assert subs["grace@example.org"].timezone == "America/Chicago"
    assert subs["pend@example.org"].status == "paused"
    assert "lin@example.org" not in subs


def test_import_dry_run_writes_nothing(tmp_path):
    settings = configured(tmp_path)
    export = tmp_path / "in.csv"
    export.write_text("email\nx@example.org\n", encoding="utf-8")
    before = (tmp_path / "config" / "subscribers-daily.csv").read_bytes()

    report = import_csv(settings, daily(settings), export, is_dry_run=True)

    assert report.added == ["x@example.org"]
    assert (tmp_path / "config" / "subscribers-daily.csv").read_bytes() == before


# the CLI ----------------------------------------------------------------------------------


def test_cli_subscriber_commands(tmp_path):
    settings = configured(tmp_path)
    config = str(settings.config_path)

    result = invoke("subscribers", "list", "--config", config)
    assert result.exit_code == 2 and "say which one.\nhint: pass --list NAME" in result.output

    result = invoke("subscribers", "list", "--config", config, "--list", "nope")
    assert result.exit_code == 2 and "Error: no list named 'nope'" in result.output
    assert "lists: daily, weekly" in result.output

    result = invoke(
        "subscribers",
        "add",
        "zoe@example.org",
        "--config",
        config,
        "--list",
        "daily",
        "--name",
        "Zoe",
        "--topics",
        "bikes; -sport",
        "--format",
        "text",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("added zoe@example.org (")

    result = invoke("subscribers", "add", "zoe@example.org", "--config", config, "--list", "daily")
    assert result.exit_code == 2 and "already a subscriber" in result.output

    assert invoke(
        "subscribers", "pause", "ada@example.org", "--config", config, "--list", "daily"
    ).output.startswith("paused ada@example.org")
    result = invoke("subscribers", "list", "--config", config, "--list", "daily")
    assert "ada@example.org  Ada Lovelace  paused" in result.output
    assert "zoe@example.org  Zoe  active  topics: bikes; -sport  format text" in result.output
    assert result.output.rstrip().endswith("5 subscribers, 4 active, 1 paused, 0 unsubscribed")

    result = invoke("subscribers", "export", "--config", config, "--list", "daily")
    lines = result.output.splitlines()
    assert lines[0] == "email,name,status,topics,max_items,format,timezone"
    assert "ada@example.org,Ada Lovelace,paused,,,," in lines
    assert "zoe@example.org,Zoe,,bikes;-sport,,text," in lines

    source = tmp_path / "in.csv"
    source.write_text("email,name\nzoe@example.org,Zoë\nnew@example.org,New\nbad,Bad\n")
    result = invoke("subscribers", "import", str(source), "--config", config, "--list", "daily")
    assert result.exit_code == 0
    assert "1 added, 1 updated, 0 unchanged, 1 skipped" in result.output
    assert f"skipped {source}:4: invalid email 'bad'" in result.output

    assert invoke(
        "subscribers", "resume", "ada@example.org", "--config", config, "--list", "daily"
    ).output.startswith("resumed ada@example.org")
    assert invoke(
        "subscribers", "remove", "zoe@example.org", "--config", config, "--list", "daily"
    ).output.startswith("removed zoe@example.org")
    assert invoke("check", "--config", config).exit_code == 0


# topic filters and variants -------------------------------------------------------------


def summary(source: str, title: str, text: str) -> Summary:
    article = Article(source, f"https://example.org/{title}", title, title, NOW, text)
    return Summary(article, (text,))


class StoppingSender:
    """Writes real Maildir messages, then dies like a killed process after `limit`."""

    def __init__(self, path: Path, limit: int) -> None:
        self.outbox = OutboxSender(path)
        self.limit = limit

    def send(self, message: Message) -> None:
        if self.limit == 0:
            raise KeyboardInterrupt
        self.limit -= 1
        self.outbox.send(message)


def test_toml_edits_survive_multiline_values_quoted_keys_and_inline_arrays(tmp_path):
    content = (
        "# the readers\n"
        "[[subscribers]]\n"
        'email = "a@example.org"\n'
        "topics = [\n"
        '  "bikes",\n'
        '  ["not", "a header"],\n'
        "]\n"
        'name = """A\n[[subscribers]]\nstill the name"""\n'
        "\n"
        "[[subscribers]]  # second\n"
        'email = "b@example.org"\n'
    )
    settings = configured(tmp_path, "readers.toml", content)
    path = tmp_path / "config" / "readers.toml"
    item = daily(settings)

    set_status(settings, item, "a@example.org", "paused")
    add(settings, item, Subscriber("c@example.org"))
    remove(settings, item, "b@example.org")

    assert path.read_text(encoding="utf-8") == content.replace(
        'still the name"""\n', 'still the name"""\nstatus = "paused"\n'
    ).replace('[[subscribers]]  # second\nemail = "b@example.org"\n', "").replace(
        '"""\nstatus = "paused"\n\n',
        '"""\nstatus = "paused"\n\n[[subscribers]]\nemail = "c@example.org"\n',
    )

    inline = tmp_path / "inline"
    settings = configured(inline, subscribers_file="")
    config = settings.config_path
    text = config.read_text(encoding="utf-8")
    start = text.index("[[lists.weekly.subscribers]]")
    text = text.replace(text[start : text.index("\n\n", start) + 2], "")
    weekly_keys = "max_age_hours = 336\n"
    inline_array = 'subscribers = [{ email = "w@example.org" }]\n'
    config.write_text(text.replace(weekly_keys, weekly_keys + inline_array), encoding="utf-8")
    settings = load_settings(config, environ={})

    set_status(settings, settings.lists[1], "w@example.org", "paused")

    weekly = load_settings(config, environ={}).lists[1]
    assert [(s.email, s.status) for s in weekly.subscribers] == [("w@example.org", "paused")]
