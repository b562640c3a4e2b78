"""Every state test that takes `state_location` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgres"])
def state_location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A SQLite file path, or a PostgreSQL URL (a schema of its own)."""
    if request.param == "sqlite":
        return tmp_path / "state.sqlite"
    url: str = request.getfixturevalue("postgres_url")
    return url
