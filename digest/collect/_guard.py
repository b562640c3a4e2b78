"""No request to a private network unless the config says so (server-side request forgery).

Feeds are written by strangers: a teaser may link to ``http://127.0.0.1:9999/``, a feed
may redirect to ``http://169.254.169.254/latest/meta-data/``, and what comes back would
be mailed to every reader and published in the archive. So every connection collect
opens is checked on the address it actually connects to: the host is resolved once,
here, each address is checked, and the socket connects to that very address (so a DNS
name that answers a public address to a check and ``127.0.0.1`` to the connect, DNS
rebinding, gets nowhere). Loopback, private, link-local, shared (CGNAT), multicast,
reserved and unspecified addresses, IPv4 and IPv6 (and IPv4 inside IPv6: mapped,
6to4, NAT64), are refused, for links, pages and every redirect alike.

The one exception is the admin's own: the origin (host and port) of a source URL
written in the config may connect to an address inside ``[collect] allow_networks``;
links and redirects that stay on that origin are the admin's too. Any other origin
gets public addresses only.

Hand-written because no well-kept library does this for httpx (advocate wraps
requests); it is httpcore's own extension point, a network backend, so TLS, timeouts,
pooling and redirects stay httpx's.
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import httpcore
import httpx

from ..config import Settings
from ..errors import SourceError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]
"""Resolves (host, port) to the addresses to try, like getaddrinfo; tests give their own."""

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses as the system resolves them (getaddrinfo), each once, in order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def origin(url: str) -> tuple[str, int] | None:
    """(host, port) of an http(s) URL, the host lower-case as httpcore connects to it."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        return None
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return parsed.raw_host.decode("ascii").lower(), port


def kind_of(address: Address) -> str | None:
    """What keeps an address from being public ("a loopback address"), or None if it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return kind_of(embedded)
    checks = (
        (address.is_unspecified, "the unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "a non-public address"),  # e.g. 100.64.0.0/10 (CGNAT)
    )
    return next((kind for is_kind, kind in checks if is_kind), None)


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    """Which addresses collect may connect to: public ones, and the admin's exceptions."""

    allowed_networks: tuple[Network, ...] = ()
    """Non-public networks that the config's own source URLs may reach."""
    trusted_origins: frozenset[tuple[str, int]] = frozenset()
    """(host, port) of the source URLs in the config: only they use allowed_networks."""
    resolver: Resolver = field(default=system_resolver, compare=False)

    def trusting(self, urls: Iterable[str]) -> NetworkPolicy:
        """This policy with the origins of these admin-written URLs trusted as well."""
        found = {key for url in urls if (key := origin(url)) is not None}
        return replace(self, trusted_origins=self.trusted_origins | found)

    def refusal(self, host: str, port: int, address: Address) -> str | None:
        """Why connecting to address for host:port is refused; None when it is permitted."""
        kind = kind_of(address)
        if kind is None:
            return None
        if (host.lower(), port) in self.trusted_origins:
            plain = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
            if any((plain or address) in network for network in self.allowed_networks):
                return None
        return kind


def policy_for(settings: Settings) -> NetworkPolicy:
    """The policy of a config: its allow_networks, for the origins of its source URLs."""
    urls = (s.url for item in settings.lists for s in item.sources if s.kind != "folder" and s.url)
    return NetworkPolicy(allowed_networks=settings.collect.allow_networks).trusting(urls)


class BlockedAddressError(Exception):
    """A connection refused by the NetworkPolicy: the host resolved to no permitted address."""

    def __init__(self, host: str, port: int, address: str, kind: str, *, is_trusted: bool) -> None:
        super().__init__(f"{host}:{port} resolves to {address}, {kind}")
        self.host = host
        self.port = port
        self.address = address
        self.kind = kind
        self.is_trusted = is_trusted
        """True when the origin is a config source's (allow_networks would permit it)."""
        self.url = ""
        """The URL whose connection was refused (set by the transport)."""

    def as_source_error(self, where: str, url: str) -> SourceError:
        """The per-item error for this refusal, fetching url for `where` (a source)."""
        what = (
            "refused to connect" if self.url in ("", url) else f"redirected to {self.url}: refused"
        )
        named = self.address if self.host == self.address else f"{self.host} ({self.address})"
        if self.is_trusted:
            network = ipaddress.ip_network(self.address.partition("%")[0])
            hint = (
                "digest reaches private networks only where the config allows it: add the "
                f'network to [collect] allow_networks (e.g. "{network}") if this source is yours'
            )
        else:
            hint = (
                "digest follows links and redirects of feeds and pages only to public "
                "addresses; a source on your own network needs its URL in the config and "
                "its network in [collect] allow_networks"
            )
        return SourceError(f"{where}: {what}: {named} is {self.kind}", hint=hint)


class _GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, resolving once and connecting only to permitted addresses."""

    def __init__(self, policy: NetworkPolicy) -> None:
        self._policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            found = self._policy.resolver(host, port)
        except OSError as exc:  # socket.gaierror: unknown host, no network
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not found:
            raise httpcore.ConnectError(f"cannot resolve {host}: no address")
        refused: tuple[str, str] | None = None
        last: httpcore.ConnectError | None = None
        for text in found:
            address = ipaddress.ip_address(text)
            kind = self._policy.refusal(host, port, address)
            if kind is not None:
                refused = refused or (text, kind)
                continue
            try:
                # The checked address itself, never the name: nothing is resolved again.
                return super().connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                last = exc
        if last is not None:
            raise last
        assert refused is not None
        is_trusted = (host.lower(), port) in self._policy.trusted_origins
        raise BlockedAddressError(host, port, *refused, is_trusted=is_trusted)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport on the guarded backend; no proxy from the environment (a proxy
    would resolve the host itself, out of the guard's sight)."""

    def __init__(self, policy: NetworkPolicy) -> None:
        super().__init__(trust_env=False)
        # httpx offers no public way to set httpcore's network backend; its pool is the
        # one it would build, with the guarded backend in it.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),  # SSL_CERT_FILE & co. still apply
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(policy),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send the request; a refused connection says which URL it was for."""
        try:
            return super().handle_request(request)
        except BlockedAddressError as exc:
            exc.url = str(request.url)
            raise
