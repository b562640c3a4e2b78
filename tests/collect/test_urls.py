"""Canonical URLs: the same article under two addresses is one article."""

from __future__ import annotations

import pytest

from digest.urls import canonical_url, seen_key, without_tracking


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://example.org/a?utm_source=rss&utm_medium=feed", "https://example.org/a"),
        ("HTTPS://Example.ORG:443/a#comments", "https://example.org/a"),
        ("http://example.org:80", "http://example.org/"),
        ("http://example.org:8080/a", "http://example.org:8080/a"),
        (
            "https://example.org/a?id=7&fbclid=x&gclid=y&mc_cid=1&mc_eid=2",
            "https://example.org/a?id=7",
        ),
        ("https://example.org/a?ref=twitter&page=2", "https://example.org/a?page=2"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?b=2&a=1"),  # order is meaning
        ("https://example.org/a?q=x%20y&utm_campaign=z", "https://example.org/a?q=x+y"),
        ("https://example.org/Path/Case", "https://example.org/Path/Case"),
        ("  https://user:pw@example.org./a  ", "https://example.org/a"),
        ("http://[::1]:8000/a?utm_x=1", "http://[::1]:8000/a"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("http://[bad", "http://[bad"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_seen_key_only_for_web_urls() -> None:
    assert seen_key("https://example.org/a?utm_source=x") == "url:https://example.org/a"
    assert seen_key("file:///notes/a.txt") is None and seen_key("") is None


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://example.org/a?utm_source=rss&utm_medium=feed", "https://example.org/a"),
        (
            "https://example.org/a?id=7&fbclid=x&gclid=y&mc_cid=1&mc_eid=2&igshid=3",
            "https://example.org/a?id=7",
        ),
        ("https://example.org/a?_hsenc=p&b=2&ref_src=twsrc&a=1", "https://example.org/a?b=2&a=1"),
        # The fragment, the host's case, the port and the spelling of kept values stay.
        (
            "HTTPS://Example.ORG:443/a?q=x%20y&UTM_Campaign=z&page=2#part-3",
            "HTTPS://Example.ORG:443/a?q=x%20y&page=2#part-3",
        ),
        ("https://example.org/a?utm_source=x#top", "https://example.org/a#top"),
        ("https://example.org/a?utm%5Fsource=x&k=", "https://example.org/a?k="),
        ("https://example.org/a?id=7#utm_source=x", "https://example.org/a?id=7#utm_source=x"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?b=2&a=1"),
        ("https://example.org/a", "https://example.org/a"),
        ("file:///notes/a.txt?utm_source=x", "file:///notes/a.txt?utm_source=x"),
    ],
)
def test_without_tracking_keeps_everything_but_tracking(url: str, clean: str) -> None:
    assert without_tracking(url) == clean


def test_without_tracking_drops_what_canonical_url_drops() -> None:
    """One list of tracking parameters: the clean link and the de-duplication key agree."""
    url = "https://example.org/a?id=7&ref=x&mkt_tok=y&pk_campaign=z&hsa_cam=1&wbraid=2&b=3#c"
    assert without_tracking(url) == "https://example.org/a?id=7&b=3#c"
    assert canonical_url(without_tracking(url)) == canonical_url(url)
