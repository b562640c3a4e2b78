"""trafilatura's XML body -> the extract stage's parts: paragraphs, headings, items, rows.

trafilatura gives the main text as XML (``p``, ``head``, ``list``/``item``, ``quote``,
``table``/``row``/``cell``, with ``lb`` for a line break); each block becomes a `Part`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lxml import etree

from ._vote import Kind, Part

# Elements of trafilatura's XML that hold blocks of their own.
_XML_BLOCKS = frozenset(("p", "head", "list", "quote", "table"))


def parts_of(body: Iterable[etree._Element]) -> Iterator[Part]:
    """Paragraphs and headings of trafilatura's XML body (p, head, list, quote, table...)."""
    for element in body:
        tag = element.tag
        if tag == "list":
            for item in element.iter("item"):
                yield from _part(_element_text(item), "item")
        elif tag == "table":
            yield from _table_parts(element)
        else:
            kind: Kind = "heading" if tag == "head" else "quote" if tag == "quote" else "paragraph"
            for text in _segments(element):
                yield from _part(text, kind)


def _table_parts(table: etree._Element) -> Iterator[Part]:
    """A table's rows, one part each; a cell of paragraphs (a layout table) gives those."""
    for row in table.findall("row"):
        cells = row.findall("cell")
        if any(child.tag in _XML_BLOCKS for cell in cells for child in cell):
            for cell in cells:
                yield from _cell_parts(cell)
        else:
            yield from _part(" ".join(_element_text(cell) for cell in cells), "row")


def _cell_parts(cell: etree._Element) -> Iterator[Part]:
    """The blocks of a table cell, with the inline text between them as paragraphs."""
    inline = [cell.text or ""]
    for child in cell:
        if child.tag in _XML_BLOCKS:
            yield from _part(" ".join(inline), "paragraph")
            inline.clear()
            yield from parts_of([child])
        else:
            inline.append("".join(child.itertext()))
        inline.append(child.tail or "")
    yield from _part(" ".join(inline), "paragraph")


def _part(text: str, kind: Kind) -> Iterator[Part]:
    """One part for a non-empty text."""
    text = squash(text)
    if text:
        yield Part(text, kind)


def _element_text(element: etree._Element) -> str:
    """All text inside an element of trafilatura's XML, whitespace squashed."""
    return " ".join(_segments(element))


def _segments(element: etree._Element) -> list[str]:
    """The texts of an element of trafilatura's XML, split where the page broke its line
    twice (``<br><br>``: the paragraphs of many older pages); one break is a space.

    trafilatura keeps a page's line breaks as ``<lb/>`` elements, whose text is nothing:
    joined as they are, "the market.<br><br>The bank" becomes one word, "market.The",
    and the sentences on either side one sentence.
    """
    segments: list[list[str]] = [[]]
    breaks = 0

    def add(text: str | None) -> None:
        nonlocal breaks
        if text:
            if not text.isspace():
                breaks = 0
            segments[-1].append(text)

    def visit(node: etree._Element, is_root: bool) -> None:
        nonlocal breaks
        if node.tag == "lb" and not is_root:
            breaks += 1
            if breaks == 2:
                segments.append([])
            segments[-1].append(" ")
        else:
            add(node.text)
            for child in node:
                visit(child, is_root=False)
        if not is_root:
            add(node.tail)

    visit(element, is_root=True)
    return [text for text in (squash("".join(parts)) for parts in segments) if text]


def squash(text: str) -> str:
    """Collapse runs of whitespace (incl. no-break spaces) to one space and trim."""
    return " ".join(text.split())
