"""The optional engines past one machine: `[state] url` (PostgreSQL) and `[queue]` (Redis).

`state = "path"` (or nothing) keeps the SQLite file; `[state] url = "postgresql://…"`
moves the state to PostgreSQL, and a url that is not postgresql:// is a SQLite path.
Passwords never go in the file: `password_env` names the variable that holds them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError
from ._settings import Settings

DEFAULT_STATE = "state/digest.sqlite"
POSTGRES_SCHEMES = ("postgresql", "postgres")
REDIS_SCHEMES = ("redis", "rediss", "unix")
_STATE_KEYS = ("url", "password_env")
HIDDEN = ("state_url", "state_password_env", "state_password")
"""Settings fields the file spells as the [state] table, not as top-level keys."""


def is_postgres_url(url: str) -> bool:
    """True for a postgresql:// (or postgres://) URL, the one way to choose PostgreSQL."""
    return urlsplit(url).scheme.lower() in POSTGRES_SCHEMES


def prepare_state(state: Any, path: Path) -> dict[str, Any]:
    """The Settings fields for the file's `state` key or `[state]` table (paths not resolved).

    Returns `state_path` (a path string) and, for PostgreSQL, `state_url` and
    `state_password_env`.
    """
    if state is None or isinstance(state, str):
        return {"state_path": state or DEFAULT_STATE}
    if not isinstance(state, dict):
        raise ConfigError(
            f"{path}: state must be a path or a [state] table, got {state!r}.",
            hint='write state = "state/digest.sqlite", or [state] url = "postgresql://…"',
        )
    unknown = sorted(set(state) - set(_STATE_KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: [state] has no key {unknown[0]!r}; its keys are url and password_env.",
            hint='e.g. [state] url = "postgresql://digest@db.example.org/digest"',
        )
    url = state.get("url", DEFAULT_STATE)
    if not isinstance(url, str) or not url:
        raise ConfigError(f"{path}: [state] url must be a non-empty string, got {url!r}.")
    if not is_postgres_url(url):
        return {"state_path": url.removeprefix("sqlite://") or DEFAULT_STATE}
    if urlsplit(url).password:
        raise ConfigError(
            f"{path}: [state] url holds a password; secrets never go in the file.",
            hint="remove it from the URL and name its variable: "
            '[state] password_env = "PGPASSWORD"',
        )
    return {
        "state_path": DEFAULT_STATE,
        "state_url": url,
        "state_password_env": state.get("password_env"),
    }


def check_backends(settings: Settings) -> list[str]:
    """Mistakes in [state] url and [queue], in the file's terms."""
    problems = []
    queue = settings.queue
    if queue is not None:
        parts = urlsplit(queue.url)
        if parts.scheme.lower() not in REDIS_SCHEMES:
            problems.append(
                f"[queue] url must be a redis:// (or rediss://, unix://) URL, got {queue.url!r}"
            )
        elif parts.password:
            problems.append(
                "[queue] url holds a password; remove it and name its variable in "
                '[queue] password_env = "DIGEST_REDIS_PASSWORD"'
            )
        if settings.state_url is None:
            problems.append(
                '[queue] needs [state] url = "postgresql://…": workers on other machines '
                "share the delivery log there (a SQLite file is one machine's)"
            )
    return problems
