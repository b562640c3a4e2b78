"""The one-click unsubscribe endpoint (RFC 8058), on the standard library's HTTP server.

``POST /u/TOKEN`` unsubscribes at once, without cookies or login: mail clients send it
with the body ``List-Unsubscribe=One-Click``, and the confirmation page's button sends
the same. ``GET /u/TOKEN`` only shows that page, since mail scanners follow links and
must not unsubscribe anybody. A token that is not ours answers 403, any other path 404.

An unsubscribe is stored in the state database first (so the next run honours it
whatever happens next), then written into the subscriber file as status.

Run it behind a TLS-terminating reverse proxy at `base_url`: the links in the mail are
``BASE_URL/u/TOKEN``.
"""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from ..config import Settings
from ..errors import DigestError
from ..pipeline import unsubscribe_key
from ..state import StateStore
from ._edits import unsubscribe
from ._tokens import read_token

log = logging.getLogger(__name__)

DEFAULT_PORT = 8058
"""The endpoint's port unless told otherwise: the number of RFC 8058 (one-click unsubscribe).

Not 8025, where local test SMTP servers (aiosmtpd, smtp4dev) listen, nor 8000 or 8080,
which development web servers take.
"""
_MAX_BODY = 64 * 1024
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
}
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>
body {{ margin: 0; padding: 48px 16px; background: #f2f3f5; color: #1a1a1a;
  font: 16px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Arial, sans-serif; }}
main {{ max-width: 480px; margin: 0 auto; padding: 24px 32px; background: #fff; }}
h1 {{ font-size: 22px; margin: 0 0 12px 0; }}
button {{ font: inherit; padding: 10px 20px; border: 0; border-radius: 4px;
  background: #0b57d0; color: #fff; cursor: pointer; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"""


Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class UnsubscribeServer(ThreadingHTTPServer):
    """Serves the unsubscribe links of every list of one config."""

    daemon_threads = True

    def __init__(
        self, settings: Settings, address: tuple[str, int], clock: Clock = _utc_now
    ) -> None:
        with StateStore(settings.state_path) as store:
            self.key = unsubscribe_key(settings, store)
        self.settings = settings
        self.clock = clock
        self.titles = {item.name: item.title for item in settings.lists}
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        """Where the server listens, e.g. ``http://127.0.0.1:8058``."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def make_server(
    settings: Settings, host: str = "127.0.0.1", port: int = DEFAULT_PORT, clock: Clock = _utc_now
) -> UnsubscribeServer:
    """A bound, not yet serving unsubscribe server (port 0 picks a free port)."""
    return UnsubscribeServer(settings, (host, port), clock)


def serve_unsubscribe(
    settings: Settings, host: str = "127.0.0.1", port: int = DEFAULT_PORT, clock: Clock = _utc_now
) -> UnsubscribeServer:
    """Start the unsubscribe server in a daemon thread; stop it with `shutdown()`.

    For `digest serve`, which runs it beside the scheduler. Call `server_close()` after
    `shutdown()` to free the port.
    """
    server = make_server(settings, host, port, clock)
    thread = threading.Thread(target=server.serve_forever, name="unsubscribe-server", daemon=True)
    thread.start()
    log.info("unsubscribe endpoint listening on %s", server.url)
    return server


class _Handler(BaseHTTPRequestHandler):
    server: UnsubscribeServer
    server_version = "digest"
    sys_version = ""
    timeout = 30

    def do_GET(self) -> None:
        self._handle(is_post=False)

    def do_HEAD(self) -> None:
        self._handle(is_post=False, has_body=False)

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length", "0")
        size = int(length) if length.isdigit() else 0
        if size > _MAX_BODY:
            self._page(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Too large", "<p>Request too large.</p>"
            )
            return
        self.rfile.read(size)
        self._handle(is_post=True)

    def _handle(self, *, is_post: bool, has_body: bool = True) -> None:
        path = urlsplit(self.path).path
        token = unquote(path[3:]) if path.startswith("/u/") else ""
        if not token or "/" in token:
            self._page(HTTPStatus.NOT_FOUND, "Not found", "<p>There is nothing here.</p>", has_body)
            return
        found = read_token(self.server.key, token)
        if found is None:
            self._page(
                HTTPStatus.FORBIDDEN,
                "Link not valid",
                "<p>This unsubscribe link is not valid. Use the link in a recent email, "
                "or reply to it and ask to be removed.</p>",
                has_body,
            )
            return
        list_name, email = found
        title = html.escape(self.server.titles.get(list_name, list_name))
        address = html.escape(email)
        if not is_post:
            self._page(
                HTTPStatus.OK,
                f"Unsubscribe from {title}",
                f"<p>Stop sending {title} to <strong>{address}</strong>?</p>\n"
                '<form method="post">\n'
                '<input type="hidden" name="List-Unsubscribe" value="One-Click">\n'
                '<button type="submit">Unsubscribe</button>\n</form>',
                has_body,
            )
            return
        settings = self.server.settings
        try:
            with StateStore(settings.state_path) as store:
                unsubscribe(settings, list_name, email, store, self.server.clock())
        except DigestError as exc:
            log.error("list %s: unsubscribe failed: %s", list_name, exc)
            self._page(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "Please try again",
                "<p>We could not record your request just now. Please try again later.</p>",
            )
            return
        log.info("list %s: unsubscribed by link", list_name)
        log.debug("list %s: unsubscribed %s", list_name, email)
        self._page(
            HTTPStatus.OK,
            "Unsubscribed",
            f"<p><strong>{address}</strong> will get no more of {title}.</p>",
        )

    def _page(self, status: HTTPStatus, title: str, body: str, has_body: bool = True) -> None:
        data = _PAGE.format(title=title, body=body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in _HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if has_body:
            self.wfile.write(data)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The token holds the address: keep it out of the log.
        log.info("%s %s %s", self.command, "/u/…" if self.path.startswith("/u/") else "-", code)

    def log_error(self, format: str, *args: object) -> None:
        log.warning("unsubscribe endpoint: " + format, *args)
