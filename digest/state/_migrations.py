"""The state schema as an ordered list of migrations, each applied once per database.

As sqlite-utils' migrations do: a ``_migrations`` table names every migration a
database has had; opening the store applies the missing ones in order, each in its
own ``BEGIN IMMEDIATE`` transaction, so two processes opening a new database at once
never apply one twice. A migration is never edited once released: change the schema
by appending a new one.

PostgreSQL ([state] url) gets the same migrations in the same order (``_postgres.py``
runs them): a script of SQL both engines take runs on both as it is; a step whose SQL
must differ (BLOB is BYTEA there, an INTEGER PRIMARY KEY is an identity column, no
PRAGMA) says so in its ``postgres`` script. tests/state runs every migration on both.

Databases made before this table existed were built by ``CREATE TABLE IF NOT EXISTS``
and two ad-hoc upgrades; the first migrations repeat exactly those steps, so such a
database passes through them unchanged and is then recorded like a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

_INITIAL = """
CREATE TABLE IF NOT EXISTS seen (
    list_name TEXT NOT NULL,
    guid TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (list_name, guid)
);
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT
);
CREATE TABLE IF NOT EXISTS summaries (
    key TEXT PRIMARY KEY,
    key_points TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS editions (
    id INTEGER PRIMARY KEY,
    list_name TEXT NOT NULL,
    created TEXT NOT NULL,
    articles INTEGER NOT NULL,
    payload BLOB NOT NULL,
    guids TEXT NOT NULL,
    finished TEXT
);
CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    edition_id INTEGER NOT NULL REFERENCES editions(id),
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    updated TEXT NOT NULL,
    PRIMARY KEY (edition_id, email)
);
CREATE TABLE IF NOT EXISTS source_fetches (
    list_name TEXT NOT NULL,
    source_name TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    items INTEGER NOT NULL,
    error TEXT,
    PRIMARY KEY (list_name, source_name)
);
CREATE TABLE IF NOT EXISTS slots (
    list_name TEXT NOT NULL,
    slot TEXT NOT NULL,
    status TEXT NOT NULL,
    edition_id INTEGER REFERENCES editions(id),
    recorded TEXT NOT NULL,
    PRIMARY KEY (list_name, slot)
);
"""

_SUBSCRIPTIONS = """
CREATE TABLE IF NOT EXISTS variants (
    edition_id INTEGER NOT NULL REFERENCES editions(id),
    variant TEXT NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (edition_id, variant)
);
CREATE TABLE IF NOT EXISTS unsubscribes (
    list_name TEXT NOT NULL,
    email TEXT NOT NULL,
    unsubscribed_at TEXT NOT NULL,
    PRIMARY KEY (list_name, email)
);
"""
"""``variants``: the rendered variants of an edition other than its main one (subscribers
whose topic filters pick other items); ``deliveries.variant`` names each recipient's.
``unsubscribes``: who left which list by the one-click link, honoured by every run even
if writing the subscriber file failed."""

_KNOWN_SOURCES = """
CREATE TABLE IF NOT EXISTS known_sources (
    list_name TEXT NOT NULL,
    source_name TEXT NOT NULL,
    first_fetched TEXT NOT NULL,
    PRIMARY KEY (list_name, source_name)
);
INSERT OR IGNORE INTO known_sources (list_name, source_name, first_fetched)
    SELECT list_name, source_name, fetched_at FROM source_fetches WHERE error IS NULL;
"""
"""``known_sources``: the sources each list has read once. A source's first fetch by a list
brings its newest items whatever their age; later fetches keep to the list's window. A
database made before this table counts the sources it fetched without error as known."""


_INTAKE = """
UPDATE seen SET guid = 'legacy:' || guid WHERE guid NOT LIKE 'url:%';
CREATE TABLE IF NOT EXISTS held (
    list_name TEXT NOT NULL,
    key TEXT NOT NULL,
    source_name TEXT NOT NULL,
    held_since TEXT NOT NULL,
    article TEXT NOT NULL,
    PRIMARY KEY (list_name, key)
);
CREATE TABLE IF NOT EXISTS passed (
    list_name TEXT NOT NULL,
    key TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded TEXT NOT NULL,
    PRIMARY KEY (list_name, key)
);
"""
"""Newness by sight. ``seen`` keys name their kind: ``url:`` + canonical URL, ``guid:`` +
source name + tab + guid (a guid is unique only within its feed: two JSON Feeds both
have an item "1"); the bare guids written before are kept as ``legacy:`` + guid and
still match any source. ``held``: articles an edition had no room for, kept (as JSON) for
the next one. ``passed``: keys of articles a list will never send, and why (what a
source held when the list first read it, or what a full edition left out for good)."""


_UPGRADE_BASELINES = """
CREATE TABLE IF NOT EXISTS pending_baselines (
    list_name TEXT NOT NULL,
    source_name TEXT NOT NULL,
    since TEXT NOT NULL,
    PRIMARY KEY (list_name, source_name)
);
INSERT OR IGNORE INTO pending_baselines (list_name, source_name, since)
    SELECT k.list_name, k.source_name, COALESCE(
        (SELECT MAX(e.created) FROM editions e WHERE e.list_name = k.list_name),
        k.first_fetched)
    FROM known_sources k
    WHERE NOT EXISTS (SELECT 1 FROM passed p WHERE p.list_name = k.list_name);
"""
"""``pending_baselines``: sources a list read before newness went by sight, which have no
baseline yet. Their next fetch takes the baseline the old rule implies (what is older
than the list's last edition, or past the source's newest max_items, was never going to
be sent), so that an upgrade does not flood the list with what it skipped before."""


@dataclass(frozen=True, slots=True)
class _Script:
    """A migration written as SQL: applied statement by statement on SQLite."""

    sql: str

    def __call__(self, db: sqlite3.Connection) -> None:
        # executescript() would COMMIT the migration's transaction; run statement by statement.
        for statement in self.sql.split(";"):
            if statement.strip():
                db.execute(statement)


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    return _Script(sql)


def _add_delivery_variant(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(deliveries)")}
    if "variant" not in columns:
        db.execute("ALTER TABLE deliveries ADD COLUMN variant TEXT NOT NULL DEFAULT ''")


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema, known by its name for ever."""

    name: str
    apply: Callable[[sqlite3.Connection], None]
    postgres: str | None = None
    """The step for PostgreSQL, when the SQLite script is not SQL both engines take."""

    def postgres_sql(self) -> str:
        """The SQL that makes this step on PostgreSQL."""
        if self.postgres is not None:
            return self.postgres
        if isinstance(self.apply, _Script):
            return self.apply.sql
        raise TypeError(f"migration {self.name} has no SQL for PostgreSQL: give it postgres=")


_WORKER_CLAIMS = """
ALTER TABLE deliveries ADD COLUMN claimed_by INTEGER;
CREATE TABLE IF NOT EXISTS workers (
    id INTEGER PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started TEXT NOT NULL
);
"""
"""For `digest worker` (PostgreSQL): ``deliveries.claimed_by`` names the worker sending that
recipient now (NULL: nobody; -1: put off to the next run after a temporary failure);
``workers`` numbers each worker process, which holds an advisory lock on its number
while it lives, so another can tell a dead worker's claims and take them over."""


def _postgres(sql: str, *changes: tuple[str, str]) -> str:
    """A SQLite script in PostgreSQL's words: each (old, new) must occur in it."""
    for old, new in changes:
        if old not in sql:
            raise ValueError(f"{old!r} is not in the migration")
        sql = sql.replace(old, new)
    return sql


_BYTEA = ("BLOB", "BYTEA")
_INITIAL_POSTGRES = _postgres(
    _INITIAL,
    ("id INTEGER PRIMARY KEY,", "id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"),
    ("payload BLOB", "payload BYTEA"),
    ("value BLOB", "value BYTEA"),
    # SQLite numbers every row (rowid): the delivery log streams recipients in that order.
    (
        "CREATE TABLE IF NOT EXISTS deliveries (",
        "CREATE TABLE IF NOT EXISTS deliveries (\n    rowid BIGINT GENERATED ALWAYS AS IDENTITY,",
    ),
)
_KNOWN_SOURCES_POSTGRES = _postgres(
    _KNOWN_SOURCES,
    ("INSERT OR IGNORE INTO", "INSERT INTO"),
    ("WHERE error IS NULL;", "WHERE error IS NULL ON CONFLICT DO NOTHING;"),
)

_UPGRADE_BASELINES_POSTGRES = _postgres(
    _UPGRADE_BASELINES,
    ("INSERT OR IGNORE INTO", "INSERT INTO"),
    (
        "WHERE NOT EXISTS (SELECT 1 FROM passed p WHERE p.list_name = k.list_name);",
        "WHERE NOT EXISTS (SELECT 1 FROM passed p WHERE p.list_name = k.list_name)"
        " ON CONFLICT DO NOTHING;",
    ),
)

MIGRATIONS = (
    Migration("0001_initial", _script(_INITIAL), _INITIAL_POSTGRES),
    Migration("0002_subscriptions", _script(_SUBSCRIPTIONS), _postgres(_SUBSCRIPTIONS, _BYTEA)),
    Migration(
        "0003_deliveries_variant",
        _add_delivery_variant,
        "ALTER TABLE deliveries ADD COLUMN IF NOT EXISTS variant TEXT NOT NULL DEFAULT ''",
    ),
    Migration("0004_known_sources", _script(_KNOWN_SOURCES), _KNOWN_SOURCES_POSTGRES),
    Migration("0005_intake", _script(_INTAKE)),
    Migration("0006_upgrade_baselines", _script(_UPGRADE_BASELINES), _UPGRADE_BASELINES_POSTGRES),
    Migration(
        "0007_worker_claims",
        _script(_WORKER_CLAIMS),
        _postgres(
            _WORKER_CLAIMS,
            ("ADD COLUMN claimed_by", "ADD COLUMN IF NOT EXISTS claimed_by"),
            ("id INTEGER PRIMARY KEY,", "id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"),
        )
        + "CREATE INDEX IF NOT EXISTS deliveries_claimable ON deliveries (edition_id, rowid)"
        " WHERE status = 'pending';",
    ),
)


def migrate(db: sqlite3.Connection) -> tuple[str, ...]:
    """Apply the migrations this database lacks, in order; return the names applied.

    `db` must be in autocommit mode (isolation_level=None), as the store opens it.
    """
    # Under the write lock: as a statement of its own it would read the schema first, and
    # if another process made the table in between, SQLite refuses the write at once
    # ("database is locked": a stale read is no wait for the busy timeout to end).
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY)")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    applied: list[str] = []
    for migration in MIGRATIONS:
        db.execute("BEGIN IMMEDIATE")
        try:
            done = db.execute("SELECT 1 FROM _migrations WHERE name = ?", (migration.name,))
            if done.fetchone() is None:
                migration.apply(db)
                db.execute("INSERT INTO _migrations (name) VALUES (?)", (migration.name,))
                applied.append(migration.name)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return tuple(applied)
