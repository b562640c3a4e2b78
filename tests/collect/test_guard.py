"""The network guard: a canary server on loopback that no feed, link or redirect may reach.

The trusted feed servers stand for the admin's own sources (their origins are in the
config, their network in allow_networks); the canary is any other loopback port, as an
attacker's link to ``http://127.0.0.1:9999/`` would be.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import httpx
import pytest

from digest.collect import NetworkPolicy
from digest.collect._collect import RetryPolicy, collect, http_client
from digest.collect._fetch import fetch
from digest.collect._guard import kind_of
from digest.config._settings import SourceSettings
from digest.errors import SourceError
from tests.feed_helpers import LOOPBACK, FeedServer, Reply, trusting

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=1, backoff=0.01, max_delay=0.05, deadline=1.0)
SECRET = b"<html><body><p>" + b"canary secret: the metadata token. " * 60 + b"</p></body></html>"


def rss(*links: str) -> str:
    """An RSS feed of teasers, one per link."""
    entries = "".join(
        f"<item><title>Item {n}</title><link>{link}</link><guid>g{n}</guid>"
        f"<pubDate>Wed, 25 Nov 2026 10:00:00 +0000</pubDate>"
        "<description>The council voted on the night bus…</description></item>"
        for n, link in enumerate(links)
    )
    channel = f"<channel><title>t</title>{entries}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


def feed(url: str, kind: str = "feed") -> SourceSettings:
    return SourceSettings.model_validate({"name": "News", "type": kind, "url": url})


@pytest.fixture
def canary() -> Iterator[FeedServer]:
    """A loopback server that must never see a request: every path serves the secret."""
    with FeedServer() as server:
        for path in ("/", "/latest/meta-data/", "/page"):
            server.serve(path, Reply(body=SECRET, headers={"Content-Type": "text/html"}))
        yield server


@pytest.fixture
def canary6() -> Iterator[FeedServer]:
    """The same on the IPv6 loopback address ::1."""
    with FeedServer("::1") as server:
        server.serve("/", Reply(body=SECRET, headers={"Content-Type": "text/html"}))
        yield server


@pytest.fixture
def source_host() -> Iterator[FeedServer]:
    """The admin's own feed server, on another loopback address than the canary's."""
    with FeedServer("127.0.0.2") as server:
        yield server


def port_of(server: FeedServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.0.9", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("100.64.0.1", "a non-public address"),
        ("0.0.0.0", "the unspecified address"),
        ("224.0.0.251", "a multicast address"),
        ("239.255.255.250", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("255.255.255.255", "a reserved address"),
        ("192.0.2.7", "a private address"),
        ("::1", "a loopback address"),
        ("::", "the unspecified address"),
        ("fe80::1", "a link-local address"),
        ("fd00::1", "a private address"),
        ("ff02::1", "a multicast address"),
        ("ff0e::1", "a multicast address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:169.254.169.254", "a link-local address"),
        ("2002:7f00:1::", "a loopback address"),
        ("64:ff9b::a9fe:a9fe", "a link-local address"),
        ("2001:db8::1", "a private address"),
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert kind_of(ipaddress.ip_address(address)) == kind


def test_teaser_links_to_private_addresses_are_refused_and_the_teasers_kept(
    source_host: FeedServer,
    canary: FeedServer,
    canary6: FeedServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port, port6 = port_of(canary), port_of(canary6)
    links = (
        canary.url("/page"),
        f"http://localhost:{port}/",
        f"http://LOCALHOST:{port}/",
        f"http://2130706433:{port}/",
        f"http://0x7f000001:{port}/",
        f"http://127.1:{port}/",
        f"http://0.0.0.0:{port}/",
        f"http://[::ffff:127.0.0.1]:{port}/",
        canary6.url("/"),
        f"http://localhost:{port6}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
    )
    url = source_host.serve_feed("/rss", rss(*links))
    with (
        http_client(timeout=0.5, networks=trusting(source_host)) as client,
        caplog.at_level(logging.WARNING, "digest.collect"),
    ):
        articles = collect(feed(url), now=NOW, client=client, retry=FAST)
    assert canary.requests == [] and canary6.requests == []
    assert len(articles) == len(links)
    assert all(a.body == "The council voted on the night bus…" for a in articles)
    refusals = [r.getMessage() for r in caplog.records if "refused to connect" in r.getMessage()]
    assert len(refusals) == len(links)
    assert (
        f"source 'News' ({canary.url('/page')}): refused to connect: 127.0.0.1 is a loopback "
        "address; kept the feed's teaser of 'Item 0'"
    ) in refusals
    assert any(
        f"localhost:{port}/): refused to connect: localhost (" in m and ") is a loopback" in m
        for m in refusals
    )
    assert any("169.254.169.254 is a link-local address" in m for m in refusals)


def test_redirects_to_private_addresses_are_refused_as_a_named_source_error(
    source_host: FeedServer, canary: FeedServer
) -> None:
    with http_client(timeout=0.5, networks=trusting(source_host)) as client:
        for target in (canary.url("/latest/meta-data/"), f"http://localhost:{port_of(canary)}/"):
            for kind in ("feed", "page"):
                url = source_host.redirect(f"/{kind}", target)
                with pytest.raises(SourceError) as caught:
                    collect(feed(url, kind), now=NOW, client=client, retry=FAST)
                assert str(caught.value).startswith(
                    f"source 'News' ({url}): redirected to {target}: refused: "
                )
                assert "follows links and redirects of feeds and pages only to public" in (
                    caught.value.hint or ""
                )
        metadata = source_host.redirect("/aws", "http://169.254.169.254/latest/meta-data/")
        with pytest.raises(SourceError, match=r"169\.254\.169\.254 is a link-local address"):
            collect(feed(metadata), now=NOW, client=client, retry=FAST)
    assert canary.requests == []


def test_a_redirect_that_stays_on_the_sources_own_origin_is_followed(
    source_host: FeedServer,
) -> None:
    source_host.serve_feed("/feed.xml", rss())
    url = source_host.redirect("/old-feed", "/feed.xml")
    with http_client(timeout=0.5, networks=trusting(source_host)) as client:
        assert collect(feed(url), now=NOW, client=client, retry=FAST) == ()
    assert len(source_host.requests_for("/feed.xml")) == 1


def test_a_source_url_on_a_private_network_needs_allow_networks(canary: FeedServer) -> None:
    url = canary.url("/page")
    for networks in (
        NetworkPolicy(),  # nothing allowed
        NetworkPolicy(allowed_networks=(ipaddress.ip_network("10.0.0.0/8"),)).trusting([url]),
        NetworkPolicy(allowed_networks=LOOPBACK),  # allowed, but not for this origin
    ):
        with (
            http_client(timeout=0.5, networks=networks) as client,
            pytest.raises(SourceError) as caught,
        ):
            collect(feed(url, "page"), now=NOW, client=client, retry=FAST)
        assert str(caught.value) == (
            f"source 'News' ({url}): refused to connect: 127.0.0.1 is a loopback address"
        )
    assert caught.value.hint is not None
    assert canary.requests == []
    networks = NetworkPolicy().trusting([url])
    with (
        http_client(timeout=0.5, networks=networks) as client,
        pytest.raises(SourceError) as trusted,
    ):
        collect(feed(url, "page"), now=NOW, client=client, retry=FAST)
    assert trusted.value.hint == (
        "digest reaches private networks only where the config allows it: add the network "
        'to [collect] allow_networks (e.g. "127.0.0.1/32") if this source is yours'
    )
    allowed = NetworkPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    with http_client(timeout=0.5, networks=allowed.trusting([url])) as client:
        (article,) = collect(feed(url, "page"), now=NOW, client=client, retry=FAST)
    assert "canary secret" in article.body  # the admin's own intranet page


class Rebinding:
    """A resolver whose answer changes between calls: the first passes the check, the
    second would hit the canary if anything resolved the name twice."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.calls.append(host)
        if host != "rebind.test":
            return [str(info[4][0]) for info in socket.getaddrinfo(host, port)]
        return [self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]]


def test_dns_rebinding_connects_to_the_checked_address(source_host: FeedServer) -> None:
    port = port_of(source_host)
    try:
        canary = FeedServer("127.0.0.1", port=port)  # the same port, on the canary's address
    except OSError:
        pytest.skip(f"port {port} is taken on 127.0.0.1")
    with canary:
        canary.serve("/feed.xml", Reply(body=SECRET))
        source_host.serve_feed("/feed.xml", rss())
        url = f"http://rebind.test:{port}/feed.xml"
        resolver = Rebinding("127.0.0.2", "127.0.0.1")
        networks = NetworkPolicy(
            allowed_networks=(ipaddress.ip_network("127.0.0.2/32"),), resolver=resolver
        ).trusting([url])
        with http_client(timeout=0.5, networks=networks) as client:
            fetched = fetch(url, source="News", client=client, retry=FAST)
        assert fetched is not None and fetched.content.startswith(b"<?xml")
        assert resolver.calls == ["rebind.test"]  # resolved once, for the check and connect
        assert canary.requests == [] and len(source_host.requests_for("/feed.xml")) == 1


def test_a_name_that_resolves_to_loopback_is_refused(canary: FeedServer) -> None:
    url = f"http://rebind.test:{port_of(canary)}/page"
    networks = NetworkPolicy(resolver=Rebinding("127.0.0.1"))
    with (
        http_client(timeout=0.5, networks=networks) as client,
        pytest.raises(SourceError, match=r"rebind\.test \(127\.0\.0\.1\) is a loopback"),
    ):
        fetch(url, source="News", client=client, kind="page", retry=FAST)
    assert canary.requests == []


def test_the_guard_ignores_proxy_settings_in_the_environment(
    canary: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy would resolve the host itself, out of the guard's sight.
    monkeypatch.setenv("HTTP_PROXY", canary.base_url)
    monkeypatch.setenv("ALL_PROXY", canary.base_url)
    with (
        http_client(timeout=0.5) as client,
        pytest.raises(SourceError, match=r"169\.254\.169\.254 is a link-local address"),
    ):
        fetch("http://169.254.169.254/latest/meta-data/", source="x", client=client, retry=FAST)
    assert canary.requests == []


def test_unknown_hosts_are_a_connect_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with http_client(timeout=0.5) as client, pytest.raises(SourceError) as caught:
        fetch("http://no-such-host.invalid/feed", source="x", client=client, retry=FAST)
    assert "cannot connect (cannot resolve no-such-host.invalid" in str(caught.value)


def test_the_client_has_the_guard_on_by_default(canary: FeedServer) -> None:
    with http_client(timeout=0.5) as client:
        assert isinstance(client, httpx.Client)
        with pytest.raises(SourceError, match="is a loopback address"):
            fetch(canary.url("/"), source="x", client=client, retry=FAST)
    assert canary.requests == []
