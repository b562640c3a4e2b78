"""Subscribers: the files that list them, edits to those files, unsubscribe links.

Subscribers are read from the config, CSV and TOML files, checked entry by entry
(`entries`, `iter_subscribers`), and edited in place, atomically and under a lock
(`add`, `remove`, `set_status`, `import_csv`, `export`); `edit_lock` is the lock of
the config and its subscriber files, for whoever else edits the config. Unsubscribe links carry an
HMAC token (`unsubscribe_url`, `signing_key`); `UnsubscribeApp` answers them.
"""

from __future__ import annotations

from ._edits import Change, add, export, remove, set_status
from ._endpoint import EndpointServer, UnsubscribeApp
from ._files import edit_lock
from ._import import ImportReport, import_csv
from ._subscribers import (
    SubscriberEntry,
    SubscriberProblem,
    entries,
    iter_subscribers,
    split_topics,
)
from ._tokens import SecretKeeper, signing_key, unsubscribe_url

__all__ = [
    "Change",
    "EndpointServer",
    "ImportReport",
    "SecretKeeper",
    "SubscriberEntry",
    "SubscriberProblem",
    "UnsubscribeApp",
    "add",
    "edit_lock",
    "entries",
    "export",
    "import_csv",
    "iter_subscribers",
    "remove",
    "set_status",
    "signing_key",
    "split_topics",
    "unsubscribe_url",
]
