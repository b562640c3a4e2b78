"""Article URLs without tracking: canonical ones for de-duplication, clean ones for links.

canonical_url() makes the key under which an article counts as sent: tracking parameters
(utm_*, fbclid, gclid, mc_cid, ref, …) and the fragment go, the scheme and host are
lower-cased and a default port is dropped; everything else (path, the order of the
remaining query parameters) stays, since sites differ in what it means.
without_tracking() makes the link a reader follows: the same tracking parameters go, and
nothing else changes, the fragment and the spelling of the other parameters included.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

__all__ = ["canonical_url", "seen_key", "without_tracking"]

_TRACKING = frozenset(
    {
        *("fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid"),
        *("mc_cid", "mc_eid", "igshid", "_hsenc", "_hsmi", "mkt_tok", "vero_id", "vero_conv"),
        *("ref", "ref_src", "ref_url", "cmpid", "s_cid", "wt_mc"),
        *("oly_enc_id", "oly_anon_id", "rb_clickid", "__s", "ncid", "sr_share"),
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """url without tracking parameters or fragment, scheme and host lower-cased.

    >>> canonical_url("HTTPS://Example.org:443/a?id=7&utm_source=rss&fbclid=x#top")
    'https://example.org/a?id=7'
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return url
    if ":" in host:  # IPv6
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in pairs if not _is_tracking(key)]
    query = parts.query if len(kept) == len(pairs) else urlencode(kept)
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def seen_key(url: str) -> str | None:
    """The key that marks an article's URL as sent (``url:`` + canonical URL), or None."""
    canonical = canonical_url(url)
    return f"url:{canonical}" if canonical.startswith(("http://", "https://")) else None


def without_tracking(url: str) -> str:
    """url without its tracking parameters; the rest, fragment included, exactly as written.

    >>> without_tracking("https://Example.org/a?id=7&utm_source=rss&q=a%20b#part-2")
    'https://Example.org/a?id=7&q=a%20b#part-2'
    """
    base, hash_, fragment = url.partition("#")
    path, question, query = base.partition("?")
    if not question or not re.match(r"https?://", url, re.IGNORECASE):
        return url
    pairs = query.split("&")
    kept = [pair for pair in pairs if not _is_tracking(unquote_plus(pair.partition("=")[0]))]
    if len(kept) == len(pairs):
        return url
    query = "&".join(kept)
    return f"{path}{'?' if query else ''}{query}{hash_}{fragment}"


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in _TRACKING or lowered.startswith(_TRACKING_PREFIXES)
