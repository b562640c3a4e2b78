"""The one-click unsubscribe endpoint (RFC 8058): a small WSGI app, served by waitress.

``POST /u/TOKEN`` unsubscribes at once, without cookies or login: mail clients send it
with the body ``List-Unsubscribe=One-Click``, and the confirmation page's button sends
the same. ``GET /u/TOKEN`` only shows that page, since mail scanners follow links and
must not unsubscribe anybody. A token that is not ours answers 403, any other path 404.

The app only reads tokens and answers; what an unsubscribe does (store it durably, then
write it into the subscriber file) is the `record` callable the pipeline gives it.
Waitress, a production WSGI server, parses the requests and bounds the connections.
Run it behind a TLS-terminating reverse proxy at `base_url`: the links in the mail are
``BASE_URL/u/TOKEN``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import jinja2
import waitress
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.utilities import Error

from ..errors import ConfigError, DigestError
from ._tokens import read_token

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger(__package__)

Record = Callable[[str, str], bool]
"""Unsubscribes (list name, address): True once stored, False when the address is on no
such list (nothing to store); raises DigestError when it cannot be stored."""

_MAX_BODY = 64 * 1024
_MAX_TARGET = 8 * 1024
"""Longest request target answered (tokens are ~100 characters); longer ones get 414."""
MAX_CONNECTIONS = 100
"""Connections served at once; more wait in the listen backlog until one closes."""
REQUEST_SECONDS = 15
"""Longest a request may take to arrive in full (a slow client is cut off after it)."""
IDLE_SECONDS = 10
"""Longest an idle connection is kept open."""
_MAX_HEADER_BYTES = 128 * 1024
"""Request line and headers together; beyond it waitress answers 431."""
_HTTP_METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
)
_HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    ),
]
_HEADINGS = {
    "not found": "Not found",
    "forged": "Link not valid",
    "done": "Unsubscribed",
    "unavailable": "Please try again",
    "too large": "Too large",
    "method": "Not allowed",
    "bad request": "Bad request",
}
_PAGES = jinja2.Environment(
    loader=jinja2.PackageLoader("digest", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


class UnsubscribeApp:
    """The WSGI application: answers the unsubscribe links of every list of one config."""

    def __init__(
        self, *, key: bytes, titles: Mapping[str, str], record: Record, contact: str = ""
    ) -> None:
        self._key = key
        self._titles = dict(titles)
        self._record = record
        self._contact = contact
        """Where a reader writes when the unsubscribe cannot be stored (SENDER+unsubscribe@…)."""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        status, page, values = self._answer(method, environ)
        heading = values.pop("heading", None) or _HEADINGS[page]
        values.setdefault("contact", self._contact)
        body = _PAGES.get_template("pages/unsubscribe.html.j2").render(
            page=page, heading=heading, **values
        )
        data = body.encode("utf-8")
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data)))]
        if status in (HTTPStatus.METHOD_NOT_ALLOWED, HTTPStatus.NOT_IMPLEMENTED):
            headers.append(("Allow", "GET, HEAD, POST"))
        if status == HTTPStatus.SERVICE_UNAVAILABLE:
            headers.append(("Retry-After", "300"))
        start_response(f"{status.value} {status.phrase}", headers + _HEADERS)
        # The token holds the address: keep it out of the log.
        path = str(environ.get("PATH_INFO", ""))
        log.info("%s %s %d", method, "/u/…" if path.startswith("/u/") else "-", status.value)
        return [] if method == "HEAD" else [data]

    def _answer(
        self, method: str, environ: WSGIEnvironment
    ) -> tuple[HTTPStatus, str, dict[str, Any]]:
        target = str(environ.get("REQUEST_URI") or environ.get("PATH_INFO", ""))
        if len(target) > _MAX_TARGET:
            return HTTPStatus.REQUEST_URI_TOO_LONG, "too large", {}
        if method not in _HTTP_METHODS:
            return HTTPStatus.NOT_IMPLEMENTED, "method", {}
        if method not in ("GET", "HEAD", "POST"):
            return HTTPStatus.METHOD_NOT_ALLOWED, "method", {}
        if method == "POST":
            length = str(environ.get("CONTENT_LENGTH") or "0")
            size = int(length) if length.isdigit() else 0
            if size > _MAX_BODY:
                return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too large", {}
            environ["wsgi.input"].read(size)
        path = str(environ.get("PATH_INFO", ""))
        token = path[3:] if path.startswith("/u/") else ""
        if not token or "/" in token:
            return HTTPStatus.NOT_FOUND, "not found", {}
        found = read_token(self._key, token)
        if found is None:
            return HTTPStatus.FORBIDDEN, "forged", {}
        list_name, email = found
        values: dict[str, Any] = {"title": self._titles.get(list_name, list_name), "email": email}
        if method != "POST":
            return (
                HTTPStatus.OK,
                "confirm",
                {**values, "heading": f"Unsubscribe from {values['title']}"},
            )
        try:
            is_stored = self._record(list_name, email)
        except DigestError as exc:
            log.error("list %s: unsubscribe failed: %s", list_name, exc)
            return HTTPStatus.SERVICE_UNAVAILABLE, "unavailable", {}
        if is_stored:
            log.info("list %s: unsubscribed by link", list_name)
            log.debug("list %s: unsubscribed %s", list_name, email)
        return HTTPStatus.OK, "done", values


class EndpointServer:
    """The app on waitress, bound at once (port 0 picks a free port); serve, then close."""

    def __init__(
        self,
        app: UnsubscribeApp,
        host: str,
        port: int,
        *,
        max_connections: int = MAX_CONNECTIONS,
        request_seconds: float = REQUEST_SECONDS,
    ) -> None:
        try:
            # Bound here, not by waitress, which leaves its socket open when binding fails.
            listener = socket.create_server((host, port), family=_family(host))
        except OSError as exc:
            raise ConfigError(
                f"cannot serve the unsubscribe endpoint on {host}:{port}: "
                f"{os.strerror(exc.errno) if exc.errno else exc}.",
                hint="another program may listen there: stop it, or choose a free port",
            ) from exc
        self._server: Any = waitress.create_server(
            app,
            sockets=[listener],
            threads=4,
            connection_limit=max_connections,
            channel_timeout=IDLE_SECONDS,
            cleanup_interval=1,
            max_request_header_size=_MAX_HEADER_BYTES,
            max_request_body_size=_MAX_BODY,
            ident="digest",
        )
        # Waitress closes idle connections, but not one whose request trickles in byte
        # by byte for ever: its maintenance pass (each cleanup_interval) does that too.
        idle_check = self._server.maintenance
        started: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

        def maintenance(now: float) -> None:
            idle_check(now)
            for channel in list(self._server.active_channels.values()):
                request = channel.request  # a request still arriving; None between requests
                if request is not None and now - started.setdefault(request, now) > request_seconds:
                    log.info("answered 408 to a request that took over %g s", request_seconds)
                    _time_out(channel, request, request_seconds)

        self._server.maintenance = maintenance
        self._server.channel_class = _Channel
        self._thread: threading.Thread | None = None
        self._closing = threading.Lock()
        self._is_closed = False
        self._is_serving = threading.Event()
        self._has_stopped = threading.Event()

    @property
    def url(self) -> str:
        """Where the server listens, e.g. ``http://127.0.0.1:8058``."""
        host, port = self._server.effective_host, self._server.effective_port
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def serve_forever(self) -> None:
        """Answer requests until close() is called from another thread."""
        self._is_serving.set()
        try:
            self._server.run()
        finally:
            self._has_stopped.set()

    def start(self) -> EndpointServer:
        """Serve in a daemon thread (beside the scheduler of `digest serve`)."""
        self._thread = threading.Thread(
            target=self.serve_forever, name="unsubscribe-server", daemon=True
        )
        self._thread.start()
        log.info("unsubscribe endpoint listening on %s", self.url)
        return self

    def close(self) -> None:
        """Stop serving and free the port; from any thread, and more than once."""
        with self._closing:
            if self._is_closed:
                return
            self._is_closed = True
        if self._is_serving.is_set() and not self._has_stopped.is_set():
            # Sockets are closed inside the serving loop, never under its poll (EBADF).
            self._server.trigger.pull_trigger(lambda: wasyncore.close_all(self._server._map))
            self._has_stopped.wait(5)
        else:
            wasyncore.close_all(self._server._map)
        self._server.task_dispatcher.shutdown()
        if self._thread is not None:
            self._thread.join(5)


class _RequestTimeout(Error):  # type: ignore[misc]
    code = 408
    reason = "Request Timeout"


def _time_out(channel: Any, request: Any, seconds: float) -> None:
    """Answer 408 to a request still arriving after `seconds`, then close the connection.

    As waitress answers a request it cannot parse: the request is completed with an
    error, and a task thread writes the error response (Connection: close).
    """
    with channel.requests_lock:
        if channel.request is not request or channel.will_close or channel.close_when_flushed:
            return
        if channel.requests:  # an answer is still being written: close after it
            channel.close_when_flushed = True
            return
        request.error = _RequestTimeout(f"The request did not arrive within {seconds:g} s.")
        request.completed = True
        channel.request = None
        channel.requests.append(request)
        channel.server.add_task(channel)


class _Parser(HTTPRequestParser):  # type: ignore[misc]
    """Waitress's parser, refusing request lines of other HTTP versions (400).

    Waitress itself answers an ``HTTP/2.0`` (or 0.9) request as if it were HTTP/1.0.
    """

    def parse_header(self, header_plus: bytes) -> None:
        """Parse as waitress does; a version other than 1.0 or 1.1 is a bad request."""
        super().parse_header(header_plus)
        if self.version not in ("1.0", "1.1"):
            shown = f"HTTP/{self.version}" if self.version else "a request line without one"
            raise ParsingError(f"{shown} is not supported: use HTTP/1.1")


class _Channel(HTTPChannel):  # type: ignore[misc]
    parser_class = _Parser


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
