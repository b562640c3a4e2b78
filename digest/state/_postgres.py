"""PostgreSQL under the state store, through psycopg 3: the same tables, the same SQL.

The store writes its SQL once, in the dialect both engines speak (``?`` placeholders,
``INSERT … ON CONFLICT``, ``RETURNING``, ``CASE`` in sums); `PostgresDb` gives psycopg
the shape of the sqlite3 connection the store uses, turning ``?`` into ``%s``.
Migrations run in order as on SQLite, each in a transaction under one advisory lock, so
processes on several machines opening a new database at once apply each one once.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from ..errors import ConfigError, RunLockedError, StateError
from ._migrations import MIGRATIONS

log = logging.getLogger(__package__)

_MIGRATION_LOCK = 0x64696765  # "dige": one advisory lock key for schema changes
_RUN_LOCK = "hashtext('digest-run:' || current_schema())"
"""The run lock's key: one per schema, so installations sharing a database stay apart."""
_CHUNK = 2000
"""Rows per executemany round trip."""


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


@functools.lru_cache(maxsize=256)
def _dialect(sql: str) -> str:
    """The store's SQL as psycopg takes it: %s placeholders, BEGIN without IMMEDIATE."""
    if sql == "BEGIN IMMEDIATE":
        return "BEGIN"
    return sql.replace("%", "%%").replace("?", "%s")


def state_error(exc: psycopg.Error, where: str) -> StateError:
    """A StateError for a database that failed under the store: lost, shut down, full."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return StateError(
        f"{where}: the state database failed: {reason}.",
        hint="check that PostgreSQL runs, can be reached and has room; nothing is sent "
        "that cannot be recorded, and the recipients still pending go out from the next "
        "run (or worker)",
    )


class PostgresDb:
    """The part of sqlite3.Connection the store uses, over one psycopg connection.

    A lost connection, a server shutting down or a full disk on the server (psycopg's
    OperationalError, InterfaceError) is a StateError naming the database, as SQLite's
    disk faults are (_faults.py); constraint errors stay as they are.
    """

    def __init__(self, conn: psycopg.Connection[Any], where: str = "PostgreSQL") -> None:
        self.conn = conn
        self.where = where
        """The database's URL without its password, for messages."""

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> psycopg.Cursor[Any]:
        """Run one statement (``?`` placeholders), as sqlite3's execute does."""
        try:
            if not parameters:
                return self.conn.execute("BEGIN" if sql == "BEGIN IMMEDIATE" else sql)
            return self.conn.execute(_dialect(sql), parameters)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise state_error(exc, self.where) from exc

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> psycopg.Cursor[Any]:
        """Run one statement for every row, a chunk of rows per round trip (a pipeline).

        The rows are drawn between chunks, outside psycopg's connection lock: a row
        generator may itself read the store (the recipients of an edition do).
        """
        query = _dialect(sql)
        pending = iter(rows)
        try:
            cursor = self.conn.cursor()
            while chunk := list(itertools.islice(pending, _CHUNK)):
                cursor.executemany(query, chunk)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise state_error(exc, self.where) from exc
        return cursor

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open (as sqlite3's attribute of that name says)."""
        return self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


def connect(url: str, password: str | None = None) -> PostgresDb:
    """Open the database at `url` in autocommit mode and bring its schema up to date."""
    try:
        conn = psycopg.connect(url, autocommit=True, password=password or None, connect_timeout=10)
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        if _is_transient(reason):
            raise StateError(
                f"{redacted(url)}: cannot reach the state database: {reason}.",
                hint="check that PostgreSQL runs there and this machine reaches it ([state] "
                "url: host, port), then run again; systemd restarts a `digest worker` "
                "until it can",
            ) from exc
        raise ConfigError(
            f"{redacted(url)}: cannot open the state database: {reason}.",
            hint="check [state] url (host, port, database, user), that PostgreSQL runs there, "
            "and the password in the variable named by [state] password_env",
        ) from exc
    db = PostgresDb(conn, redacted(url))
    try:
        migrate(db)
    except BaseException:
        conn.close()
        raise
    return db


_TRANSIENT = ("the database system is", "too many clients", "remaining connection slots")
"""What a server says when it is starting, stopping, in recovery or full: try again."""


def _is_transient(message: str) -> bool:
    """Whether a connection that failed so may succeed later by itself: no server answered
    (down, out of reach), or one that cannot take it now. psycopg gives no SQLSTATE for
    errors while connecting; a server's answer is libpq's text after "FATAL:"."""
    answer = message.partition("FATAL:")[2]
    return not answer or any(text in answer for text in _TRANSIENT)


@contextmanager
def run_lock(db: PostgresDb, where: str | Path) -> Iterator[None]:
    """Hold the database's run lock (a session advisory lock) or raise RunLockedError."""
    row = db.conn.execute(f"SELECT pg_try_advisory_lock({_RUN_LOCK})").fetchone()
    if not (row and row[0]):
        raise RunLockedError(
            f"another digest run holds the lock of {where}.",
            hint="wait for it to finish; the daemon and `digest run` never send together",
        )
    try:
        yield
    finally:
        if not db.conn.closed:
            try:
                db.conn.execute(f"SELECT pg_advisory_unlock({_RUN_LOCK})")
            except psycopg.OperationalError as exc:  # the session, and so its lock, is gone
                log.warning("%s: the run lock went with the lost connection: %s", where, exc)


def migrate(db: PostgresDb) -> tuple[str, ...]:
    """Apply the migrations this database lacks, in order; return the names applied."""
    applied: list[str] = []
    for migration in MIGRATIONS:
        with db.conn.transaction():
            db.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            db.conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY)")
            done = db.conn.execute("SELECT 1 FROM _migrations WHERE name = %s", (migration.name,))
            if done.fetchone() is None:
                db.conn.execute(migration.postgres_sql())
                db.conn.execute("INSERT INTO _migrations (name) VALUES (%s)", (migration.name,))
                applied.append(migration.name)
    if applied:
        log.info("state: applied migrations %s", ", ".join(applied))
    return tuple(applied)
