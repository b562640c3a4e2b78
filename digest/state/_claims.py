"""Claims on the delivery log, for `digest worker` processes sharing it in PostgreSQL.

    worker registers ──► workers row N, and a session advisory lock on N while it lives
    batch of rowids  ──► claim: pending rows with nobody's claim, FOR UPDATE SKIP LOCKED,
                         set claimed_by = N (two workers never claim one row)
    each hand-off    ──► mark_delivery: sent/failed clear the claim; a temporary failure
                         leaves the row pending, put off (claimed_by = -1) to the next run
    a worker dies    ──► its session ends, so its lock is free: the next worker to look
                         takes the lock, and hands the dead one's claims back (reclaim)

A recipient is claimed before its message is made and marked sent only after the
server's 250, so a worker killed with SIGKILL leaves its unfinished recipients to
another, which sends at most the messages the dead one had in flight a second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from ..errors import DigestError
from ._log import Db
from ._records import to_iso

log = logging.getLogger(__package__)

DEFERRED = -1
"""claimed_by of a recipient whose hand-off failed for now: the next run tries it again."""
_WORKER_LOCKS = "hashtext('digest-worker:' || current_schema())"
"""The first key of every worker's advisory lock (one per schema, as worker numbers
are); the second is the worker's number."""

Batch = tuple[int, int]
"""The first and last rowid of a batch of an edition's recipients."""


@dataclass(frozen=True, slots=True)
class WorkerStatus:
    """A worker process known to the delivery log, for `digest status`."""

    id: int
    host: str
    pid: int
    started: datetime
    sending: int
    """Recipients it has claimed and not yet marked."""


class Claims:
    """Worker registration and claims; StateStore inherits these (PostgreSQL only)."""

    _db: Db
    is_postgres: bool
    worker_id: int | None = None

    def register_worker(self, host: str, pid: int, when: datetime) -> int:
        """Number this process as a worker and hold its lock for as long as it lives."""
        self._need_postgres()
        row = self._db.execute(
            "INSERT INTO workers (host, pid, started) VALUES (?, ?, ?) RETURNING id",
            (host, pid, to_iso(when)),
        ).fetchone()
        worker_id = int(row[0])
        self._db.execute(f"SELECT pg_advisory_lock({_WORKER_LOCKS}, ?)", (worker_id,))
        self.worker_id = worker_id
        return worker_id

    def batches(self, edition_id: int, size: int) -> list[Batch]:
        """The edition's claimable recipients (pending, nobody's) cut into batches of `size`."""
        rows = self._db.execute(
            "SELECT MIN(rowid), MAX(rowid) FROM ("
            " SELECT rowid, (ROW_NUMBER() OVER (ORDER BY rowid) - 1) / ? AS part"
            " FROM deliveries"
            " WHERE edition_id = ? AND status = 'pending' AND claimed_by IS NULL"
            ") AS numbered GROUP BY part ORDER BY 1",
            (size, edition_id),
        ).fetchall()
        return [(int(first), int(last)) for first, last in rows]

    def reopen_deferred(self, edition_id: int) -> int:
        """Make the edition's put-off recipients claimable again (a new run tries them)."""
        cursor = self._db.execute(
            "UPDATE deliveries SET claimed_by = NULL"
            " WHERE edition_id = ? AND status = 'pending' AND claimed_by = ?",
            (edition_id, DEFERRED),
        )
        return cursor.rowcount

    def reclaim_dead(self, edition_id: int) -> list[int]:
        """Hand back the claims of workers that died; the rowids freed, in order."""
        self._need_postgres()
        holders = self._db.execute(
            "SELECT DISTINCT claimed_by FROM deliveries"
            " WHERE edition_id = ? AND status = 'pending' AND claimed_by > 0",
            (edition_id,),
        ).fetchall()
        freed: list[int] = []
        for (holder,) in holders:
            if holder == self.worker_id:
                continue  # our own lock is re-entrant: never take our own claims
            row = self._db.execute(
                f"SELECT pg_try_advisory_lock({_WORKER_LOCKS}, ?)", (holder,)
            ).fetchone()
            if not row[0]:
                continue  # alive
            try:
                rows = self._db.execute(
                    "UPDATE deliveries SET claimed_by = NULL"
                    " WHERE edition_id = ? AND status = 'pending' AND claimed_by = ?"
                    " RETURNING rowid",
                    (edition_id, holder),
                ).fetchall()
                self._db.execute("DELETE FROM workers WHERE id = ?", (holder,))
            finally:
                self._db.execute(f"SELECT pg_advisory_unlock({_WORKER_LOCKS}, ?)", (holder,))
            if rows:
                log.warning(
                    "worker %d is gone; %d of its recipients of edition %d go to others",
                    holder,
                    len(rows),
                    edition_id,
                )
            freed.extend(int(r[0]) for r in rows)
        return sorted(freed)

    def claim(self, edition_id: int, batch: Batch) -> list[tuple[str, str, str]]:
        """Claim the batch's claimable recipients for this worker: (email, name, variant)."""
        if self.worker_id is None:
            raise DigestError("this process is not a registered worker; it cannot claim.")
        rows = self._db.execute(
            "UPDATE deliveries SET claimed_by = ? WHERE rowid IN ("
            " SELECT rowid FROM deliveries"
            " WHERE edition_id = ? AND rowid BETWEEN ? AND ?"
            " AND status = 'pending' AND claimed_by IS NULL"
            " FOR UPDATE SKIP LOCKED"
            ") RETURNING rowid, email, name, variant",
            (self.worker_id, edition_id, *batch),
        ).fetchall()
        return [(email, name, variant) for _, email, name, variant in sorted(rows)]

    def release_claims(self, edition_id: int) -> int:
        """Put off this worker's claims it did not send (it stopped early): the next run's."""
        cursor = self._db.execute(
            "UPDATE deliveries SET claimed_by = ?"
            " WHERE edition_id = ? AND status = 'pending' AND claimed_by = ?",
            (DEFERRED, edition_id, self.worker_id),
        )
        return cursor.rowcount

    def workers(self) -> list[WorkerStatus]:
        """Every live worker (its lock held) with how many recipients it is sending now."""
        if not self.is_postgres:
            return []
        rows = self._db.execute(
            "SELECT w.id, w.host, w.pid, w.started, COUNT(d.email) FROM workers w"
            " LEFT JOIN deliveries d ON d.claimed_by = w.id AND d.status = 'pending'"
            " WHERE w.id IN (SELECT objid::integer FROM pg_locks WHERE locktype = 'advisory'"
            f" AND classid::bigint = ({_WORKER_LOCKS}) & 4294967295 AND objsubid = 2"
            " AND granted) GROUP BY w.id, w.host, w.pid, w.started ORDER BY w.id"
        ).fetchall()
        return [
            WorkerStatus(row[0], row[1], row[2], datetime.fromisoformat(row[3]), row[4])
            for row in rows
        ]

    def retire_worker(self) -> None:
        """Forget this worker (a clean stop): its row goes, its lock with the session."""
        if self.worker_id is not None:
            self._db.execute("DELETE FROM workers WHERE id = ?", (self.worker_id,))
            self._db.execute(f"SELECT pg_advisory_unlock({_WORKER_LOCKS}, ?)", (self.worker_id,))
            self.worker_id = None

    def _need_postgres(self) -> None:
        if not self.is_postgres:
            raise DigestError(
                "workers need the state in PostgreSQL; this store is a SQLite file.",
                hint='set [state] url = "postgresql://…" (see README, "Past one machine")',
            )
