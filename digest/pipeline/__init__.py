"""The pipeline: the only place where the stages meet.

`run` makes and delivers one edition of every list (what `digest run` and the
scheduler call), `retry` sends an edition again to those it failed, `preview` renders
one without sending, `check` validates a config the way a run would use it. The
functions behind the other commands (sources, subscribers, one stage on its own) are
here too, so the command line stays a thin layer over them.

Names load on first use: `digest --help` and `digest check` must not pay for the
summarizer's and extractor's libraries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._check import CheckResult, check, placeholder_warning
    from ._preview import Preview, preview
    from ._reports import LeftOut, ListReport, Progress, RunReport, count_words
    from ._run import Sender, retry, run
    from ._slots import SlotHistory, record_slot, slot_history, slot_status
    from ._sources import import_opml, list_sources, probe_sources
    from ._subscribers import (
        Change,
        Listed,
        SubscriberProblem,
        add_subscriber,
        export_subscribers,
        import_subscribers,
        list_subscribers,
        remove_subscriber,
        set_subscriber_status,
        split_topics,
        unsubscribe_by_link,
        unsubscribe_endpoint,
    )
    from ._tools import (
        Status,
        delivery_status,
        extract_text,
        fetch_page,
        summarize_document,
        summarize_text,
    )
    from ._worker import WorkerTally, work

_HOMES = {
    "CheckResult": "_check",
    "check": "_check",
    "placeholder_warning": "_check",
    "LeftOut": "_reports",
    "ListReport": "_reports",
    "Progress": "_reports",
    "RunReport": "_reports",
    "count_words": "_reports",
    "Preview": "_preview",
    "preview": "_preview",
    "retry": "_run",
    "run": "_run",
    "Sender": "_run",
    "SlotHistory": "_slots",
    "record_slot": "_slots",
    "slot_history": "_slots",
    "slot_status": "_slots",
    "import_opml": "_sources",
    "list_sources": "_sources",
    "probe_sources": "_sources",
    "Status": "_tools",
    "delivery_status": "_tools",
    "extract_text": "_tools",
    "fetch_page": "_tools",
    "summarize_document": "_tools",
    "summarize_text": "_tools",
    "Change": "_subscribers",
    "Listed": "_subscribers",
    "SubscriberProblem": "_subscribers",
    "split_topics": "_subscribers",
    "add_subscriber": "_subscribers",
    "export_subscribers": "_subscribers",
    "import_subscribers": "_subscribers",
    "list_subscribers": "_subscribers",
    "remove_subscriber": "_subscribers",
    "set_subscriber_status": "_subscribers",
    "unsubscribe_by_link": "_subscribers",
    "unsubscribe_endpoint": "_subscribers",
    "WorkerTally": "_worker",
    "work": "_worker",
}

__all__ = [
    "Change",
    "CheckResult",
    "LeftOut",
    "ListReport",
    "Listed",
    "Preview",
    "Progress",
    "RunReport",
    "Sender",
    "SlotHistory",
    "Status",
    "SubscriberProblem",
    "WorkerTally",
    "add_subscriber",
    "check",
    "count_words",
    "delivery_status",
    "export_subscribers",
    "extract_text",
    "fetch_page",
    "import_opml",
    "import_subscribers",
    "list_sources",
    "list_subscribers",
    "placeholder_warning",
    "preview",
    "probe_sources",
    "record_slot",
    "remove_subscriber",
    "retry",
    "run",
    "set_subscriber_status",
    "slot_history",
    "slot_status",
    "split_topics",
    "summarize_document",
    "summarize_text",
    "unsubscribe_by_link",
    "unsubscribe_endpoint",
    "work",
]


def __getattr__(name: str) -> Any:
    """Import the module that holds `name` when it is first asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
