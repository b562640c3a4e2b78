"""Typed settings: what config.py builds from digest.toml and the environment.

These are data, not a stage: every stage may read them. They are pydantic models so
that config.py can validate a whole file and report every mistake at once; they are
frozen so that no stage changes them.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from urllib.request import url2pathname

from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork, SecretStr, field_validator

from ..errors import ConfigError

Transport = Literal["outbox", "smtp"]
Security = Literal["starttls", "tls", "none"]
SourceKind = Literal["feed", "folder", "page"]
FullText = Literal["auto", "always", "never"]
Algorithm = Literal["digest", "lead", "lexrank", "textrank", "luhn", "lsa", "sumbasic", "kl"]

MAX_HOURS = 100 * 365 * 24
"""Longest span an hours setting may give (876000, 100 years, "all of it"): far inside
what datetime arithmetic can hold (`inf`, or ~17.7M hours from today, crashed a run)."""

MAX_AGE_HOURS = 30 * 24
"""Default maximum age of a new article: 30 days. An article first seen late (a scheduled
post, late indexing, a rebuilt feed) still goes out; a source that floods the list with
its archive under new ids does not."""

PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net", "example")
"""Domains reserved for examples (RFC 2606): a URL there reaches nobody's server."""


def is_placeholder_url(url: str) -> bool:
    """True when the URL's host is an example domain or under one, like the example config's."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return any(host == domain or host.endswith("." + domain) for domain in PLACEHOLDER_DOMAINS)


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
    connections: int = Field(default=1, ge=1, le=64)
    """How many connections send in parallel, each reused across messages."""
    max_per_second: float | None = Field(default=None, gt=0)
    """Most messages handed over per second, over all connections; None for no limit."""
    max_per_hour: int | None = Field(default=None, ge=1)
    """Most messages handed over in any hour, over all connections; None for no limit."""
    attempts: int = Field(default=3, ge=1, le=20)
    """Tries per message for a 4xx reply, a timeout or a dropped connection."""
    backoff: float = Field(default=1.0, ge=0)
    """Seconds before the first retry; each further retry waits twice as long."""


class DkimSettings(_Model):
    """DKIM signing of every message (the [dkim] table); the key stays out of the file."""

    selector: str = Field(min_length=1)
    """The selector: the public key is published at SELECTOR._domainkey.DOMAIN."""
    domain: str = Field(min_length=1)
    """The signing domain (d=), usually the domain of the From address."""
    key_file: Path | None = None
    """PEM file with the RSA private key, relative to the config."""
    key_env: str | None = None
    """Name of an environment variable holding the PEM key (instead of key_file)."""
    key: SecretStr | None = Field(default=None, exclude=True)
    """The PEM key, filled from key_file or key_env at load time."""


class QueueSettings(_Model):
    """The task queue that carries an edition's recipients to `digest worker` processes."""

    url: str = Field(min_length=1)
    """The Redis server, e.g. ``redis://127.0.0.1:6379/0``."""
    batch: int = Field(default=500, ge=1, le=100_000)
    """Recipients per queued batch: what one worker claims and sends at a time."""
    name: str = Field(default="digest", min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    """The queue's name on the Redis server (several installations may share one server)."""
    password_env: str | None = None
    """Name of the environment variable holding the Redis password, if it needs one."""
    password: SecretStr | None = Field(default=None, exclude=True)
    """Filled from password_env at load time; never read from the file."""


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
    """How many of its newest entries the list's first fetch of the source takes; the
    older ones are its baseline, never sent. Later fetches take every new entry."""
    full_text: FullText = "auto"
    """Fetch an entry's linked page: "auto" when the feed gives only a teaser, or always/never."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def location(self) -> str:
        """Where the source reads from: its URL or path, as the config gives it; "" if neither."""
        return self.url or (str(self.path) if self.path else "")

    def local_path(self) -> Path | None:
        """The file or folder on this machine the source reads; None when it is fetched.

        A folder's path; a feed's path, or its url when that is a file: URI or a plain
        path. An http(s) URL (or any other scheme) is not local.
        """
        if self.kind == "folder" or (self.kind == "feed" and not self.url):
            return self.path
        if self.kind != "feed" or self.url is None:
            return None
        parts = urlsplit(self.url)
        scheme = parts.scheme.lower()
        if scheme == "file":
            return Path(url2pathname(parts.path))
        if len(scheme) > 1:  # one letter is a Windows drive, not a scheme
            return None
        return Path(self.url)


class CollectSettings(_Model):
    """How sources are fetched: timeouts, size cap, retries, concurrency and politeness."""

    timeout: float = Field(default=20.0, gt=0)
    """Seconds to connect, and to wait for each piece of a response."""
    deadline: float = Field(default=120.0, gt=0)
    """Seconds one response body may take to arrive in all (defeats trickling servers)."""
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    """Largest response body accepted, after decompression."""
    retries: int = Field(default=2, ge=0, le=10)
    """Further tries after a 5xx reply, 429 or timeout."""
    backoff: float = Field(default=1.0, ge=0)
    """Seconds before the first retry; doubles on each further one."""
    concurrency: int = Field(default=6, ge=1, le=32)
    """Most requests in flight at once, over all sources."""
    host_interval: float = Field(default=1.0, ge=0)
    """Seconds between two requests to the same host (one at a time per host)."""
    teaser_words: int = Field(default=150, ge=0)
    """A feed entry with fewer words is a teaser: its page is fetched (full_text = "auto")."""
    allow_networks: tuple[IPvAnyNetwork, ...] = ()
    """Non-public networks (e.g. ``10.0.0.0/8``) that the config's own source URLs may
    reach; links and redirects found in feeds and pages reach public addresses only."""

    @field_validator("allow_networks", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        """Each entry an IP network; a name or host bits past the prefix say the fix."""
        if isinstance(value, str):
            raise ValueError(f'must be a list of networks, e.g. ["{value}"]')
        if not isinstance(value, list | tuple):
            return value
        for entry in value:
            if not isinstance(entry, str):
                continue
            try:
                ipaddress.ip_network(entry)
            except ValueError as exc:
                try:
                    fixed = ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise ValueError(
                        f"{entry!r} is not an IP network: write addresses with a prefix, "
                        'e.g. "10.0.0.0/8", "192.168.1.20/32" or "fd00::/8" (not host names)'
                    ) from exc
                raise ValueError(
                    f'{entry!r} has bits set past its prefix: write "{fixed}"'
                ) from exc
        return value


class SubscriberSettings(_Model):
    """One subscriber of a list, written inline in the config.

    Only its keys and their TOML types are checked here. Its values (the address, status,
    format, max_items, time zone) are checked where CSV and TOML file entries are, by
    `digest.subscribers`: one rule for every entry, and a bad entry is skipped and named
    by runs and refused by `digest check`, never the whole config.
    """

    email: str
    name: str = ""
    status: str = "active"
    """active, paused or unsubscribed."""
    topics: tuple[str, ...] = ()
    """Keywords or source names to include; a leading - excludes instead."""
    max_items: int | None = None
    format: str = "html"
    """html or text."""
    timezone: str | None = None


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
    max_age_hours: float | None = Field(default=None, gt=0, le=MAX_HOURS)
    """Oldest an article may be to be new (default MAX_AGE_HOURS); an article is new when
    the list has not sent it, whatever its date, except when it is older than this."""
    window_hours: float | None = Field(default=None, gt=0, le=MAX_HOURS)
    """The older name of max_age_hours, used when max_age_hours is not set."""
    carry_over: bool = True
    """What max_items leaves out of an edition goes into the next one (oldest first, up to
    the maximum age); false: it is left out for good. The run reports it either way."""
    send_when_empty: bool = False
    """Send an "all quiet" edition when nothing is new (default: skip it and log that)."""
    subject: str = "{{ headline }}{% if more %} (+{{ more }} more){% endif %} — {{ title }}"
    """Jinja2 template of the subject line: title, date, headline, count, more (count - 1).
    The top story comes first; a subject past 60 characters gets a shorter headline."""
    sources: tuple[SourceSettings, ...] = ()
    subscribers: tuple[SubscriberSettings, ...] = ()
    subscribers_file: Path | None = None
    """More subscribers, relative to the config: a .csv file with a header row, or .toml."""
    template_dir: Path | None = None
    """Theme: a folder of templates searched before the built-in ones, relative to the config."""

    @property
    def max_age(self) -> float:
        """Hours after which an article is too old to be new (max_age_hours or its old name)."""
        return self.max_age_hours or self.window_hours or MAX_AGE_HOURS


class ScheduleSettings(_Model):
    """How the daemon (`digest serve`) keeps the lists' schedules."""

    grace_hours: float = Field(default=3.0, ge=0, le=MAX_HOURS)
    """An edition missed while the daemon was down is sent on restart if at most this late."""


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
    """The SQLite state file (and, with SQLite, the run lock beside it)."""
    state_url: str | None = None
    """A postgresql:// URL when the state lives in PostgreSQL ([state] url); else None."""
    state_password_env: str | None = None
    """Name of the environment variable holding the PostgreSQL password, if needed."""
    state_password: SecretStr | None = Field(default=None, exclude=True)
    queue: QueueSettings | None = None
    """Fan-out to `digest worker` processes over Redis; None sends in this process."""
    transport: Transport = "outbox"
    smtp: SmtpSettings = SmtpSettings()
    outbox: OutboxSettings = OutboxSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    collect: CollectSettings = CollectSettings()
    dkim: DkimSettings | None = None
    """DKIM signing; messages go out unsigned when there is no [dkim] table."""
    unsubscribe_key_env: str = "DIGEST_UNSUBSCRIBE_KEY"
    unsubscribe_key: SecretStr | None = Field(default=None, exclude=True)
    """Filled from unsubscribe_key_env at load time when that variable is set; never read
    from the file. Without it, a random key kept in the state file signs the links."""
    archive_dir: Path = Path("archive")
    """Folder the web archive of editions is written to, relative to the config."""
    archive_url: str | None = None
    """Public address of archive_dir; ``{base_url}/archive`` when not set."""
    lists: tuple[ListSettings, ...]

    def find_list(self, list_name: str) -> ListSettings | None:
        """The list of this name, or None: the one lookup of a list by its name."""
        return next((item for item in self.lists if item.name == list_name), None)

    def chosen_lists(self, list_name: str | None) -> tuple[ListSettings, ...]:
        """Every list, or the one named; an unknown name is a ConfigError listing the names."""
        if list_name is None:
            return self.lists
        item = self.find_list(list_name)
        if item is None:
            names = ", ".join(item.name for item in self.lists)
            raise ConfigError(f"no list named {list_name!r} in {self.config_path}; lists: {names}.")
        return (item,)

    def one_list(self, list_name: str | None) -> ListSettings:
        """The list named, or the config's only list; ConfigError when it has several."""
        if list_name is None and len(self.lists) > 1:
            names = ", ".join(item.name for item in self.lists)
            raise ConfigError(
                f"{self.config_path} has several lists ({names}); say which one.",
                hint="pass --list NAME",
            )
        return self.chosen_lists(list_name)[0]

    def state_location(self) -> str | Path:
        """Where the state lives: the PostgreSQL URL, or the SQLite file."""
        return self.state_url or self.state_path

    def list_timezone(self, item: ListSettings) -> str:
        """The IANA zone the list's dates are shown in."""
        return item.timezone or self.timezone

    def public_archive_url(self) -> str:
        """Where readers find archive_dir on the web, without a trailing slash."""
        return (self.archive_url or f"{self.base_url.rstrip('/')}/archive").rstrip("/")
