"""fetch: the retry policy against a real loopback server (Retry-After, the cap, the log)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from digest.collect._fetch import RetryPolicy, fetch, http_client
from tests.feed_helpers import FeedServer, Reply, trusting

OK = Reply(body=b"<rss version='2.0'><channel/></rss>", headers={"Content-Type": "text/xml"})


@pytest.fixture
def client(feed_server: FeedServer) -> Iterator[httpx.Client]:
    with http_client(timeout=2.0, networks=trusting(feed_server)) as value:
        yield value


def test_retry_after_is_honoured_up_to_the_cap(
    feed_server: FeedServer, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    url = feed_server.serve("/busy", Reply(status=503, headers={"Retry-After": "3600"}), OK)
    policy = RetryPolicy(attempts=2, backoff=0.01, max_delay=0.2)
    with caplog.at_level(logging.INFO, logger="digest.collect"):
        fetched = fetch(url, source="Busy", client=client, retry=policy)
    assert fetched is not None and fetched.content == OK.body
    assert caplog.messages == [
        f"source 'Busy' ({url}): the server answered HTTP 503 Service Unavailable; "
        "retrying in 0.2 s (try 2 of 2)"
    ]
    first, second = feed_server.requests_for("/busy")
    assert second.at - first.at >= 0.2  # more than the 0.01 s backoff: Retry-After counted


@pytest.mark.parametrize("value", ["Wed, 21 Oct 2026 07:28:00 GMT", "\u00b2", "-1", ""])
def test_a_retry_after_that_is_no_count_of_seconds_leaves_the_backoff(
    feed_server: FeedServer, client: httpx.Client, value: str
) -> None:
    url = feed_server.serve("/busy", Reply(status=503, headers={"Retry-After": value}), OK)
    policy = RetryPolicy(attempts=2, backoff=0.01, max_delay=5.0)
    assert fetch(url, source="Busy", client=client, retry=policy) is not None
    first, second = feed_server.requests_for("/busy")
    assert second.at - first.at < 1.0
