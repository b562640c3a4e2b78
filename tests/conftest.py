"""Shared fixtures: small, and named for what they provide."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .feed_helpers import FeedServer
from .server_helpers import postgres_url, redis_url
from .smtp_helpers import smtp_server

__all__ = ["postgres_url", "redis_url", "smtp_server"]

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The team's shared folder (real data and samples) beside the checkout; skip if absent."""
    path = Path(os.environ.get("DIGEST_SHARED", ROOT.parent / "shared"))
    if not path.is_dir():
        pytest.skip(f"shared data folder not found at {path} (set DIGEST_SHARED)")
    return path


@pytest.fixture(autouse=True)
def fixed_clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in a test read the test module's clock (its NOW), never the real one.

    The command line reads $DIGEST_NOW instead of the system clock when it is set, so a
    test that writes items dated at NOW and then runs `digest run` passes on any date.
    """
    now = getattr(request.module, "NOW", None)
    if now is not None:
        monkeypatch.setenv("DIGEST_NOW", now.isoformat())
    else:
        monkeypatch.delenv("DIGEST_NOW", raising=False)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A started loopback HTTP server for feeds and pages."""
    with FeedServer() as server:
        yield server
