"""Extract stage: a RawArticle's body (HTML, plain text or Markdown) → an Article's main text.

HTML goes through trafilatura (the main-content extractor, comments off); on a whole page
a second extractor (trafilatura's readability fork) votes on its blocks (`_vote`), and a
plain lxml conversion takes feed fragments that trafilatura declines. Plain text and
Markdown go through `_clean`, a hand-written clutter cleaner. The language is told by
`digest.text.detect_language` (py3langid), so the summarizer can pick its stemmer and
stop list.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.metadata import examine_meta, extract_title
from trafilatura.readability_lxml import Document as ReadabilityDocument
from trafilatura.settings import Document

from ..models import Article, BodyFormat, RawArticle
from ..text import detect_language
from ._clean import Block, clean_text, is_furniture
from ._comments import drop_comment_nodes, drop_comments
from ._lead import Layout
from ._links import without_link_lines
from ._threads import drop_threads
from ._vote import Part, vote
from ._xml import parts_of, squash

log = logging.getLogger(__package__)

__all__ = ["Extracted", "extract", "main_text"]


@dataclass(frozen=True, slots=True)
class Extracted:
    """The main text of one body, its sub-headings, the page's title and its language."""

    title: str
    text: str
    """Paragraphs separated by a blank line; headings included as their own paragraphs."""
    headings: tuple[str, ...]
    language: str


def extract(raw: RawArticle) -> Article:
    """Turn a RawArticle into an Article holding only its main text."""
    found = main_text(raw.body, raw.body_format, raw.url)
    title = squash(raw.title) or found.title
    text, headings = found.text, found.headings
    if title and text.startswith(title):
        # Text bodies often repeat the headline as their first line; the title has its own field.
        first, _, rest = text.partition("\n\n")
        if squash(first) == title:
            text = rest
            headings = tuple(h for h in headings if h != title)
    log.debug("extracted %d characters from %s", len(text), raw.url)
    return Article(
        source=raw.source,
        url=raw.url,
        guid=raw.guid,
        title=title,
        published=raw.published,
        text=text,
        headings=headings,
        language=found.language,
    )


def main_text(body: str, body_format: BodyFormat, url: str | None = None) -> Extracted:
    """Find the main text of a body in the given format, without clutter or markup."""
    if body_format == "html":
        title, blocks = _html_blocks(body, url)
    else:
        text = _strip_markdown(body) if body_format == "markdown" else body
        cleaned = clean_text(text)
        title, blocks = cleaned.title, list(cleaned.blocks)
    paragraphs = [text for text, _ in blocks]
    headings = tuple(text for text, is_heading in blocks if is_heading)
    joined = "\n\n".join(paragraphs)
    return Extracted(title=title, text=joined, headings=headings, language=detect_language(joined))


# --- HTML -----------------------------------------------------------------------------

# Elements whose text is never article text, whatever the page says.
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "iframe", "object", "embed")
# lxml.html's parser picks each element's Python class by a Python call (form fields get
# classes of their own), once per element that Python touches: about 1 ms a page across
# our passes, trafilatura's and readability's. No step uses the form classes, so every
# element is an HtmlElement, chosen in C.
_UTF8_PARSER = etree.HTMLParser(encoding="utf-8")
_UTF8_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)
_TITLE_START = re.compile(r"<title(?:\s[^>]*)?>", re.IGNORECASE)
_TITLE_END = re.compile(r"</title\s*>", re.IGNORECASE)
_CODE = etree.XPath("//script[not(@type='application/ld+json')]|//style")
# Anything that makes a body HTML rather than text: a tag, a comment, a declaration.
_MARKUP = re.compile(r"<[A-Za-z/!?]")
# A whole page declares itself near its start; anything else is a fragment (a feed's body).
_DOCUMENT = re.compile(r"<(?:!doctype\s+html|html[\s>])", re.IGNORECASE)
_DOCUMENT_HEAD = 2048
# Elements that start a new paragraph in the plain fallback conversion.
_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_BLOCK_TAGS = _HEADING_TAGS | {
    *("p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "form"),
    *("li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "blockquote", "pre", "figure"),
    *("figcaption", "address", "br", "hr"),
}


def _html_blocks(html: str, url: str | None) -> tuple[str, list[Block]]:
    """Main-text blocks of an HTML page (trafilatura, checked by a second extractor), or
    of a fragment (plain conversion)."""
    if not html.strip():
        return "", []
    if not _MARKUP.search(html):
        # Plain text in an HTML field (RSS descriptions often are): nothing for
        # trafilatura to find, and it logs an ERROR for every such body.
        return "", _plain_blocks(_parse(html))
    if _DOCUMENT.search(html[:_DOCUMENT_HEAD]):
        return _page_blocks(html, url)
    # A fragment goes to trafilatura as a tree under <html>: as text, trafilatura rejects
    # a fragment of one block with an ERROR log line, and one with an inline <svg> at its
    # root fails an assertion.
    fragment = _parse(html)
    if fragment is None or not fragment.text_content().strip():
        return "", []
    parts = _trafilatura_parts(fragment, url)
    # Feed fragments (a few <p>s) are below trafilatura's minimum size: they are all content.
    return "", _as_blocks(parts) if parts else _plain_blocks(fragment)


def _page_blocks(html: str, url: str | None) -> tuple[str, list[Block]]:
    """Title and main-text blocks of a whole page."""
    html = _closed_title(html)
    tree = _parse(html)
    if tree is None:
        return "", _as_blocks(_trafilatura_parts(html, url))
    drop_comment_nodes(tree)
    drop_threads(tree)
    # trafilatura takes our tree (it copies it) without the markup comments its own parser drops.
    etree.strip_elements(tree, etree.Comment, etree.PI, with_tail=False)
    # Nor scripts and styles, which every step drops or skips (trafilatura copies the tree
    # three times before it does); JSON-LD stays: trafilatura reads it (its rescue, forum pages).
    for element in _CODE(tree):
        element.drop_tree()
    parts = _trafilatura_parts(tree, url)
    title = _title(tree)
    parts = without_link_lines(parts, tree)
    second = _readability(tree)  # mutates the tree: after everything else that reads it
    if not parts:
        return title, _plain_blocks(second) if second is not None else []
    if second is not None:
        # The page as it was, parsed again only if a lead paragraph is in question.
        layout = Layout(lambda: _parse(html))
        parts = vote(parts, second.text_content(), layout.is_lead)
    parts = [part for part in parts if not is_furniture(part.text)]
    return title, _as_blocks(drop_comments(parts))


def _closed_title(html: str) -> str:
    """The page with a <title> that is never closed emptied, so its page is not lost.

    A title's content is text up to its end tag (HTML's RCDATA rule), so an unclosed
    <title> takes the whole page as title text: no body, no article. Its start tag then
    becomes an empty title, and what followed is read as markup; the title comes from the
    page's headings instead.
    """
    start = _TITLE_START.search(html)
    if start is None or _TITLE_END.search(html, start.end()):
        return html
    log.info("the page's <title> is never closed: its text is read as the page")
    return f"{html[: start.start()]}<title></title>{html[start.end() :]}"


def _title(tree: lxml.html.HtmlElement) -> str:
    """The page's title, from its metadata or headings (trafilatura's rules)."""
    try:
        title = examine_meta(tree).title or extract_title(tree) or ""
    except Exception as exc:  # a library bug on odd input: the page is still extracted
        log.info("no title found (%r)", exc)
        return ""
    return squash(title)


def _readability(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The content node that a readability-style scorer picks (trafilatura's fork of
    readability-lxml, which works on our parsed tree, 3-4 ms a page); None if it fails."""
    etree.strip_elements(tree, etree.Comment, etree.PI, with_tail=False)
    try:
        summary = ReadabilityDocument(tree, min_text_length=25).summary()
    except Exception as exc:  # a library bug on odd input: trafilatura's text stands alone
        log.info("readability failed (%r); keeping trafilatura's text unchecked", exc)
        return None
    return _parse(summary) if summary.strip() else None


def _trafilatura_parts(page: str | lxml.html.HtmlElement, url: str | None) -> list[Part]:
    """trafilatura's main-text blocks (of a tree it copies); none when it finds nothing.

    A library failure on odd markup is not the article's end: the plain conversion
    takes over, so that no body makes the extract stage crash.
    """
    try:
        document = trafilatura.bare_extraction(
            page,
            url=url,
            include_comments=False,
            # The title comes from _title: trafilatura's whole metadata search costs ~7 ms.
            with_metadata=False,
            fast=True,
        )
    except Exception as exc:  # a library bug on odd input: logged, and the fallback takes over
        log.info("trafilatura failed on %s (%r); using the plain conversion", url or "a body", exc)
        return []
    if not isinstance(document, Document) or document.body is None:
        return []
    return list(parts_of(document.body))


def _as_blocks(parts: list[Part]) -> list[Block]:
    """Parts as the stage's blocks: text and whether it is a heading."""
    return [(part.text, part.kind == "heading") for part in parts]


def _parse(html: str) -> lxml.html.HtmlElement | None:
    """The body as one document under <html>, however little of one it is; None if empty."""
    try:
        # Bytes with a declared encoding: lxml would guess Latin-1 for a fragment without <meta>.
        return lxml.html.document_fromstring(html.encode("utf-8"), parser=_UTF8_PARSER)
    except (etree.ParserError, ValueError):
        return None


def _plain_blocks(root: lxml.html.HtmlElement | None) -> list[Block]:
    """Paragraphs of a parsed HTML fragment by a plain walk over block elements."""
    if root is None:
        return []
    etree.strip_elements(root, *_INVISIBLE, etree.Comment, etree.PI, with_tail=False)
    blocks: list[Block] = []
    parts: list[str] = []
    state = {"heading": False}

    def flush() -> None:
        blocks.extend(_block(" ".join(parts), is_heading=state["heading"]))
        parts.clear()
        state["heading"] = False

    def walk(element: etree._Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        is_block = tag in _BLOCK_TAGS
        if is_block:
            flush()
        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
        if is_block:
            state["heading"] = tag in _HEADING_TAGS
            flush()
        if element.tail:
            parts.append(element.tail)

    walk(root)
    flush()
    return blocks


def _block(text: str, *, is_heading: bool) -> Iterator[Block]:
    """One block for a non-empty text."""
    text = squash(text)
    if text:
        yield text, is_heading


# --- Markdown --------------------------------------------------------------------------

_MD_FENCE = re.compile(r"^(```|~~~)")
_MD_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)|\[([^\]]+)\]\[[^\]]*\]")
_MD_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
_MD_CODE = re.compile(r"`+([^`]*)`+")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_MD_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_MD_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def _strip_markdown(markdown: str) -> str:
    """Markdown → plain text: headings on their own paragraph, links and emphasis unwrapped."""
    out: list[str] = []
    in_fence = False
    for line in markdown.splitlines():
        if _MD_FENCE.match(line.strip()):
            in_fence = not in_fence
            out.append("")
            continue
        if in_fence or _MD_REF_DEF.match(line) or _MD_RULE.match(line):
            out.append("")
            continue
        heading = _MD_ATX.match(line)
        if heading:
            out.extend(["", _inline_markdown(heading.group(2)), ""])
            continue
        if _MD_SETEXT.match(line) and out and out[-1].strip():
            # The line above was a heading: make it a paragraph of its own.
            out.extend([""])
            continue
        is_item = bool(_MD_LIST.match(line))
        line = _MD_QUOTE.sub("", _MD_LIST.sub("", line))
        if is_item:
            out.append("")  # each list item is its own paragraph
        out.append(_inline_markdown(line))
    return "\n".join(out)


def _inline_markdown(text: str) -> str:
    """Unwrap inline Markdown: images dropped, links to their text, emphasis and code marks off."""
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = _MD_CODE.sub(r"\1", text)
    text = _MD_HTML_TAG.sub("", text)
    for _ in range(2):  # nested emphasis such as ***bold italic***
        text = _MD_EMPHASIS.sub(r"\2", text)
    return text
