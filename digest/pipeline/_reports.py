"""What a run did: the reports `digest run`, the daemon and the CLI read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Progress = Callable[[str, int, int], None]
"""Called as progress(what, done, total) while a long step runs."""


Reason = Literal[
    "already sent",
    "older than the window",
    "repeated in this run",
    "with no text",
    "beyond max_items",
]
"""Why a collected article is not in the edition."""


@dataclass(frozen=True, slots=True)
class LeftOut:
    """One collected article that the edition does not hold, and why."""

    reason: Reason
    source: str
    title: str
    url: str


def count_words(count: int, word: str) -> str:
    """A count with its noun, singular or plural: "1 article", "2 articles"."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


@dataclass(frozen=True, slots=True)
class ListReport:
    """What one list's run did."""

    list_name: str
    articles: int = 0
    recipients: int = 0
    sent: int = 0
    failed: int = 0
    pending: int = 0
    edition_id: int | None = None
    note: str = ""
    source_errors: tuple[str, ...] = ()
    delivery_errors: tuple[str, ...] = ()
    variants: int = 0
    """Renders of the new edition: subscribers whose topics pick the same items share one."""
    collected: int = 0
    """Articles the sources gave in this run, before anything was left out."""
    left_out: tuple[LeftOut, ...] = ()
    """Collected articles the edition does not hold, each with its reason."""

    def left_out_summary(self) -> str:
        """E.g. "3 already sent, 1 with no text": the reasons, most frequent first; "" if none."""
        counts = Counter(item.reason for item in self.left_out)
        return ", ".join(f"{count:,} {reason}" for reason, count in counts.most_common())


@dataclass(frozen=True, slots=True)
class RunReport:
    """What a whole run did, list by list."""

    lists: tuple[ListReport, ...]

    @property
    def has_failures(self) -> bool:
        """True when a source or a delivery failed: `digest run` then exits 1."""
        return any(item.source_errors or item.failed or item.delivery_errors for item in self.lists)
