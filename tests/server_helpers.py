"""Real PostgreSQL and Redis servers for the tests that need them (.ci/services starts both).

`postgres_url` gives each test a schema of its own on $DIGEST_TEST_POSTGRES (dropped
afterwards); `redis_url` a flushed database on $DIGEST_TEST_REDIS. Without the servers
these tests skip and say why, except in CI ($CI set), where that is a failure: CI must
run them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import NoReturn

import pytest


def unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it in CI, where every server must be there."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run this test (.ci/run starts the servers)")
    pytest.skip(reason)


def with_schema(url: str, schema: str) -> str:
    """The URL with libpq options that put every table of the session in `schema`."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A postgresql:// URL whose tables land in a new, empty schema, dropped afterwards."""
    base = os.environ.get("DIGEST_TEST_POSTGRES")
    if not base:
        unavailable("no PostgreSQL: $DIGEST_TEST_POSTGRES is not set (`. .ci/services`)")
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        unavailable(f"no PostgreSQL at {base}: {exc}")
    with admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield with_schema(base, schema)
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A redis:// URL of an emptied database, emptied again afterwards."""
    url = os.environ.get("DIGEST_TEST_REDIS")
    if not url:
        unavailable("no Redis: $DIGEST_TEST_REDIS is not set (`. .ci/services`)")
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.ConnectionError as exc:
        unavailable(f"no Redis at {url}: {exc}")
    try:
        yield url
    finally:
        client.flushdb()
        client.close()
