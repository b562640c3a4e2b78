"""What a list has taken in besides what it sent: articles held for the next edition, and
articles it passes over for good (a source's baseline, what a full edition dropped).

StateStore inherits these methods. Held articles are kept whole (as JSON), so one that
drops out of its feed before the next edition still reaches it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..models import RawArticle
from ._log import Db
from ._records import to_iso


@dataclass(frozen=True, slots=True)
class HeldArticle:
    """An article an edition had no room for, waiting for the next one."""

    key: str
    """The key the list knows it by (its source-scoped guid key)."""
    article: RawArticle
    held_since: datetime
    """When an edition first left it for later (the date of an undated article)."""


@dataclass(frozen=True, slots=True)
class IntakeRecord:
    """What one run decided about the articles it did not send, recorded in one go."""

    held: tuple[HeldArticle, ...] = ()
    """Articles kept for the next edition (replacing any earlier copy under the same key)."""
    released: tuple[str, ...] = ()
    """Keys of held articles that are done with: sent now, too old, or gone from the list."""
    passed: tuple[tuple[str, str], ...] = ()
    """(key, reason) of articles the list will never send."""
    known_sources: tuple[str, ...] = ()
    """Sources read for the first time (their baseline is in `passed`)."""
    baselined: tuple[str, ...] = ()
    """Sources whose pending upgrade baseline (see pending_baselines) is now in `passed`."""


class IntakeState:
    """The held, passed, known_sources and pending_baselines tables; StateStore inherits these."""

    _db: Db

    def held_articles(self, list_name: str) -> list[HeldArticle]:
        """Every article held for the list's next edition, oldest first."""
        rows = self._db.execute(
            "SELECT key, article, held_since FROM held WHERE list_name = ? ORDER BY held_since",
            (list_name,),
        ).fetchall()
        return [
            HeldArticle(key, _article(data), datetime.fromisoformat(since))
            for key, data, since in rows
        ]

    def passed_keys(self, list_name: str) -> dict[str, str]:
        """Keys of the articles the list passes over for good, with the reason."""
        rows = self._db.execute(
            "SELECT key, reason FROM passed WHERE list_name = ?", (list_name,)
        ).fetchall()
        return {key: reason for key, reason in rows}

    def pending_baselines(self, list_name: str) -> dict[str, datetime]:
        """Sources read before newness went by sight that still need a baseline, with the
        time before which their unsent articles were never going to be sent."""
        rows = self._db.execute(
            "SELECT source_name, since FROM pending_baselines WHERE list_name = ?", (list_name,)
        ).fetchall()
        return {name: datetime.fromisoformat(since) for name, since in rows}

    def known_sources(self, list_name: str) -> set[str]:
        """Names of the sources this list has read before (their first fetch is behind)."""
        rows = self._db.execute(
            "SELECT source_name FROM known_sources WHERE list_name = ?", (list_name,)
        )
        return {row[0] for row in rows}

    def record_known_sources(self, list_name: str, names: Iterable[str], when: datetime) -> None:
        """Remember that the list has read these sources (after their items are recorded)."""
        self.record_intake(list_name, when, IntakeRecord(known_sources=tuple(names)))

    def record_intake(self, list_name: str, when: datetime, record: IntakeRecord) -> None:
        """Record what a run held, released and passed over, and the sources it first read."""
        now = to_iso(when)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "DELETE FROM held WHERE list_name = ? AND key = ?",
                [(list_name, key) for key in record.released],
            )
            self._db.executemany(
                "INSERT INTO held (list_name, key, source_name, held_since, article)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (list_name, key) DO UPDATE"
                " SET source_name = excluded.source_name, article = excluded.article",
                [
                    (list_name, h.key, h.article.source, to_iso(h.held_since), _json(h.article))
                    for h in record.held
                ],
            )
            self._db.executemany(
                "INSERT INTO passed (list_name, key, reason, recorded)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(list_name, key, reason, now) for key, reason in record.passed],
            )
            self._db.executemany(
                "INSERT INTO known_sources (list_name, source_name, first_fetched)"
                " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(list_name, name, now) for name in record.known_sources],
            )
            self._db.executemany(
                "DELETE FROM pending_baselines WHERE list_name = ? AND source_name = ?",
                [(list_name, name) for name in record.baselined],
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def _json(article: RawArticle) -> str:
    return json.dumps(
        {
            "source": article.source,
            "url": article.url,
            "guid": article.guid,
            "title": article.title,
            "published": to_iso(article.published) if article.published else None,
            "body": article.body,
            "body_format": article.body_format,
        }
    )


def _article(data: str) -> RawArticle:
    fields: dict[str, Any] = json.loads(data)
    published = fields["published"]
    return RawArticle(
        source=fields["source"],
        url=fields["url"],
        guid=fields["guid"],
        title=fields["title"],
        published=datetime.fromisoformat(published) if published else None,
        body=fields["body"],
        body_format=fields["body_format"],
    )
