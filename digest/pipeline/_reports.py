"""What a run did: the reports `digest run`, the daemon and the CLI read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

Progress = Callable[[str, int, int], None]
"""Called as progress(what, done, total) while a long step runs."""


Reason = Literal[
    "folded into another story",
    "already sent",
    "held for the next edition",
    "too old",
    "from before the source was added",
    "beyond max_items",
    "repeated in this run",
    "failed",
]
"""Why a collected article is not an item of the edition, in the order the report counts:

folded into another story  the same story (or the very article) from another item's source
already sent               the list sent it in an earlier edition
held for the next edition  the edition was full (max_items); it goes into the next one
too old                    older than the list's max_age_hours
from before the source was added
                           the source held it when the list first read it (its baseline)
beyond max_items           the edition was full and carry_over = false: left out for good
repeated in this run       the source gave the same entry twice
failed                     nothing to show (an empty entry), or the item could not be read
"""
REASONS: tuple[Reason, ...] = get_args(Reason)


@dataclass(frozen=True, slots=True)
class LeftOut:
    """One collected article that the edition does not hold as an item, and why."""

    reason: Reason
    source: str
    title: str
    url: str
    detail: str = ""
    """More about the reason: the item a folded article went into, what failed."""


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
    carried: int = 0
    """Articles held by earlier editions that came back from the state (not from a source)."""
    left_out: tuple[LeftOut, ...] = ()
    """Collected and carried articles the edition does not hold as items, with the reason."""

    def left_out_summary(self) -> str:
        """E.g. "3 already sent, 1 too old": the reasons in REASONS order; "" if none."""
        counts = Counter(item.reason for item in self.left_out)
        return ", ".join(f"{counts[reason]:,} {reason}" for reason in REASONS if counts[reason])

    def accounting(self) -> str:
        """Where every article went, e.g. "9 collected: 2 in the edition, 7 already sent".

        The identity the run keeps: collected + carried = in the edition + every reason's
        count; "" when the run took in nothing.
        """
        if not self.collected and not self.carried:
            return ""
        carried = f" (+{self.carried:,} carried over)" if self.carried else ""
        parts = [f"{self.articles:,} in the edition"] + (
            [self.left_out_summary()] if self.left_out else []
        )
        return f"{self.collected:,} collected{carried}: " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class RunReport:
    """What a whole run did, list by list."""

    lists: tuple[ListReport, ...]

    @property
    def has_failures(self) -> bool:
        """True when a source or a delivery failed: `digest run` then exits 1."""
        return any(item.source_errors or item.failed or item.delivery_errors for item in self.lists)
