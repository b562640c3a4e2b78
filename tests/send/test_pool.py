"""The SMTP pool and its shared rate limit: N connections in threads, real aiosmtpd server."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from digest.errors import DeliveryError
from digest.models import Message
from digest.send._send import (
    PooledSender,
    RateLimiter,
)
from tests.send.test_send import make_message
from tests.smtp_helpers import (
    SmtpSink,
)


def test_rate_limiter_spaces_sends() -> None:
    now = [0.0]
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(round(seconds, 6))
        now[0] += seconds

    limiter = RateLimiter(per_second=4, per_hour=5, clock=lambda: now[0], sleep=sleep)
    for _ in range(6):
        limiter.wait()
    assert pauses == [0.25, 0.25, 0.25, 0.25, 3599.0]


def test_rate_limiter_is_shared_fairly_by_threads() -> None:
    limiter = RateLimiter(per_second=100)

    def send_five() -> None:
        for _ in range(5):
            limiter.wait()

    start = time.monotonic()
    threads = [threading.Thread(target=send_five) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - start >= 19 / 100  # 20 sends, 10 ms apart, whoever sends


def test_pool_spreads_messages_over_its_connections_each_once(smtp_server: SmtpSink) -> None:
    smtp_server.delay = 0.005  # so that every connection gets work
    messages = [make_message(n) for n in range(40)]
    with PooledSender(smtp_server.settings(connections=4)) as pool:
        outcomes = list(pool.send_many(messages))
    assert sorted(m.to for m, error in outcomes if error is None) == sorted(m.to for m in messages)
    assert smtp_server.copies() == Counter(m.to for m in messages)
    assert smtp_server.connections == pool.connections == 4


def test_pool_reports_a_refusal_and_delivers_the_rest(smtp_server: SmtpSink) -> None:
    smtp_server.reject("reader3@example.org")
    smtp_server.reject("reader5@example.org", "451 4.3.0 busy", times=1)
    smtp_server.fail_nth("DATA", 4, "421 4.3.2 closing")
    smtp_server.fail_nth("DATA", 7, None)  # dropped during DATA
    messages = [make_message(n) for n in range(1, 21)]
    with PooledSender(smtp_server.settings(connections=3, backoff=0.01)) as pool:
        errors = {m.to: error for m, error in pool.send_many(messages) if error is not None}
    assert list(errors) == ["reader3@example.org"]
    assert errors["reader3@example.org"].is_permanent
    expected = Counter(m.to for m in messages if m.to != "reader3@example.org")
    assert smtp_server.copies() == expected


def test_pool_rate_limit_holds_over_all_connections(smtp_server: SmtpSink) -> None:
    settings = smtp_server.settings(connections=3, max_per_second=50)
    start = time.monotonic()
    with PooledSender(settings) as pool:
        assert all(error is None for _, error in pool.send_many(make_message(n) for n in range(15)))
    assert time.monotonic() - start >= 14 / 50
    assert len(smtp_server.messages) == 15


def test_pool_raises_a_bug_in_the_callers_thread(smtp_server: SmtpSink) -> None:
    def broken_signer(message: Message) -> Message:
        raise ZeroDivisionError("a bug")

    with (
        PooledSender(smtp_server.settings(), sign=broken_signer) as pool,
        pytest.raises(ZeroDivisionError),
    ):
        list(pool.send_many(make_message(n) for n in range(5)))
    assert smtp_server.messages == []


def test_pool_left_early_cancels_queued_messages(smtp_server: SmtpSink) -> None:
    smtp_server.delay = 0.02
    with PooledSender(smtp_server.settings(connections=2)) as pool:
        for _ in pool.send_many(make_message(n) for n in range(100)):
            break
        assert len(smtp_server.messages) <= 1 + 3  # the first, and the window of 3 at most
        pool.send(make_message(200))  # still usable afterwards
    assert smtp_server.copies()["reader200@example.org"] == 1


def test_pool_send_raises_the_delivery_error(smtp_server: SmtpSink) -> None:
    smtp_server.reject("gone@example.org")
    with PooledSender(smtp_server.settings()) as pool, pytest.raises(DeliveryError) as info:
        pool.send(make_message(to="gone@example.org"))
    assert info.value.is_permanent
