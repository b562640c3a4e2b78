"""Typed settings: what config.py builds from digest.toml and the environment.

These are data, not a stage: every stage may read them. They are pydantic models so
that config.py can validate a whole file and report every mistake at once; they are
frozen so that no stage changes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

Transport = Literal["outbox", "smtp"]
Security = Literal["starttls", "tls", "none"]
SourceKind = Literal["feed", "folder", "page"]
Algorithm = Literal["digest", "lead", "lexrank", "textrank", "luhn", "lsa", "sumbasic", "kl"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SmtpSettings(_Model):
    """How to reach the SMTP server (used when transport = "smtp")."""

    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    security: Security = "starttls"
    username: str | None = None
    password_env: str | None = None
    """Name of the environment variable that holds the password."""
    password: SecretStr | None = Field(default=None, exclude=True)
    """Filled from password_env at load time; never read from the file."""
    timeout: float = Field(default=30.0, gt=0)


class OutboxSettings(_Model):
    """Where the outbox transport writes messages: a Maildir."""

    path: Path = Path("outbox")


class SourceSettings(_Model):
    """One source of articles for a list."""

    name: str = Field(min_length=1)
    kind: SourceKind = Field(alias="type")
    url: str | None = None
    """Feed or page URL (http, https), or a path to a local feed file."""
    path: Path | None = None
    """Folder of .txt, .md and .html files (kind = "folder"), or a feed file."""
    max_items: int = Field(default=20, ge=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SubscriberSettings(_Model):
    """One subscriber of a list."""

    email: str
    name: str = ""


class ListSettings(_Model):
    """One mailing list: its sources, its subscribers and how its editions look."""

    name: str
    """The list's key in the config, e.g. ``daily``."""
    title: str
    description: str = ""
    schedule: str = "daily at 07:00"
    timezone: str | None = None
    """IANA zone for this list; the top-level timezone when not set."""
    points: int = Field(default=3, ge=1, le=10)
    """Key points per article."""
    algorithm: Algorithm = "digest"
    max_items: int = Field(default=20, ge=1)
    """Most articles in one edition."""
    window_hours: float = Field(default=24.0, gt=0)
    """How far back the first edition looks for articles."""
    subject: str = "{{ title }} — {{ date }}: {{ headline }}"
    """Jinja2 template of the subject line: title, date, headline, count."""
    sources: tuple[SourceSettings, ...] = ()
    subscribers: tuple[SubscriberSettings, ...] = ()
    subscribers_file: Path | None = None
    """CSV file (header row: email,name) with more subscribers, relative to the config."""


class Settings(_Model):
    """Everything one run needs, resolved: paths are absolute, secrets are loaded."""

    config_path: Path
    sender: str
    """From address, e.g. ``Morning Briefing <digest@example.org>``."""
    reply_to: str | None = None
    base_url: str = "https://digest.example.org"
    """Public address of the unsubscribe endpoint and the archive."""
    timezone: str = "UTC"
    state_path: Path
    transport: Transport = "outbox"
    smtp: SmtpSettings = SmtpSettings()
    outbox: OutboxSettings = OutboxSettings()
    unsubscribe_key_env: str = "DIGEST_UNSUBSCRIBE_KEY"
    lists: tuple[ListSettings, ...]

    def list_timezone(self, item: ListSettings) -> str:
        """The IANA zone the list's dates are shown in."""
        return item.timezone or self.timezone
