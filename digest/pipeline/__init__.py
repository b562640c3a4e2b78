"""The pipeline stage."""

from __future__ import annotations

from ._check import check, placeholder_warning
from ._delivery import unsubscribe_key
from ._reports import count_words
from ._run import ListReport, Preview, Progress, RunReport, preview, retry, run
from ._sources import import_opml, list_sources, probe_sources

__all__ = [
    "ListReport",
    "Preview",
    "Progress",
    "RunReport",
    "check",
    "count_words",
    "import_opml",
    "list_sources",
    "placeholder_warning",
    "preview",
    "probe_sources",
    "retry",
    "run",
    "unsubscribe_key",
]
