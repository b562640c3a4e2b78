"""The entries of a feed that feedparser itself fails on, read again from their core elements.

feedparser raises plain Python errors on some ill-formed feeds (a ``<textInput>`` inside an
item, a GML point with a non-numeric EPSG code, a stray ``</height>`` in ``<image>``); the
whole feed, and every entry in it, would then be lost over an element digest never reads.
No library repairs a feed for feedparser, so this is hand-written: lxml's recovering
parser reads the document, every child of the feed, channel, item or entry that is not
one of the elements an entry is made of is removed, and feedparser reads what is left.
"""

from __future__ import annotations

from lxml import etree

CORE = frozenset(
    (
        "channel", "item", "entry", "title", "link", "description", "summary", "content",
        "encoded", "guid", "id", "pubDate", "published", "updated", "modified", "issued",
        "created", "date", "body", "fullitem",
    )
)  # fmt: skip
"""Local names kept (in any namespace): the containers and what an entry is made of."""
_CONTAINERS = frozenset(("channel", "item", "entry"))


def core_document(data: bytes) -> bytes | None:
    """The document with only its entries' core elements, as UTF-8 XML; None if unreadable."""
    # No entities resolved, nothing fetched: the bytes come from the network.
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    _prune(root)
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True))


def _prune(element: etree._Element) -> None:
    for child in list(element):
        name = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if name not in CORE:
            element.remove(child)
        elif name in _CONTAINERS:
            _prune(child)
