"""Reader comments found by their structure: a run of sibling records after the article.

Comment systems differ in markup and language, but not in shape: a list of sibling
records made from one template (the same tag, id stem and class pattern), each a short
text with cues of who wrote it and when, often with an avatar and a reply or permalink
link, or under a title that names comments (`_cues`). The article is different: long
connected prose, not records.

So the cues are found first (two passes over the page) and credited to every element
that holds them; runs of like siblings among the elements with cues are the candidate
records, innermost first. A run is a thread when most of its records carry a comment
cue (a reply link, a comment label, a comments title) and one more, or a name and a
time. It is cut from where the article's prose lies before it, never taking a record
that outweighs all the prose before it (that record is the article, in a blog's list of
posts). A run of names and times alone, which a live blog's entries also have, is cut
only when the prose before it outweighs it. Quotes, paragraphs and inline elements are
never records: embedded posts that close an article belong to it.

No library finds comment threads by structure (trafilatura and readability go by class
names, which anonymous or localized themes do not use), hence this module.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator, Sequence

import lxml.html
from lxml import etree

from ._cues import (
    LABEL,
    STRONG,
    TITLE,
    Record,
    count_words,
    is_comment,
    is_label,
    own_cues,
    text_cues,
    title_above,
    titled_parents,
    union,
)

__all__ = ["drop_threads"]

# Elements that separate records (or hold none), and elements that are never one.
_SEPARATORS = frozenset(("br", "hr", "script", "style", "noscript", "template", "img", "input"))
_NOT_RECORDS = frozenset(("blockquote", "q", "figure", "p", "span", "a", "b", "strong", "em"))
_INVISIBLE = frozenset(("script", "style", "noscript", "template"))
# What holds no cue of a comment: the head, scripts, icons, a form's options.
_UNSEEN = frozenset(("head", "svg", "select", "math", *_INVISIBLE))
_DIGITS = re.compile(r"\d+")
_PARITY = re.compile(r"\d|^(odd|even|alt|first|last)$|-(odd|even|alt)$")
_PERIODS = (1, 2, 3)
# Groups of 2-3 children are tried only where single records leave most children out.
_COVERED = 0.8

# A thread needs this many records, this share of them with comment cues, and this much
# prose before it (the article); a run of names and times alone also needs more prose
# before it than in it, less than a sentence after it, and records of some words (not a
# schedule's lines).
_MIN_RECORDS = 2
_RECORD_SHARE = 0.6
_PROSE_BEFORE = 30
_MIN_WEAK_RECORD_WORDS = 8
_PROSE_AFTER = 20
# Prose: text nodes of five words or more (not menu items, labels or link lists).
_PROSE_NODE_WORDS = 5
_PROSE_NODE_CHARS = 20

Signature = tuple[str, str, frozenset[str]]


def drop_threads(tree: lxml.html.HtmlElement) -> bool:
    """Remove the runs of comment records that follow an article; True if it found any."""
    page = _Page(tree)
    counts: dict[lxml.html.HtmlElement, int] = {}
    for element in page.cues:
        parent = element.getparent()
        if parent is not None:
            counts[parent] = counts.get(parent, 0) + 1
    parents = {parent for parent, n in counts.items() if n >= _MIN_RECORDS}
    parents.update(titled_parents(tree))
    cut: list[Record] = []
    holders: set[lxml.html.HtmlElement] = set()
    # The innermost runs first, so that a thread's container is known as such.
    for parent in sorted(parents, key=_depth, reverse=True):
        if parent in holders or parent.tag in _NOT_RECORDS:
            continue
        for records in _runs(parent, holders):
            found = _thread(records, parent, page)
            if found:
                cut.extend(found)
                holders.add(parent)
                holders.update(parent.iterancestors())
                break
    for record in cut:
        for element in record:
            if element.getparent() is not None:
                element.drop_tree()
    return bool(cut)


class _Page:
    """What the page holds: each element's cues (its own and those of the elements inside
    it), found in one walk that skips what no reader sees (the head, scripts, icons); and
    where its prose lies, counted on first use (most pages have no run to weigh)."""

    def __init__(self, tree: lxml.html.HtmlElement) -> None:
        self.cues: dict[lxml.html.HtmlElement, int] = {}
        self._tree = tree
        self._start: dict[lxml.html.HtmlElement, float] = {}
        self._end: dict[lxml.html.HtmlElement, float] = {}
        # One pass in C over the elements (no comments, no PIs); what no reader sees is
        # skipped; an element's cues are credited to its ancestors, up to the first that
        # has them all already (so are all above it).
        unseen: set[lxml.html.HtmlElement] = set()
        for element in tree.iter(*_UNSEEN):
            if element not in unseen:
                unseen.update(element.iter())
        cues = self.cues
        for element in tree.iter(etree.Element):
            if element in unseen:
                continue
            own = own_cues(element)
            node: lxml.html.HtmlElement | None = element
            while own and node is not None:
                have = cues.get(node, 0)
                if have | own == have:
                    break
                cues[node] = have | own
                node = node.getparent()

    def before(self, element: lxml.html.HtmlElement) -> float:
        """Words of prose before an element, in document order."""
        self._count()
        return self._start[element]

    def within(self, element: lxml.html.HtmlElement) -> float:
        """Words of prose inside an element."""
        self._count()
        return self._end[element] - self._start[element]

    def _count(self) -> None:
        if self._start:
            return
        total = 0.0
        for event, element in etree.iterwalk(self._tree, events=("start", "end")):
            if event == "start":
                self._start[element] = total
                if element.text and element.tag not in _INVISIBLE:
                    total += _prose_words(element.text)
            else:
                self._end[element] = total
                if element.tail:
                    total += _prose_words(element.tail)


def _depth(element: lxml.html.HtmlElement) -> int:
    """How many elements an element is nested in."""
    return sum(1 for _ in element.iterancestors())


def _signature(element: lxml.html.HtmlElement) -> Signature:
    """An element's tag, id without its number, and class words without numbers and
    odd/even alternation: what one template's records share ("li", "comment-", {"comment"})."""
    classes = (element.get("class") or "").lower().split()
    stem = _DIGITS.sub("", element.get("id") or "")
    return element.tag, stem, frozenset(c for c in classes if not _PARITY.search(c))


def _alike(a: Signature, b: Signature) -> bool:
    """True when two signatures are one template's: one tag and id stem, shared or no class
    words (the columns of a layout have ids of their own: #main, #sidebar)."""
    return a[:2] == b[:2] and (a[2] == b[2] or bool(a[2] & b[2]))


def _runs(
    parent: lxml.html.HtmlElement, holders: set[lxml.html.HtmlElement]
) -> Iterator[list[Record]]:
    """Runs of like records among a parent's children: single elements, else groups of 2-3
    (a definition list's name / text / time).

    Children without text separate nothing; a child holding a thread already found is its
    container, not a record, and so are quotes, paragraphs and inline elements.
    """
    children = [
        child
        for child in parent
        if isinstance(child.tag, str)
        and child.tag not in _SEPARATORS
        and (len(child) or (child.text and not child.text.isspace()))
    ]
    if len(children) < _MIN_RECORDS:
        return
    signatures = [_signature(child) for child in children]
    is_record = [c not in holders and c.tag not in _NOT_RECORDS for c in children]
    covered = 0
    for period in _PERIODS:
        if period > 1 and covered >= _COVERED * len(children):
            return
        for offset in range(period):
            for run in _periodic_runs(signatures, is_record, period, offset):
                covered += len(run) * period
                yield [tuple(children[i : i + period]) for i in run]


def _periodic_runs(
    signatures: Sequence[Signature], is_record: Sequence[bool], period: int, offset: int
) -> Iterator[list[int]]:
    """Start indexes of the runs of like groups of `period` children, from `offset` on."""
    run: list[int] = []
    for start in range(offset, len(signatures) - period + 1, period):
        group = range(start, start + period)
        is_member = all(is_record[i] for i in group) and (
            period == 1 or not all(_alike(signatures[i], signatures[start]) for i in group)
        )
        if is_member and run:
            first = run[0]
            if all(_alike(signatures[i], signatures[i - start + first]) for i in group):
                run.append(start)
                continue
        if len(run) >= _MIN_RECORDS:
            yield run
        run = [start] if is_member else []
    if len(run) >= _MIN_RECORDS:
        yield run


def _thread(records: Sequence[Record], parent: lxml.html.HtmlElement, page: _Page) -> list[Record]:
    """The records of a run that are reader comments after the article (see the module
    doc), with the title above them; none when the run is something else."""
    found = [union(page.cues.get(element, 0) for element in record) for record in records]
    title = title_above(records[0][0])
    if title is None and sum(1 for cues in found if cues) < _MIN_RECORDS:
        return []  # a menu, a list of links: no need to read its lines
    shared = TITLE if title is not None else 0
    if any(is_label(e) for e in (parent, parent.getparent()) if e is not None):
        shared |= LABEL  # the list's own class says so: <ol class="commentlist">
    found = [cues | shared | text_cues(record) for cues, record in zip(found, records, strict=True)]
    qualified = [is_comment(cues) for cues in found]
    n = sum(qualified)
    if n < _MIN_RECORDS or n < _RECORD_SHARE * len(records):
        return []
    prose = [sum(page.within(element) for element in record) for record in records]
    before = [page.before(records[0][0])]
    for words in prose:
        before.append(before[-1] + words)
    # The thread starts after the article's prose: past its first words, and past any
    # record that outweighs all the prose before it (that record is the article).
    start = next((i for i, words in enumerate(before) if words >= _PROSE_BEFORE), len(records))
    for i, words in enumerate(prose):
        if words > before[i]:
            start = max(start, i + 1)
    if start >= len(records):
        return []
    strong = sum(1 for cues, ok in zip(found, qualified, strict=True) if ok and cues & STRONG)
    if 2 * strong < n and not _is_after_article(records[start:], before[start], page):
        return []
    cut = list(records[start:])
    if start == 0 and title is not None:
        cut.append((title,))
    return cut


def _is_after_article(records: Sequence[Record], before: float, page: _Page) -> bool:
    """True when records with names and times alone close an article, as comments do:
    more prose before them than in them, none after them in their container or the one
    around it (the entries of a live blog, posts quoted in an article, a schedule's lines
    are the article's own)."""
    inside = sum(page.within(element) for record in records for element in record)
    if before < inside:
        return False
    words = [sum(count_words(e.text_content()) for e in record) for record in records]
    if statistics.median(words) < _MIN_WEAK_RECORD_WORDS:
        return False
    after = 0.0
    node: lxml.html.HtmlElement | None = records[-1][-1]
    for _ in range(2):
        if node is None:
            break
        after += sum(page.within(sibling) for sibling in node.itersiblings())
        node = node.getparent()
    return after < _PROSE_AFTER


def _prose_words(text: str) -> float:
    """A text node's words when it is a piece of prose, not a menu item or a label."""
    if len(text) <= _PROSE_NODE_CHARS:
        return 0.0
    words = count_words(text)
    return words if words >= _PROSE_NODE_WORDS else 0.0
