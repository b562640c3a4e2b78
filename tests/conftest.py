"""Shared fixtures: small, and named for what they provide."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .feed_helpers import FeedServer
from .smtp_helpers import smtp_server

__all__ = ["smtp_server"]

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The team's shared folder (real data and samples) beside the checkout; skip if absent."""
    path = Path(os.environ.get("DIGEST_SHARED", ROOT.parent / "shared"))
    if not path.is_dir():
        pytest.skip(f"shared data folder not found at {path} (set DIGEST_SHARED)")
    return path


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A started loopback HTTP server for feeds and pages."""
    with FeedServer() as server:
        yield server
