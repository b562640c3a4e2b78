"""robots.txt for full-text fetches: a page found through a feed is fetched only if allowed.

A feed is an invitation to read the feed; the pages it links to belong to their site,
whose robots.txt says what automated clients may fetch. It is read once per origin
(scheme, host and port) per run, through the same client as everything else (so the
network guard, the size cap and the politeness gate apply), and parsed by the standard
library's urllib.robotparser. As RFC 9309 says: a robots.txt that is not there (4xx)
allows everything; one that cannot be read (5xx, a timeout, a refused or dropped
connection) allows nothing for now. Source URLs the admin wrote are not checked.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import nullcontext
from urllib.robotparser import RobotFileParser

import httpx

from ._fetch import DEFAULT_RETRY, HostGate, RetryPolicy
from ._guard import BlockedAddressError

log = logging.getLogger(__package__)

AGENT = "digest"
"""The product token robots.txt rules name us by (``User-agent: digest``)."""
MAX_BYTES = 512 * 1024
"""RFC 9309 asks crawlers to read at least 500 KiB of a robots.txt; the rest is ignored."""


class RobotsCache:
    """The robots.txt rules of every origin met in one run, each fetched at most once."""

    def __init__(
        self, *, client: httpx.Client, retry: RetryPolicy = DEFAULT_RETRY, gate: HostGate | None
    ) -> None:
        self._client = client
        self._deadline = retry.deadline
        self._gate = gate
        self._lock = threading.Lock()
        self._origins: dict[str, tuple[threading.Lock, list[RobotFileParser]]] = {}

    def allows(self, url: str) -> bool:
        """Whether the robots.txt of url's origin lets digest fetch url."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            return False
        origin = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
        with self._lock:
            turn, rules = self._origins.setdefault(origin, (threading.Lock(), []))
        with turn:  # one fetch per origin, however many pages of it are wanted at once
            if not rules:
                rules.append(self._read(origin))
        return rules[0].can_fetch(AGENT, url)

    def _read(self, origin: str) -> RobotFileParser:
        """The rules at origin/robots.txt; everything allowed or nothing, as RFC 9309 says."""
        url = f"{origin}/robots.txt"
        rules = RobotFileParser(url)
        try:
            with (
                self._gate.slot(url) if self._gate else nullcontext(),
                self._client.stream("GET", url, headers={"Accept": "text/plain"}) as response,
            ):
                status = response.status_code
                body = _read_capped(response, self._deadline) if status < 300 else b""
        except BlockedAddressError:
            # The guard refuses this origin: the page's own fetch is refused too, and
            # says so in its error; robots.txt has no say.
            rules.allow_all = True  # type: ignore[attr-defined]
            return rules
        except httpx.HTTPError as exc:
            log.info("%s cannot be read (%s); fetching none of its pages", url, exc)
            rules.disallow_all = True  # type: ignore[attr-defined]  # not in typeshed
            return rules
        if 400 <= status < 500:
            rules.allow_all = True  # type: ignore[attr-defined]  # "unavailable": no rules
        elif status >= 300:
            log.info("%s answered HTTP %d; fetching none of its pages", url, status)
            rules.disallow_all = True  # type: ignore[attr-defined]  # "unreachable" (5xx)
        else:
            rules.parse(body.decode("utf-8", errors="replace").splitlines())
        return rules


def _read_capped(response: httpx.Response, deadline: float) -> bytes:
    """The first MAX_BYTES of the body (RFC 9309: what lies beyond may be ignored)."""
    chunks: list[bytes] = []
    size = 0
    started = time.monotonic()
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BYTES or time.monotonic() - started > deadline:
            break
    return b"".join(chunks)[:MAX_BYTES]
