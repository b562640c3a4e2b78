"""Reader comments after an article, found by standard markup and by their shape.

trafilatura drops comment sections that a site's class names call comments
(`id="comments"` and the like), and the second extractor's vote drops those that lie
outside the article's node. Before either runs, `drop_comment_nodes` removes comments
that the page declares by a standard: schema.org Comment microdata, or HTML's nested
<article> elements. What is left are comments in anonymous markup inside the article's
container. Those have a shape of their own: after the article's prose comes a run of
short dated lines ("Posted by Ann on 17 Jan 08, 1:19pm", "Gary at August 9, 2012 11:37
AM"), one per comment, or a line that titles them ("12 Comments", "Leave a Reply", "3
Kommentare", in the words of the common comment systems' languages) or heads one by its
number ("#1 Kommentar von Ann"; an op-ed's byline has none). The
text is cut before the first such title, or before the first short dated line after the
prose (a header, not a dated sentence) when at least `_MIN_DATED_LINES` of them follow (and
the headings just before), when most of the prose lies before the cut: so a date line under
the headline, an "Updated at" line in an article's middle, a live blog's timed entries or a
timeline's dated sentences keep their article.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import lxml.html
from lxml import etree

from ._vote import Part

__all__ = ["drop_comment_nodes", "drop_comments"]

# Comments that the page's markup declares as such by a standard, not by a site's class
# names: schema.org microdata (Comment, UserComments, itemprop="comment"), and HTML's
# own rule that a comment on an article is an <article> nested in it.
_MICRODATA = etree.XPath("//*[@itemtype or @itemprop]")  # one pass; filtered in Python
_COMMENT_TYPES = ("schema.org/Comment", "schema.org/UserComments")
_COMMENT_PROPS = ("comment", "comments")
_NESTED_ARTICLES = etree.XPath("//article[ancestor::article]")
# A nested <article> this big is the article itself in a page-wide wrapper, not a comment.
_NESTED_MAX_SHARE = 0.5

_TOKEN = re.compile(r"\w+")
_MONTH = (
    r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?"
)
_DATED = re.compile(
    rf"""
      \b\d{{1,2}}:\d{{2}}\b | \b\d{{1,2}}[.:]\d{{2}}\s*[ap]\.?m\b    # 11:37, 1:19pm, 10.36 pm
    | \b\d{{1,2}}(st|nd|rd|th)?\s+({_MONTH})\b                 # 17 Jan, 16th January
    | \b({_MONTH})\.?\s+\d{{1,2}}\b                            # August 9
    | (?<![\d.-])\d{{1,2}}(?P<sep>[/.-])\d{{1,2}}(?P=sep)(\d{{4}}|\d{{2}})(?![\d.-])  # 17/01/08
    | (?<![\d.-])\d{{4}}-\d{{2}}-\d{{2}}(?![\d.-])                     # 2008-01-17
    """,  # whole numbers only: not scores or figures such as 8.5-1-27-2
    re.IGNORECASE | re.VERBOSE,
)
# The title of a comment section, alone on its line: "12 Comments", "Leave a Reply",
# "Readers' views (3)", in the words that the common comment systems use in their
# languages ("3 Kommentare", "Kommentare (3)", "3 Antworten auf „…“", "12 commentaires").
# Words that also head an article's own sections ("Discussion", "Reactions", "Responses",
# "Antworten") count only after a number.
_PLURALS = (
    r"kommentare|commentaires|comentarios|coment[aá]rios|commenti|reacties|komentarze|"
    r"комментарии|reaktionen"
)
_COUNTED = (
    r"kommentare?|commentaires?|comentarios?|coment[aá]rios?|commenti|commento|reacties|"
    r"reactie|komentarz[ey]?|комментари[йяев]|antworten|antwort|r[ée]ponses?|respuestas?|"
    r"risposte|reaktionen"
)
_TITLE = re.compile(
    rf"""^\W*(
      (\d+\s+)?(comments?|reader\s+comments|readers'?\s+(comments|views)|your\s+(comments|views))
    | (\d+\s+)?({_PLURALS}) | \d+\s+({_COUNTED})(\s+(auf|à|a|on)\b.*)?
    | \d+\s+(responses?|replies|reactions|thoughts\s+on\b.*|gedanken\s+zu\b.*)
    | have\s+your\s+say | leave\s+a\s+(reply|comment) | post\s+a\s+comment
    | add\s+(a|your)\s+comment | join\s+the\s+(conversation|discussion)
    )[\W\d]*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A comment's own header, numbered as comment systems number them ("#1 Kommentar von Ann",
# "Comment #3 by Bob", "2. Kommentar von Carol"): a byline under an article or an op-ed's
# ("Ein Kommentar von …") carries no number, and stays.
_SINGULARS = (
    r"comment|kommentar|commentaire|comentario|coment[aá]rio|commento|reactie|komentarz|"
    r"комментарий"
)
_BY = r"by|from|von|de|par|di|da|door|van|av|fra|od|от"
_NUMBERED_HEADER = re.compile(
    rf"""^\W*(
      (\#\s*\d+|\d+[.)])\s*({_SINGULARS})\s+({_BY})\s+\S
    | ({_SINGULARS})\s*(\#|no\.?|nr\.?)\s*\d+\s+({_BY})\s+\S
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_TITLE_MAX_WORDS = 8
# A comment's header line is short and no sentence ("Ann at August 9, 2012 11:37 AM"); a
# dated sentence of the article is not ("17 March 2009: the council asks for a study.").
_HEADER_MAX_WORDS = 20
_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f][\"'\u201d\u2019)\]]*$")
# The article's prose: blocks of this many words.
_PROSE_MIN_WORDS = 12
# A cut needs this many dated lines from it on (the article's own date line and one
# comment, or two comments) and this share of the prose before it.
_MIN_DATED_LINES = 2
_PROSE_BEFORE = 0.6
# A title says what follows, so it needs less of the prose before it: a long thread of
# comments may well outweigh its article.
_PROSE_BEFORE_TITLE = 0.25


def _is_title(line: str) -> bool:
    """True for a line that titles reader comments, or heads one by its number."""
    return bool(_TITLE.match(line) or _NUMBERED_HEADER.match(line))


def _is_header(line: str) -> bool:
    """True for a short dated line that is no sentence: a comment's header."""
    return bool(_DATED.search(line)) and not _SENTENCE_END.search(line)


def drop_comment_nodes(tree: lxml.html.HtmlElement) -> bool:
    """Remove the comments the markup declares (microdata, nested articles); True if it found any.

    Nested articles count when an article holds two or more of them, each a minor part of
    its text: a list of comments (or of related stories, which are not the article either).
    """
    found: list[lxml.html.HtmlElement] = [
        element
        for element in _MICRODATA(tree)
        if element.get("itemprop") in _COMMENT_PROPS
        or any(kind in element.get("itemtype", "") for kind in _COMMENT_TYPES)
    ]
    by_parent: dict[lxml.html.HtmlElement, list[lxml.html.HtmlElement]] = {}
    for article in _NESTED_ARTICLES(tree):
        parent = next(article.iterancestors("article"))
        by_parent.setdefault(parent, []).append(article)
    for parent, nested in by_parent.items():
        size = len(parent.text_content())
        if len(nested) >= 2 and all(
            len(n.text_content()) <= _NESTED_MAX_SHARE * size for n in nested
        ):
            found.extend(nested)
    for element in found:
        if element.getparent() is not None:
            element.drop_tree()
    return bool(found)


def drop_comments(parts: Sequence[Part]) -> list[Part]:
    """The parts before the reader comments that close an article (see the module doc)."""
    words = [len(_TOKEN.findall(part.text)) for part in parts]
    prose = [n if n >= _PROSE_MIN_WORDS else 0 for n in words]
    first_prose = next((i for i, n in enumerate(prose) if n), None)
    if first_prose is None:
        return list(parts)
    later = range(first_prose + 1, len(parts))
    dated = [i for i in later if words[i] <= _HEADER_MAX_WORDS and _is_header(parts[i].text)]
    titled = [i for i in later if words[i] <= _TITLE_MAX_WORDS and _is_title(parts[i].text)]
    total = sum(prose)
    cuts = [i for i in titled[:1] if sum(prose[:i]) >= _PROSE_BEFORE_TITLE * total]
    if len(dated) >= _MIN_DATED_LINES and sum(prose[: dated[0]]) >= _PROSE_BEFORE * total:
        cuts.append(dated[0])
    if not cuts:
        return list(parts)
    cut = min(cuts)
    while cut > 0 and parts[cut - 1].kind == "heading":
        cut -= 1  # the comments' own heading ("Comments", "Your views") goes with them
    return list(parts[:cut])
