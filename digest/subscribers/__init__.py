"""The subscribers stage."""

from __future__ import annotations

from ._edits import Change, add, export, remove, set_status
from ._endpoint import DEFAULT_PORT, make_server, serve_unsubscribe
from ._import import import_csv
from ._subscribers import (
    STATUSES,
    SubscriberEntry,
    SubscriberProblem,
    entries,
    iter_subscribers,
    split_topics,
)
from ._tokens import unsubscribe_url

__all__ = [
    "DEFAULT_PORT",
    "STATUSES",
    "Change",
    "SubscriberEntry",
    "SubscriberProblem",
    "add",
    "entries",
    "export",
    "import_csv",
    "iter_subscribers",
    "make_server",
    "remove",
    "serve_unsubscribe",
    "set_status",
    "split_topics",
    "unsubscribe_url",
]
