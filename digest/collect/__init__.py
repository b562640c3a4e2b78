"""The collect stage."""

from __future__ import annotations

from ._collect import Unreadable, ValidatorStore, Wanted
from ._fetch import fetch, http_client, is_http_url
from ._gather import Gathered, gather
from ._guard import NetworkPolicy, policy_for
from ._opml import OpmlFeed, read_opml

__all__ = [
    "Gathered",
    "NetworkPolicy",
    "OpmlFeed",
    "Unreadable",
    "ValidatorStore",
    "Wanted",
    "fetch",
    "gather",
    "http_client",
    "is_http_url",
    "policy_for",
    "read_opml",
]
