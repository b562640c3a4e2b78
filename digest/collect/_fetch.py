"""HTTP for the collect stage: one bounded GET with a size cap, retries and conditional GET.

Only the collect stage's modules (collect, pages, fulltext, gather) and the sources
commands use it. Every failure becomes a SourceError that names the source and the URL,
so one broken source never stops a run.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import httpx
import tenacity

from ..errors import SourceError
from ._guard import BlockedAddressError, GuardedTransport, NetworkPolicy

log = logging.getLogger(__package__)

USER_AGENT = "digest/0.1 (+https://digest.example.org/about; scheduled email digest)"
"""Sent with every request so that feed owners can tell who is polling them."""

MAX_BYTES = 10 * 1024 * 1024
"""Largest response body (after decompression) that collect accepts."""

MAX_REDIRECTS = 5
_FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, "
    "*/*;q=0.1"
)
_PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry a 5xx reply, 429 or a timeout (run by tenacity)."""

    attempts: int = 3
    """Tries in all, the first included."""
    backoff: float = 1.0
    """Seconds before the second try; doubles on each further try."""
    max_delay: float = 10.0
    """Cap on any one pause, including one asked for by Retry-After."""
    deadline: float = 120.0
    """Wall-clock seconds one attempt may spend reading a body (defeats trickling servers)."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A successful (2xx) response, body fully read and decompressed."""

    url: str
    """Final URL, after redirects."""
    content: bytes
    content_type: str
    """Media type without parameters, lower case, e.g. ``application/rss+xml``."""
    charset: str | None
    etag: str | None
    last_modified: str | None


DEFAULT_RETRY = RetryPolicy()


class HostGate:
    """Politeness: at most `limit` requests in flight, one at a time per host, `interval` apart.

    Threads that collect sources and full-text pages share one gate, so however many
    workers there are, a server never sees more than one request of ours at a time.
    """

    def __init__(self, *, limit: int = 6, interval: float = 1.0) -> None:
        self.interval = interval
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._hosts: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        """Hold the host's turn (and one of the global slots) while one request runs."""
        host = _host(url)
        with self._lock:
            turn = self._hosts.setdefault(host, threading.Lock())
        # The host's turn first: threads queued behind a busy host hold no global slot.
        with turn:
            wait = self._last.get(host, float("-inf")) + self.interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            with self._slots:
                try:
                    yield
                finally:
                    self._last[host] = time.monotonic()


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host.lower()
    except httpx.InvalidURL:
        return ""


_SINGLE_BYTE_WESTERN = frozenset(
    ("ascii", "us-ascii", "latin-1", "latin1", "iso-8859-1", "iso8859-1", "windows-1252", "cp1252")
)


def sniff_charset(data: bytes, declared: str | None) -> str | None:
    """The charset to decode data with: UTF-8 when the bytes prove it, else the declared one.

    Bytes with non-ASCII characters that decode as UTF-8 are UTF-8 in practice, whatever
    a missing or Western single-byte label says (Latin-1 text almost never forms valid
    UTF-8 sequences), so no reader ever sees "CafÃ©" for "Café".
    """
    if declared and declared.lower() not in _SINGLE_BYTE_WESTERN:
        return declared
    if data.isascii():
        return declared
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return declared
    return "utf-8"


def http_client(
    *,
    timeout: float = 20.0,
    user_agent: str = USER_AGENT,
    networks: NetworkPolicy | None = None,
) -> httpx.Client:
    """An httpx client set up for collecting: timeouts, bounded redirects, a clear User-Agent.

    Every connection it opens, redirects included, goes through the network guard
    (_guard.py): public addresses only, unless `networks` allows an admin's source more.
    """
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": user_agent},
        transport=GuardedTransport(networks or NetworkPolicy()),
        trust_env=False,
    )


def is_http_url(url: str) -> bool:
    """True when url is an absolute http or https URL."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP date header (e.g. Last-Modified) as tz-aware UTC, or None."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def fetch(
    url: str,
    *,
    source: str,
    client: httpx.Client,
    kind: Literal["feed", "page"] = "feed",
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_BYTES,
    retry: RetryPolicy = DEFAULT_RETRY,
    gate: HostGate | None = None,
) -> Fetched | None:
    """GET url; None on 304 Not Modified; SourceError on anything but a usable 2xx reply."""
    if not is_http_url(url):
        raise SourceError(
            f"source {source!r}: {url!r} is not an http(s) URL",
            hint="use an http:// or https:// URL, or a local path for a feed file",
        )
    headers = {"Accept": _PAGE_ACCEPT if kind == "page" else _FEED_ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    def attempt() -> Fetched | None:
        with gate.slot(url) if gate else nullcontext():  # not held while waiting to retry
            return _fetch_once(
                url,
                source=source,
                client=client,
                headers=headers,
                max_bytes=max_bytes,
                deadline=retry.deadline,
            )

    try:
        return _retrying(retry)(attempt)
    except _Retryable as exc:  # the last try failed too
        raise SourceError(str(exc), hint=exc.hint) from exc.__cause__


def _retrying(policy: RetryPolicy) -> tenacity.Retrying:
    """Tenacity's loop for policy: backoff doubling, or longer if Retry-After asks; capped."""
    backoff = tenacity.wait_exponential(multiplier=policy.backoff, max=policy.max_delay)

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = exc.retry_after if isinstance(exc, _Retryable) else 0.0
        return min(max(backoff(state), asked), policy.max_delay)

    def log_retry(state: tenacity.RetryCallState) -> None:
        assert state.outcome is not None and state.next_action is not None
        log.info(
            "%s; retrying in %.1f s (try %d of %d)",
            state.outcome.exception(),
            state.next_action.sleep,
            state.attempt_number + 1,
            policy.attempts,
        )

    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts),
        wait=wait,
        retry=tenacity.retry_if_exception_type(_Retryable),
        before_sleep=log_retry,
        reraise=True,
    )


class _Retryable(Exception):
    """A failure worth another try: 5xx, 429, a timeout or a dropped connection."""

    def __init__(self, message: str, *, hint: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.hint = hint
        self.retry_after = retry_after


def _fetch_once(
    url: str,
    *,
    source: str,
    client: httpx.Client,
    headers: dict[str, str],
    max_bytes: int,
    deadline: float,
) -> Fetched | None:
    where = f"source {source!r} ({url})"
    try:
        with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status == 304:
                log.info("%s: not modified since the last fetch", where)
                return None
            if status >= 500 or status == 429:
                raise _Retryable(
                    f"{where}: the server answered HTTP {status} {response.reason_phrase}",
                    hint="the server has a problem; this is often temporary, "
                    "and the next run tries again",
                    retry_after=_retry_after(response.headers.get("Retry-After")),
                )
            if status >= 400:
                raise SourceError(
                    f"{where}: the server answered HTTP {status} {response.reason_phrase}",
                    hint=_hint_for_status(status),
                )
            if not 200 <= status < 300:
                raise SourceError(
                    f"{where}: unexpected HTTP {status} {response.reason_phrase}",
                    hint="check the URL in the config; the server did not send the content",
                )
            content = _read_capped(response, where=where, max_bytes=max_bytes, deadline=deadline)
            media_type = response.headers.get("Content-Type", "").partition(";")[0]
            return Fetched(
                url=str(response.url),
                content=content,
                content_type=media_type.strip().lower(),
                charset=response.charset_encoding,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
    except BlockedAddressError as exc:
        raise exc.as_source_error(where, url) from exc
    except httpx.TooManyRedirects as exc:
        raise SourceError(
            f"{where}: more than {MAX_REDIRECTS} redirects, probably a redirect loop",
            hint="open the URL in a browser and put the final address in the config",
        ) from exc
    except httpx.UnsupportedProtocol as exc:
        raise SourceError(
            f"{where}: redirected to an unsupported URL ({exc})",
            hint="only http and https are followed; put the final address in the config",
        ) from exc
    except httpx.InvalidURL as exc:  # e.g. "Location: javascript:…"; not an httpx.HTTPError
        raise SourceError(
            f"{where}: redirected to an invalid URL ({exc})",
            hint="only http and https are followed; put the final address in the config",
        ) from exc
    except httpx.TimeoutException as exc:
        kind = type(exc).__name__.replace("Timeout", " timeout").lower().strip()
        raise _Retryable(
            f"{where}: timed out ({kind})",
            hint="the server is slow or unreachable; check the URL, or try again later",
        ) from exc
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise _Retryable(
            f"{where}: the connection broke off ({exc})",
            hint="the server dropped the connection; this is often temporary",
        ) from exc
    except httpx.ConnectError as exc:
        raise SourceError(
            f"{where}: cannot connect ({exc})",
            hint="check the host name and your network connection",
        ) from exc
    except httpx.HTTPError as exc:
        raise SourceError(
            f"{where}: request failed ({type(exc).__name__}: {exc})",
            hint="check the URL and your network connection",
        ) from exc


def _read_capped(response: httpx.Response, *, where: str, max_bytes: int, deadline: float) -> bytes:
    """The decompressed body; SourceError beyond max_bytes, _Retryable beyond the deadline."""
    too_large = SourceError(
        f"{where}: the response is larger than the {max_bytes:,}-byte limit",
        hint="check that the URL points at a feed or an article, not a large download",
    )
    declared = response.headers.get("Content-Length", "")
    # Content-Length counts compressed bytes, so it only proves a body too large when
    # the body is not compressed; the streamed count below catches the rest.
    if (
        declared.isdigit()
        and int(declared) > max_bytes
        and "Content-Encoding" not in response.headers
    ):
        raise too_large
    chunks: list[bytes] = []
    size = 0
    started = time.monotonic()
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        if time.monotonic() - started > deadline:
            raise _Retryable(
                f"{where}: the body took longer than {deadline:g} s to arrive",
                hint="the server is sending very slowly; try again later",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after(value: str | None) -> float:
    """The seconds a Retry-After header asks for; 0 for none or an HTTP date (not honoured)."""
    value = (value or "").strip()
    # isdigit() alone also takes "²", which float() refuses: a hostile header would crash.
    return float(value) if value.isascii() and value.isdigit() else 0.0


def _hint_for_status(status: int) -> str:
    if status in (401, 403):
        return "the server refuses access: the feed may need a login, or it blocks our requests"
    if status == 404:
        return "check the URL in the config; the page or feed may have moved"
    if status == 410:
        return "the feed is gone for good; remove the source from the config"
    return "check the URL in the config"
