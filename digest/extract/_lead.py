"""Where a block of the main text lies in its page: is a lead paragraph in the article?

The second extractor (`_vote`) picks one content node and, with it, its siblings; an
article built of several text sections (a block editor writes each from one template)
loses the sections before that node, and the vote would drop them too. A paragraph
before the first confirmed block is the article's own when the two lie in sibling
sections of one template under their nearest common block element. Some common
container always exists (the page's column, its body), so that alone says nothing: a
paywall notice, a caption or an advertisement above the article shares the column with
it, but sits in an element of another kind, beside the article's container.

trafilatura's blocks carry no link to the page's elements, and the page has been
changed by the time of the vote (readability moves and drops its elements), so the
page is parsed again, only when a lead paragraph is in question (few pages), and the
blocks are found there by their first words.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

import lxml.html
from lxml import etree

__all__ = ["Layout"]

_TOKEN = re.compile(r"\w+")
# What no reader sees; its text (JSON-LD, inline scripts) often repeats the article's.
_UNSEEN = frozenset(("head", "script", "style", "noscript", "template", "svg", "select", "math"))
# Inline elements: a block's text runs through them.
_INLINE = frozenset(
    (
        *("a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "dfn", "em", "font"),
        *("i", "img", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strike"),
        *("strong", "sub", "sup", "time", "tt", "u", "var", "wbr", "br"),
    )
)
# A block is found by this many of its first words (all of them when it has fewer).
_KEY_WORDS = 8
_DIGITS = re.compile(r"\d+")


class Layout:
    """The page's words and the element each lies in, read on first use."""

    def __init__(self, parse: Callable[[], lxml.html.HtmlElement | None]) -> None:
        self._parse = parse
        self._text: str | None = None
        self._starts: list[int] = []
        self._owners: list[etree._Element] = []
        self._length = 1  # the framed text's leading space

    def is_lead(self, text: str, first: str) -> bool:
        """True when a block's text lies in a section of the article beside the first
        confirmed block's: the two sit in sibling elements of one template (tag, id stem
        and class words alike, and some class word to go by) under their nearest common
        block element."""
        firsts = self._blocks(first)
        if not firsts:
            return False
        return any(_is_section_beside(block, firsts[0]) for block in self._blocks(text))

    def _blocks(self, text: str) -> list[etree._Element]:
        """The block elements in which a text's first words occur, in page order."""
        key = " ".join(_TOKEN.findall(text)[:_KEY_WORDS])
        if not key:
            return []
        page = self._read()
        blocks: list[etree._Element] = []
        at = page.find(f" {key} ")
        while at >= 0:
            owner = self._owners[bisect.bisect_right(self._starts, at + 1) - 1]
            blocks.append(_block(owner))
            at = page.find(f" {key} ", at + 1)
        return blocks

    def _read(self) -> str:
        """The page's visible words, one space apart and framed by spaces."""
        if self._text is not None:
            return self._text
        words: list[str] = []
        tree = self._parse()
        if tree is not None:
            walk = etree.iterwalk(tree, events=("start", "end"))
            for event, element in walk:
                if event == "start":
                    if not isinstance(element.tag, str) or element.tag in _UNSEEN:
                        walk.skip_subtree()
                    elif element.text:
                        self._add(words, element.text, element)
                    continue
                parent = element.getparent()
                if element.tail and parent is not None:
                    self._add(words, element.tail, parent)
        self._text = " " + " ".join(words) + " "
        return self._text

    def _add(self, words: list[str], text: str, owner: etree._Element) -> None:
        """Note a text node's words and the element that holds them."""
        found = _TOKEN.findall(text)
        if not found:
            return
        # Offsets in the framed text: a leading space, then each word and a space.
        self._starts.append(self._length)
        self._owners.append(owner)
        words.extend(found)
        self._length += sum(len(word) + 1 for word in found)


def _block(element: etree._Element) -> etree._Element:
    """The nearest block element at or above an element."""
    while element.tag in _INLINE:
        parent = element.getparent()
        if parent is None:
            break
        element = parent
    return element


def _is_section_beside(lead: etree._Element, first: etree._Element) -> bool:
    """True when two blocks lie in sibling sections of one template (see Layout.is_lead)."""
    # Each of the lead's ancestors, and its child on the way to the lead (the keys keep
    # lxml's proxies alive, so that the same element is the same key further on).
    path = dict(zip(lead.iterancestors(), (lead, *lead.iterancestors()), strict=False))
    child = first
    for parent in first.iterancestors():
        if parent in path:
            # The nearest common element: compare the children that lead to each block.
            lead_side, signature = path[parent], _signature(child)
            return (
                lead_side is not child and bool(signature[2]) and _signature(lead_side) == signature
            )
        child = parent
    return False


def _signature(element: etree._Element) -> tuple[str, str, frozenset[str]]:
    """An element's tag, id without its numbers and class words without numbers."""
    classes = (element.get("class") or "").split()
    stem = _DIGITS.sub("", element.get("id") or "")
    return str(element.tag), stem, frozenset(c for c in classes if not _DIGITS.search(c))
