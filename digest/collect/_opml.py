"""OPML subscription lists: the feeds a feed reader exported, read safely.

The file is parsed with defusedxml, which refuses any DTD before it is read. Entity
bombs (billion laughs), external entities and DTD tricks never expand, whatever
the file's encoding. A byte search for "<!DOCTYPE" would miss a UTF-16 file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from ..errors import ConfigError

log = logging.getLogger(__package__)

_HINT = "export the subscriptions again from your feed reader"


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed outline of an OPML file: its title and its feed URL (xmlUrl)."""

    title: str
    """The title attribute, else text, with whitespace collapsed; "" if it has neither."""
    url: str
    """The xmlUrl as written, stripped; not checked, so the caller can say why it skips one."""


def read_opml(path: Path) -> tuple[OpmlFeed, ...]:
    """Every feed outline of an OPML file, in folders or not, in document order."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the OPML file: {exc.strerror}.") from exc
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ConfigError(
            f"{path}: the OPML file declares a DOCTYPE or entities; refusing to read it.",
            hint=_HINT,
        ) from exc
    except SafeElementTree.ParseError as exc:
        raise ConfigError(f"{path}: not a well-formed OPML file: {exc}.", hint=_HINT) from exc
    if root.tag.lower() != "opml":
        raise ConfigError(f"{path}: not an OPML file (the root element is <{root.tag}>).")
    feeds = []
    for outline in root.iter("outline"):  # nested folders are outlines too
        attributes = {key.lower(): value for key, value in outline.attrib.items()}
        url = attributes.get("xmlurl", "").strip()
        if url:
            title = " ".join((attributes.get("title") or attributes.get("text") or "").split())
            feeds.append(OpmlFeed(title, url))
    log.debug("%s: %d feed outlines", path, len(feeds))
    return tuple(feeds)
