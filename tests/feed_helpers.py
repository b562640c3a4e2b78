"""A real HTTP server on 127.0.0.1 for tests: serves canned responses and records requests.

    with FeedServer() as server:
        server.serve("/feed.xml", Reply(body=rss, headers={"Content-Type": "application/rss+xml"}))
        url = server.url("/feed.xml")

Fault knobs: a sequence of replies per path (500, 500, then 200), a pause before the
body (slow server), no Content-Length (body runs until the connection closes), a body
sent many times over without being built in memory (a 200 MB response), a pause between
those pieces (a body that trickles for ever), redirects and redirect loops, automatic
304 for a matching If-None-Match. Each request's arrival time is recorded, so tests can
check politeness; FeedServer("127.0.0.2") is a second host on the loopback network, and
FeedServer("::1") one on IPv6.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from digest.collect import NetworkPolicy

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def trusting(*servers: FeedServer) -> NetworkPolicy:
    """The network policy of a config whose sources are on these loopback servers.

    As a config with ``allow_networks = ["127.0.0.0/8"]`` and these servers' URLs as
    sources: their origins may reach loopback, any other origin only public addresses.
    """
    return NetworkPolicy(allowed_networks=LOOPBACK).trusting(s.base_url for s in servers)


@dataclass(frozen=True, slots=True)
class Reply:
    """One canned response."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    body_delay: float = 0.0
    """Seconds to wait after the headers, before the body (a slow server)."""
    has_length: bool = True
    """False: no Content-Length; the body ends when the connection closes."""
    is_gzipped: bool = False
    """Compress the body and say Content-Encoding: gzip."""
    body_repeat: int = 1
    """Send the body this many times in a row (Content-Length counts them all)."""
    chunk_delay: float = 0.0
    """Seconds to wait between two repeats of the body (a server that trickles)."""


@dataclass(frozen=True, slots=True)
class Request:
    """One request the server received."""

    method: str
    path: str
    headers: Mapping[str, str]
    """Header names in lower case."""
    at: float = 0.0
    """time.monotonic() when the request arrived."""


class FeedServer:
    """Loopback HTTP server on an ephemeral port, run in a thread; a context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._routes: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self.finished: dict[int, float] = {}
        """time.monotonic() when the reply to requests[i] was fully written."""
        self.stopping = threading.Event()
        self._httpd = (_Server6 if ":" in host else _Server)((host, port), _Handler)
        self._httpd.feed_server = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host, port = self._httpd.server_address[:2]
        return f"http://[{host!s}]:{port}" if ":" in str(host) else f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        """The absolute URL of path on this server."""
        return self.base_url + path

    def serve(self, path: str, *replies: Reply) -> str:
        """Answer requests for path with replies in turn (the last one repeats); returns the URL."""
        with self._lock:
            self._routes[path] = list(replies) or [Reply()]
        return self.url(path)

    def serve_feed(
        self, path: str, body: bytes | str, content_type: str = "application/rss+xml", **kw: Any
    ) -> str:
        """Serve one feed document with its content type; kw go to Reply."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        return self.serve(path, Reply(body=data, headers={"Content-Type": content_type}, **kw))

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        """Redirect path to ``to`` (a path on this server or a URL); returns the URL of path."""
        target = to if "://" in to else self.url(to)
        return self.serve(path, Reply(status=status, headers={"Location": target}))

    def requests_for(self, path: str) -> list[Request]:
        """The requests received for path, in order."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _next_reply(self, request: Request) -> tuple[int, Reply]:
        with self._lock:
            self.requests.append(request)
            index = len(self.requests) - 1
            replies = self._routes.get(request.path)
            if not replies:
                return index, Reply(status=404, body=b"not found")
            return index, replies.pop(0) if len(replies) > 1 else replies[0]

    def _finish(self, index: int) -> None:
        with self._lock:
            self.finished[index] = time.monotonic()

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stopping.set()  # ends bodies that would trickle for ever
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    feed_server: FeedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client hangs up early (timeouts and size caps do that on purpose)."""


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        server = self.server.feed_server
        request = Request(
            method="GET",
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            at=time.monotonic(),
        )
        index, reply = server._next_reply(request)
        try:
            self._reply(request, reply, server.stopping)
        finally:
            server._finish(index)

    def _reply(self, request: Request, reply: Reply, stopping: threading.Event) -> None:
        etag = reply.headers.get("ETag")
        if etag and request.headers.get("if-none-match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        body = gzip.compress(reply.body) if reply.is_gzipped else reply.body
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.is_gzipped:
            self.send_header("Content-Encoding", "gzip")
        if reply.has_length:
            self.send_header("Content-Length", str(len(body) * reply.body_repeat))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        if reply.body_delay:
            time.sleep(reply.body_delay)
        for number in range(reply.body_repeat):
            if number and reply.chunk_delay:
                # time.sleep, not Event.wait(timeout): libfaketime (the date-shifted CI run)
                # does not shift the monotonic deadline of a timed wait on a lock.
                time.sleep(reply.chunk_delay)
                if stopping.is_set():
                    return
            self.wfile.write(body)
            if reply.chunk_delay:
                self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""
