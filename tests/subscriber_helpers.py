"""A small list for subscriber tests: notes on topics, inline and CSV readers, the outbox."""

from __future__ import annotations

import email
import mailbox
import os
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

from digest.config._load import load_settings
from digest.config._settings import Settings

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
NOTES = {
    "bike-lanes.txt": (
        "Bike lanes open on the river road",
        "The city opened two kilometres of protected bike lanes on the river road. "
        "Cyclists had asked for a safe route to the station for years. "
        "The lanes connect the old town with the new housing estate.",
    ),
    "library.txt": (
        "Library opens on Sundays",
        "The central library will open on Sundays from next month. "
        "Volunteers will run a reading hour for children in the afternoon. "
        "The council pays for the extra hours from the culture budget.",
    ),
    "cup-final.txt": (
        "Home team wins the cup final",
        "The home team won the regional cup final by two goals to one. "
        "The winning goal came in the last minute of extra time. "
        "Fans celebrated in the market square until late at night.",
    ),
}


def write_notes(folder: Path, names: tuple[str, ...], when: datetime) -> None:
    folder.mkdir(exist_ok=True)
    for name in names:
        title, text = NOTES[name]
        path = folder / name
        path.write_text(f"{title}\n\n{text}\n", encoding="utf-8")
        os.utime(path, (when.timestamp(), when.timestamp()))


def make_config(tmp_path: Path, csv_rows: str) -> Settings:
    """One list: a folder of notes, two inline readers and a CSV file of more."""
    write_notes(tmp_path / "notes", ("bike-lanes.txt", "library.txt"), NOW - timedelta(hours=2))
    (tmp_path / "readers.csv").write_text(
        "# readers who signed up on the web site\nemail,name,status,topics,format\n" + csv_rows,
        encoding="utf-8",
    )
    (tmp_path / "digest.toml").write_text(
        """# the test list
sender = "Briefing <news@example.org>"
base_url = "https://news.example.org"

[lists.daily]
title = "Daily"
window_hours = 48
subscribers_file = "readers.csv"

# readers we know in person
[[lists.daily.subscribers]]
email = "ada@example.org"
name = "Ada"   # since day one

[[lists.daily.subscribers]]
email = "bob@example.org"

[[lists.daily.sources]]
name = "Notes"
type = "folder"
path = "notes"
""",
        encoding="utf-8",
    )
    return load_settings(tmp_path / "digest.toml", environ={})


def delivered(settings: Settings) -> dict[str, list[EmailMessage]]:
    """Messages in the outbox, by recipient address."""
    found: dict[str, list[EmailMessage]] = {}
    if not settings.outbox.path.exists():
        return found
    for item in mailbox.Maildir(settings.outbox.path, create=False):
        message = email.message_from_bytes(item.as_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        address = str(message["To"]).split("<")[-1].rstrip(">")
        found.setdefault(address, []).append(message)
    return found


def https_link(message: EmailMessage) -> str:
    """The https half of a message's List-Unsubscribe header."""
    return str(message["List-Unsubscribe"]).strip().split(">")[0].lstrip("<")


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    return "" if part is None else str(part.get_content())
