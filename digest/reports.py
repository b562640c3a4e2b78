"""What a run did: the reports `digest run`, the daemon and the CLI read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Progress = Callable[[str, int, int], None]
"""Called as progress(what, done, total) while a long step runs."""


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


@dataclass(frozen=True, slots=True)
class RunReport:
    """What a whole run did, list by list."""

    lists: tuple[ListReport, ...]

    @property
    def has_failures(self) -> bool:
        """True when a source or a delivery failed: `digest run` then exits 1."""
        return any(item.source_errors or item.failed or item.delivery_errors for item in self.lists)
