"""A list's sources as an admin sees them: import them from OPML, list them, test them now.

`import_opml` reads the feeds with collect's `read_opml` and appends them to a list in
the config file, editing it with tomlkit so that comments and layout stay, and writing
it atomically (a crash leaves the old file or the new one, never half of each).
`list_sources` joins the config with each source's last fetch from the state file;
`probe_sources` fetches every source now, says how many of its items the next edition
would take in, and records nothing.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from ..collect import OpmlFeed, gather, http_client, is_http_url, policy_for, read_opml
from ..config import ListSettings, Settings, SourceSettings
from ..errors import ConfigError
from ..files import atomic_write
from ..state import FetchStatus
from ..subscribers import edit_lock
from ..urls import canonical_url
from ._newness import Newness
from ._state import has_store, open_store

log = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True)
class OpmlImport:
    """What `import_opml` did: the names added and each skipped feed with the reason."""

    list_name: str
    added: tuple[str, ...]
    skipped: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One configured source with the outcome of its last fetch (None: never fetched)."""

    list_name: str
    source: SourceSettings
    last: FetchStatus | None


@dataclass(frozen=True, slots=True)
class SourceProbe:
    """One source fetched now: how many items it gave, or why it failed."""

    list_name: str
    source: SourceSettings
    items: int
    error: str | None
    new: int = 0
    """How many of its items (with those held for it) the list's next edition would take
    in: not sent, not too old, not in its baseline; before the edition's max_items."""


def import_opml(settings: Settings, opml_path: Path, list_name: str | None) -> OpmlImport:
    """Append the OPML file's feeds to a list in the config; skip those it already has.

    The config is read and written under its edit lock, as subscriber edits and the
    unsubscribe endpoint write it too.
    """
    item = settings.one_list(list_name)
    feeds = read_opml(opml_path)
    with edit_lock(settings.config_path):
        report = _append_feeds(settings.config_path, item, feeds)
    log.info(
        "imported %d feeds into %s, skipped %d", len(report.added), item.name, len(report.skipped)
    )
    return report


def _append_feeds(config_path: Path, item: ListSettings, feeds: Iterable[OpmlFeed]) -> OpmlImport:
    """Add the feeds the list lacks as [[lists.NAME.sources]] tables of the config."""
    try:
        text = config_path.read_text(encoding="utf-8")
        document = tomlkit.parse(text)
    except (OSError, TOMLKitError) as exc:
        raise ConfigError(f"{config_path}: cannot read the config to edit it: {exc}.") from exc
    table = _list_table(document, config_path, item.name)
    known = {canonical_url(s.url): s.name for s in item.sources if s.url}
    names = {s.name for s in item.sources}
    added: list[str] = []
    skipped: list[str] = []
    new_tables = []
    for feed in feeds:
        title, url = feed.title, feed.url
        if not is_http_url(url):
            skipped.append(f"{title} ({url}): not an http(s) URL")
            continue
        key = canonical_url(url)
        if key in known:
            skipped.append(f"{title} ({url}): already in the list as {known[key]!r}")
            continue
        name = _unique(title or _host(url), names)
        names.add(name)
        known[key] = name
        source = tomlkit.table()
        source.update({"name": name, "type": "feed", "url": url})
        new_tables.append(source)
        added.append(name)
    if new_tables:
        sources = table.get("sources")
        is_new = sources is None
        if sources is None:  # tomlkit puts blank lines between the tables of a new array
            sources = tomlkit.aot()
            table.add(tomlkit.nl())
            table.append("sources", sources)
        elif not isinstance(sources, tomlkit.items.AoT):
            raise ConfigError(
                f"{config_path}: [lists.{item.name}] sources is not written as "
                "[[lists.NAME.sources]] tables, so it cannot be extended here.",
                hint="add the sources by hand, or rewrite them as [[lists.NAME.sources]] tables",
            )
        for source in new_tables:
            if not is_new:  # a blank line after each table, as the others are written
                source.add(tomlkit.nl())
            sources.append(source)
        _write_config(config_path, tomlkit.dumps(document))
    return OpmlImport(item.name, tuple(added), tuple(skipped))


def list_sources(settings: Settings, list_name: str | None = None) -> tuple[SourceLine, ...]:
    """Every source of every list (or one), with its last fetch from the state file."""
    lists = settings.chosen_lists(list_name)
    with open_store(settings) as store:
        statuses = store.fetch_statuses()
    return tuple(
        SourceLine(item.name, source, statuses.get((item.name, source.name)))
        for item in lists
        for source in item.sources
    )


def probe_sources(
    settings: Settings, *, now: datetime, list_name: str | None = None
) -> tuple[SourceProbe, ...]:
    """Fetch every source of every list (or one) now; nothing is recorded or sent."""
    results: list[SourceProbe] = []
    with ExitStack() as stack:
        client = stack.enter_context(
            http_client(timeout=settings.collect.timeout, networks=policy_for(settings))
        )
        # The state as it is; a state file that is not there yet is not made by a look.
        store = stack.enter_context(open_store(settings)) if has_store(settings) else None
        for item in settings.chosen_lists(list_name):
            newness = Newness(item, store, now)
            # No validators (a full fetch, never a 304) and no full-text pages: a quick look.
            gathered = gather(
                item.sources,
                now=now,
                client=client,
                options=settings.collect,
                is_wanted=lambda raws: [False] * len(raws),
            )
            verdicts = {g.source.name: newness.judge(g.source.name, g.articles) for g in gathered}
            due, _, _ = newness.carried(v.candidate for vs in verdicts.values() for v in vs)
            results.extend(
                SourceProbe(
                    item.name,
                    g.source,
                    len(g.articles),
                    str(g.error) if g.error else None,
                    sum(v.reason is None for v in verdicts[g.source.name])
                    + sum(c.raw.source == g.source.name for c in due),
                )
                for g in gathered
            )
    return tuple(results)


def _list_table(document: Any, config_path: Path, list_name: str) -> Any:
    """The [lists.NAME] table of a tomlkit document."""
    try:
        table = document["lists"][list_name]
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{config_path}: no [lists.{list_name}] table to add to.") from exc
    if not isinstance(table, dict):
        raise ConfigError(f"{config_path}: [lists.{list_name}] is not a table.")
    return table


def _unique(name: str, taken: Iterable[str]) -> str:
    names = set(taken)
    candidate, number = name, 2
    while candidate in names:
        candidate = f"{name} ({number})"
        number += 1
    return candidate


def _host(url: str) -> str:
    try:
        return canonical_url(url).split("/")[2]
    except IndexError:
        return url


def _write_config(path: Path, text: str) -> None:
    """Replace the config with text in one step (keeping its mode), if it still loads."""
    tomllib.loads(text)  # never write a file that would not load
    try:
        atomic_write(path, text.encode("utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot write the config: {exc.strerror}.",
            hint="check that the config file and its folder are writable",
        ) from exc
