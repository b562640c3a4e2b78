"""The state schema as an ordered list of migrations, each applied once per database.

As sqlite-utils' migrations do: a ``_migrations`` table names every migration a
database has had; opening the store applies the missing ones in order, each in its
own ``BEGIN IMMEDIATE`` transaction, so two processes opening a new database at once
never apply one twice. A migration is never edited once released: change the schema
by appending a new one.

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


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(db: sqlite3.Connection) -> None:
        # executescript() would COMMIT the migration's transaction; run statement by statement.
        for statement in sql.split(";"):
            if statement.strip():
                db.execute(statement)

    return apply


def _add_delivery_variant(db: sqlite3.Connection) -> None:
    columns = {row[1] for row in db.execute("PRAGMA table_info(deliveries)")}
    if "variant" not in columns:
        db.execute("ALTER TABLE deliveries ADD COLUMN variant TEXT NOT NULL DEFAULT ''")


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema, known by its name for ever."""

    name: str
    apply: Callable[[sqlite3.Connection], None]


MIGRATIONS = (
    Migration("0001_initial", _script(_INITIAL)),
    Migration("0002_subscriptions", _script(_SUBSCRIPTIONS)),
    Migration("0003_deliveries_variant", _add_delivery_variant),
    Migration("0004_known_sources", _script(_KNOWN_SOURCES)),
    Migration("0005_intake", _script(_INTAKE)),
    Migration("0006_upgrade_baselines", _script(_UPGRADE_BASELINES)),
)


def migrate(db: sqlite3.Connection) -> tuple[str, ...]:
    """Apply the migrations this database lacks, in order; return the names applied.

    `db` must be in autocommit mode (isolation_level=None), as the store opens it.
    """
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY)")
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
