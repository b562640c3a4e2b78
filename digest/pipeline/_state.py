"""The state store the config names: the SQLite file, or PostgreSQL ([state] url)."""

from __future__ import annotations

from ..config import Settings
from ..state import StateStore


def open_store(settings: Settings) -> StateStore:
    """Open (and migrate) the configured state store."""
    password = settings.state_password.get_secret_value() if settings.state_password else None
    return StateStore(settings.state_location(), password=password)


def has_store(settings: Settings) -> bool:
    """Whether there is state to read yet: a PostgreSQL server always is, a file once made."""
    return settings.state_url is not None or settings.state_path.exists()
