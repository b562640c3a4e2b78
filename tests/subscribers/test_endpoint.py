"""The one-click endpoint under hostile clients and a failing disk: it always answers.

Raw sockets against the running server (waitress on 127.0.0.1): malformed request
lines, huge headers, slow clients, many connections at once; and a state disk (a real
tmpfs) that fills up while the endpoint runs.
"""

from __future__ import annotations

import contextlib
import logging
import re
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from digest.config._settings import Settings
from digest.pipeline._subscribers import unsubscribe_endpoint
from digest.state import StateStore
from digest.subscribers._endpoint import EndpointServer, UnsubscribeApp
from digest.subscribers._tokens import unsubscribe_url

from ..disk_helpers import fill, small_disk
from ..subscriber_helpers import NOW, make_config

KEY = b"k" * 32


@pytest.fixture(autouse=True)
def _key_from_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIGEST_UNSUBSCRIBE_KEY", raising=False)


class Recorder:
    """The endpoint's `record`: remembers what it was asked to store."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, list_name: str, email: str) -> bool:
        self.calls.append((list_name, email))
        return True


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def server(recorder: Recorder) -> Iterator[EndpointServer]:
    app = UnsubscribeApp(key=KEY, titles={"daily": "Daily"}, record=recorder)
    started = EndpointServer(app, "127.0.0.1", 0, max_connections=20, request_seconds=1).start()
    try:
        yield started
    finally:
        started.close()


def address(server: EndpointServer) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def exchange(server: EndpointServer, data: bytes, *, wait: float = 5.0) -> bytes:
    """Send raw bytes, then read the whole answer (until the server closes or `wait`)."""
    with socket.create_connection(address(server), timeout=wait) as sock:
        with contextlib.suppress(OSError):  # the server may answer and close before the end
            sock.sendall(data)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and not data.startswith(b"HEAD"):
                    head, _, rest = answer.partition(b"\r\n\r\n")
                    length = next(
                        (int(line.split(b":")[1]) for line in head.split(b"\r\n")
                         if line.lower().startswith(b"content-length:")),
                        None,
                    )  # fmt: skip
                    if length is not None and len(rest) >= length:
                        break
        except (TimeoutError, ConnectionResetError):
            pass
    return answer


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1."), answer[:80]
    return int(answer.split(b" ", 2)[1])


MALFORMED = {
    "HTTP/2.0 request line": (b"GET /u/x HTTP/2.0\r\nHost: a\r\n\r\n", 400),
    "HTTP/3 request line": (b"POST /u/x HTTP/3\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 400),
    "line over 64 KiB": (b"GET /u/" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
    "line over 128 KiB": (b"GET /u/" + b"a" * 140_000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 431),
    "huge header": (b"GET /u/x HTTP/1.1\r\nHost: a\r\nX-A: " + b"b" * 300_000 + b"\r\n\r\n", 431),
    "many headers": (b"GET /u/x HTTP/1.1\r\n" + b"X-A: b\r\n" * 30_000 + b"\r\n", 431),
    "garbage start line": (b"GARBAGE\r\n\r\n", 400),
    "unknown method": (b"BREW /u/x HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    "method not allowed": (b"PUT /u/x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 405),
    "NUL in the path": (b"GET /u/\x00\xff HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    "bad chunk": (
        b"POST /u/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        400,
    ),
    "negative length": (b"POST /u/x HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n", 400),
    "body too large": (b"POST /u/x HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n", 413),
    "percent garbage": (b"GET /u/%ff%fe%00 HTTP/1.1\r\nHost: a\r\n\r\n", 403),
    "HTTP/0.9": (b"GET /u/x\r\n\r\n", 400),
}


def test_every_malformed_request_gets_an_answer_and_no_traceback(
    server: EndpointServer, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name, (request, expected) in MALFORMED.items():
        assert status_of(exchange(server, request)) == expected, name
    assert recorder.calls == []
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert "Traceback" not in caplog.text


def test_slow_and_vanishing_clients_leave_no_traceback(
    server: EndpointServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for partial in (
        b"GET /u/x HTTP/1.1\r\n",
        b"POST /u/x HTTP/1.1\r\nContent-Length: 20\r\n\r\nab",
    ):
        with socket.create_connection(address(server)) as sock:
            sock.sendall(partial)
            time.sleep(0.2)  # and hangs up mid-request
    # One that trickles a byte at a time is cut off after the request time limit.
    with socket.create_connection(address(server), timeout=10) as sock:
        started = time.monotonic()
        closed = False
        for byte in b"GET /u/x HTTP/1.1\r\nX-Slow: " + b"s" * 100:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.1)
            if time.monotonic() - started > 5:
                break
        if not closed:
            sock.settimeout(3)
            try:
                closed = sock.recv(100) == b""
            except ConnectionResetError:
                closed = True
    assert closed and time.monotonic() - started < 5
    assert httpx.get(f"{server.url}/").status_code == 404  # still serving
    assert "Traceback" not in caplog.text
    assert [r for r in caplog.records if r.exc_info] == []


def test_a_request_that_trickles_in_too_long_is_answered_408(server: EndpointServer) -> None:
    answer = b""
    with socket.create_connection(address(server), timeout=5) as sock:
        started = time.monotonic()
        for byte in b"POST /u/x HTTP/1.1\r\nHost: a\r\nX-Slow: " + b"s" * 100:
            if select.select([sock], [], [], 0.1)[0]:  # the server has answered
                break
            sock.sendall(bytes([byte]))
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
    assert re.match(rb"HTTP/1\.[01] 408 Request Timeout\r\n", answer), answer[:200]
    assert b"Connection: close" in answer
    assert time.monotonic() - started < 5


def test_many_slow_clients_are_capped_and_the_server_recovers(server: EndpointServer) -> None:
    before = threading.active_count()
    sockets = []
    try:
        for _ in range(60):  # three times the connection cap, each holding a half request
            sock = socket.create_connection(address(server))
            sock.sendall(b"GET /u/x HTTP/1.1\r\n")
            sockets.append(sock)
        time.sleep(0.5)
        assert threading.active_count() - before <= 2  # no thread per connection
        started = time.monotonic()
        answer = httpx.get(f"{server.url}/", timeout=15)
        assert answer.status_code == 404 and time.monotonic() - started < 10
    finally:
        for sock in sockets:
            sock.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_config(tmp_path, "lin@example.org,Lin,,,\n")


def test_tokens_that_name_no_subscriber_store_nothing(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with StateStore(settings.state_path) as store:
        key = store.secret("unsubscribe")
    server = unsubscribe_endpoint(settings, "127.0.0.1", 0, lambda: NOW).start()
    try:
        for list_name, email in (("gone", "ada@example.org"), ("daily", "stranger@example.org")):
            link = unsubscribe_url(server.url, key, list_name, email)
            answer = httpx.post(link, content=b"List-Unsubscribe=One-Click")
            assert answer.status_code == 200  # genuine link: the reader gets nothing either way
        assert "unsubscribed by link" not in caplog.text  # the log says what happened
        assert caplog.text.count("unsubscribe link for an address not on the list") == 2
        member = unsubscribe_url(server.url, key, "daily", "lin@example.org")
        assert httpx.post(member, content=b"List-Unsubscribe=One-Click").status_code == 200
    finally:
        server.close()
    with StateStore(settings.state_path) as store:
        assert set(store.unsubscribed("daily")) == {"lin@example.org"}
        assert store.unsubscribed("gone") == {}


def test_a_state_that_cannot_be_written_answers_503_with_what_to_do(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with small_disk(tmp_path / "state", "2m") as disk:  # where make_config puts the state
        settings = make_config(tmp_path, "lin@example.org,Lin,,,\n")
        with StateStore(settings.state_path) as store:
            key = store.secret("unsubscribe")
        server = unsubscribe_endpoint(settings, "127.0.0.1", 0, lambda: NOW).start()
        try:
            filler = fill(disk)
            link = unsubscribe_url(server.url, key, "daily", "lin@example.org")
            answer = httpx.post(link, content=b"List-Unsubscribe=One-Click")
            assert answer.status_code == 503 and answer.headers["Retry-After"] == "300"
            text = " ".join(answer.text.split())
            assert "could not be saved just now, so it has not taken effect yet" in text
            assert "open the link again in a few minutes" in text
            assert "news+unsubscribe@example.org" in text
            assert "Traceback" not in caplog.text
            filler.unlink()
            again = httpx.post(link, content=b"List-Unsubscribe=One-Click")
            assert again.status_code == 200
        finally:
            server.close()
        with StateStore(settings.state_path) as store:
            assert set(store.unsubscribed("daily")) == {"lin@example.org"}
