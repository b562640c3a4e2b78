"""The relay's rate limit shared in Redis: two limiters (two workers) draw on one budget."""

from __future__ import annotations

import threading

import pytest
import redis

from digest.errors import DeliveryError
from digest.send import SharedRateLimiter


def limiter(
    url: str, waits: list[float], per_second: float | None = None, per_hour: int | None = None
) -> SharedRateLimiter:
    client = redis.Redis.from_url(url)
    return SharedRateLimiter(client, "test:relay", per_second, per_hour, sleep=waits.append)


def test_two_workers_share_one_spacing(redis_url):
    waits: list[float] = []
    first = limiter(redis_url, waits, per_second=10)
    second = limiter(redis_url, waits, per_second=10)
    threads = [
        threading.Thread(target=lambda one=one: [one.wait() for _ in range(10)])
        for one in (first, second)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # 20 sends at 10/s: reserved 0.1 s apart on one timeline, whichever worker asks
    assert len(waits) >= 18  # the first (and a send after a slow round trip) need no wait
    assert max(waits) == pytest.approx(1.9, abs=0.3)


def test_the_hourly_budget_is_shared(redis_url):
    waits: list[float] = []
    first = limiter(redis_url, waits, per_hour=3)
    second = limiter(redis_url, waits, per_hour=3)
    first.wait()
    second.wait()
    first.wait()
    assert waits == []
    second.wait()  # the fourth in the hour waits for the first to leave it
    assert waits and waits[-1] == pytest.approx(3600, abs=5)


def test_no_limit_asks_nothing_of_redis():
    unreachable = SharedRateLimiter(redis.Redis(port=9), "k")
    unreachable.wait()  # no limit configured: no round trip, no error
    assert not unreachable.is_limited


def test_redis_gone_is_a_delivery_error_that_keeps_the_recipient_pending():
    gone = SharedRateLimiter(redis.Redis(port=9), "k", per_second=5)
    with pytest.raises(
        DeliveryError, match="cannot reach Redis for the shared rate limit"
    ) as caught:
        gone.wait()
    assert not caught.value.is_permanent
