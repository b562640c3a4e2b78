"""Lines of links inside a page's main text: promotions, related stories, menus."""

from __future__ import annotations

import re

import lxml.html

from ._vote import Part

__all__ = ["without_link_lines"]

_WORD = re.compile(r"\w+")
# Several links' texts make a line of links when at most this share of its words is not
# theirs ("[VIDEO]" tags, separators); link texts shorter than this are too common to count.
_LINKED_REST_SHARE = 0.2
_MIN_LINK_CHARS = 12
# A linked line of this many words that ends like a sentence is article text.
_SENTENCE_WORDS = 12
_SENTENCE_END = re.compile(r"[.!?\u2026\u3002\"\u201d\u2019»]\W*$")


def without_link_lines(parts: list[Part], tree: lxml.html.HtmlElement) -> list[Part]:
    """The parts but the paragraphs and list items made of links' text and no sentence.

    A line that is all links inside an article is a promotion or a list of related
    stories ("CLICK HERE TO GET THE APP", "China furious at Macron [INSIGHT]|Lakers vs
    Nets [VIDEO]"), or the site's menu and footer on a page laid out with tables; a
    linked sentence of the article stays.
    """
    candidates = [
        i
        for i, part in enumerate(parts)
        if part.kind in ("paragraph", "item")
        and not (len(part.text.split()) >= _SENTENCE_WORDS and _SENTENCE_END.search(part.text))
    ]
    if not candidates:
        return parts
    links = {" ".join(a.text_content().split()) for a in tree.iter("a")}
    links.discard("")
    # Longest first, so that a link's text is taken out before a shorter one inside it.
    ordered = sorted(links, key=len, reverse=True)
    linked = {i for i in candidates if _is_all_links(parts[i].text, links, ordered)}
    return [part for i, part in enumerate(parts) if i not in linked]


def _is_all_links(text: str, links: set[str], ordered: list[str]) -> bool:
    """True when a line is one link's text, or the texts of several with little between."""
    if text in links:
        return True
    words = len(_WORD.findall(text))
    rest = text
    for link in ordered:
        if len(link) >= _MIN_LINK_CHARS and link in rest:
            rest = rest.replace(link, " ")
    return len(_WORD.findall(rest)) <= _LINKED_REST_SHARE * words
