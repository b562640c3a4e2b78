"""The cues of a reader comment, in its markup and in its short lines.

A comment system's record says who wrote it and when, and offers to answer it: a name
(`<cite>`, an author or user class, a link to a user's profile, "Ann says:", "Hans
schrieb", "名無しさん"), a time ("January 17, 2012 at 1:19 pm", "3 years ago",
"2012年01月17日"), an avatar (a small square picture), a reply or permalink link ("Reply",
"Antworten", "返信", `?replytocom=`), words like comment or reply in its class names, and a
title above the records ("12 Comments", "What readers say", "Kommentare"). Each cue is a
bit of one int, so an element's cues and those of the elements inside it merge in one
walk (`_threads`). The words are those of most comment systems' languages: they name what
a comment is, not any one site.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

import lxml.html
from lxml import etree

__all__ = [
    "ACTION",
    "AVATAR",
    "LABEL",
    "NAME",
    "STRONG",
    "TIME",
    "TITLE",
    "Record",
    "count_words",
    "is_comment",
    "is_label",
    "own_cues",
    "text_cues",
    "title_above",
    "titled_parents",
    "union",
]

# The cues, as bits of one int per element (merged up the page in one walk).
NAME, TIME, AVATAR, ACTION, LABEL, TITLE = (1 << i for i in range(6))
# Cues that only comments carry; a name, a time and a picture are also in live blogs,
# teaser lists and profile cards.
STRONG = ACTION | LABEL | TITLE
_WEAK_PAIR = NAME | TIME
_KINDS = {"label": LABEL, "name": NAME, "time": TIME}

# Structural cues: what an element's class, id, rel, itemprop or datetime say, and what
# its tag says (pictures, times, citations, links, buttons).
_LABEL_STEMS = r"comment|koment|coment|reply|replies|respond|antwort|reacties|yorum|discuss|diskuss"
_LABEL_WORDS = re.compile(_LABEL_STEMS, re.IGNORECASE)
# One scan of an element's lower-cased class and id finds all three kinds of word.
_ATTRIBUTE_WORDS = re.compile(
    rf"(?P<label>{_LABEL_STEMS})|(?P<name>author|user|nick|poster|\bfn\b)|(?P<time>date|time)"
)
_USER_LINKS = re.compile("/u/|user|member|profile|people/|/author/")
# Reply and permalink links, in the languages of most comment systems.
_ACTION_WORDS = re.compile(
    r"""^\W*(
      reply|respond|quote|permalink|report(\s+abuse)?|flag|
      antworten|antwort|beantworten|zitieren|melden|répondre|repondre|signaler|citer|
      responder|responde|denunciar|rispondi|segnala|cita|beantwoorden|reageer|reageren|
      svara|svar|odpowiedz|ответить|цитировать|返信|返事|引用|回复|回覆|답글|답장|yan\u0131tla
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
_ACTION_MAX_CHARS = 24
_CUE_TAGS = frozenset(("img", "time", "cite", "a", "button"))
_AVATAR_WORDS = ("avatar", "userpic", "usericon", "identicon", "profile")
# An avatar is small and square; a team's logo is smaller, a photo larger.
_AVATAR_SIDES = (24, 128)
_SQUARE = 1.34
_SIZE = re.compile(r"\s*(\d+)")

# Text cues, read in a record's short lines (its header or footer, not its prose).
_MONTHS = (
    r"jan(uary|uar|vier|eiro|uari)?|feb(ruary|ruar|rero|braio|ruari)?|f[ée]vrier|"
    r"m[äa]r(ch|z|s|zo|ço|t)?|maart|apr(il|ile)?|avril|abril|ma[yi]|mayo|maggio|maio|mei|"
    r"jun[ei]?|juin|junio|giugno|junho|jul[iy]?|juillet|julio|luglio|julho|aug(ust|ustus)?|"
    r"ao[uû]t|agosto|sep(t|tember|tembre|tiembre)?|settembre|setembro|o[ck]t(ober|obre)?|"
    r"ottobre|outubro|nov(ember|embre)?|dez(ember)?|dec(ember|embre)?|dic(iembre)?|"
    r"dicembre|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|"
    r"декабря"
)
_DATE = re.compile(
    rf"""
      \b\d{{1,2}}[:.]\d{{2}}\s*([ap]\.?m\b|uhr\b) | \b\d{{1,2}}:\d{{2}}\b
    | \b\d{{1,2}}(st|nd|rd|th|er|\.|º)?\s+(de\s+)?({_MONTHS})\b
    | \b({_MONTHS})\.?\s+\d{{1,2}}\b
    | (?<![\d.-])\d{{1,4}}([/.-])\d{{1,2}}\4\d{{2,4}}(?![\d.-])
    | \d{{2,4}}\s*[年년]\s*\d{{1,2}}\s*[月월]\s*\d{{1,2}} | \d{{1,2}}月\d{{1,2}}日
    | \b(\d+|an?|one)\s+(second|minute|min|hour|hr|day|week|month|year)s?\s+ago\b
    | \b(vor|il\ y\ a|hace|há|fa)\s+\d+\s+\w+
    | \d+\s*(秒|分|時間|日|週間|ヶ月|か月|カ月|年|分钟|小时|天|周|个月)前
    | \d+\s*(분|시간|일|주|개월|년)\s*전
    | ^(yesterday|today|gestern|heute|hier|aujourd'hui|ayer|hoy|ieri|oggi|вчера|сегодня|昨日|
        昨天|今天|어제)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_NAME_TEXT = re.compile(
    r"""
      \b(says|said|wrote|writes|sagt|meint|schrieb|schreibt|dit|écrit|dice|dijo|escribió|
        scrive|disse|escreveu|zegt|schreef|skrev|napisał|пишет|написал|написала)\s*(\.\.\.|…|:)?\s*$
    | ^\W*(posted|written|submitted|commented)\s+by\b | ^\W*(by|von|par|por|di|door)\s+\w
    | ^\W*(posts|joined|registered|member\ since|beiträge|registriert|dabei\ seit|messages|inscrit)
        \s*:
    | ^[\u2014\u2013\u2015]\s*\w | さん\s*$ | より\s*$ | 님\s*$ | 投稿者 | 名前\s*[:\uff1a]
    """,
    re.IGNORECASE | re.VERBOSE,
)
_HEADER_MAX_WORDS = 20

# The title of a comment section, in the languages of most comment systems: a short line
# that names comments, readers' views or a discussion.
_TITLE = re.compile(
    r"""
      comment|kommentar|koment|commentaire|comentario|comentário|commento|commenti|reacties|
      reactie|reageer|комментар|отзыв|コメント|评论|評論|留言|댓글|yorum|
      \breaders?'?s?\W+(views|comments|say|said|reactions?|opinions?|letters|respond|
        responses?|think|write|voices?)|from\ (our\ )?readers|leser(stimmen|meinung|briefe)|
      was\ (unsere\ )?leser|lecteurs|lectores|lettori|leitores|読者の|读者|독자|
      your\ (views|say|comments|thoughts|opinions?)|ihre\ meinung|votre\ avis|vos\ réactions|
      join\ the\ (conversation|discussion)|leave\ a\ reply|\d+\s+(responses?|replies|
        reactions|thoughts)|discuss|diskutier|diskussion
    """,
    re.IGNORECASE | re.VERBOSE,
)
_TITLE_MAX_WORDS = 10
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_LAST_TEXT = etree.XPath("preceding::text()[normalize-space()][1]")
# A record's header and footer: its first and last lines.
_HEAD_LINES, _FOOT_LINES = 6, 4
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

Record = tuple[lxml.html.HtmlElement, ...]
"""One comment: an element, or the 2-3 siblings that a definition list gives it."""


def own_cues(element: lxml.html.HtmlElement) -> int:
    """The cues of an element itself: its attributes' words, its tag, its link's text."""
    get = element.get
    words = get("class") or ""
    identifier = get("id")
    if identifier:
        words = f"{words} {identifier}"
    cues = _word_cues(words) if words else 0
    itemprop = get("itemprop")
    if itemprop is not None:
        if itemprop == "author":
            cues |= NAME
        elif itemprop[:4] == "date":
            cues |= TIME
    tag = element.tag
    if tag in _CUE_TAGS:
        if tag == "a":
            cues &= ~LABEL  # "12 comments" links head articles and teasers
        cues |= _tag_cues(element, tag)
    return cues


@functools.lru_cache(maxsize=4096)
def _word_cues(words: str) -> int:
    """The cues that class and id words give (pages repeat them: cached)."""
    cues = 0
    for match in _ATTRIBUTE_WORDS.finditer(words.lower()):
        cues |= _KINDS[match.lastgroup or ""]
    return cues


def _tag_cues(element: lxml.html.HtmlElement, tag: str) -> int:
    """The cues that an element's tag gives: an avatar, a time, a name, a reply link."""
    if tag == "img":
        return AVATAR if _is_avatar(element) else 0
    if tag == "time":
        return TIME
    if tag == "cite":
        return NAME
    cues = 0
    if tag == "a":
        rel = element.get("rel") or ""
        if "ugc" in rel:
            cues |= LABEL
        href = element.get("href") or ""
        if "author" in rel or _USER_LINKS.search(href):
            cues |= NAME
    if _is_action(element):
        cues |= ACTION
    return cues


def is_label(element: lxml.html.HtmlElement) -> bool:
    """True when an element's class, id or rel says it holds comments or replies."""
    words = f"{element.get('class', '')} {element.get('id', '')}"
    return "ugc" in element.get("rel", "") or bool(_LABEL_WORDS.search(words))


def _is_action(element: lxml.html.HtmlElement) -> bool:
    """True for a reply or permalink link."""
    href = element.get("href") or ""
    if "replytocom" in href or "#respond" in href:
        return True
    text = "".join(element.itertext()) if len(element) else element.text or ""
    return len(text) <= _ACTION_MAX_CHARS and bool(_ACTION_WORDS.match(text))


def _is_avatar(image: lxml.html.HtmlElement) -> bool:
    """True for a user's picture: named so, or small and square."""
    get = image.get
    words = f"{get('class', '')} {get('src', '')} {get('alt', '')}".lower()
    if any(word in words for word in _AVATAR_WORDS):
        return True
    width, height = _side(get("width")), _side(get("height"))
    low, high = _AVATAR_SIDES
    if width is None or height is None or not (low <= width <= high and low <= height <= high):
        return False
    return max(width, height) / min(width, height) <= _SQUARE


def _side(value: str | None) -> int | None:
    """A pixel size from an attribute ("56", "56px"); None when absent or odd."""
    match = _SIZE.match(value) if value else None
    return int(match.group(1)) if match else None


def titled_parents(tree: lxml.html.HtmlElement) -> Iterator[lxml.html.HtmlElement]:
    """The elements that may hold the records below a heading that titles comments."""
    for heading in tree.iter(*_HEADINGS):
        text = heading.text_content()
        if count_words(text) <= _TITLE_MAX_WORDS and _TITLE.search(text):
            for element in (heading.getparent(), heading.getnext()):
                if element is not None and isinstance(element.tag, str):
                    yield element


def title_above(first: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element of the line just before a run when that line titles comments."""
    last = _LAST_TEXT(first)
    if not last:
        return None
    text = str(last[0])
    if count_words(text) > _TITLE_MAX_WORDS or not _TITLE.search(text):
        return None
    element = last[0].getparent()
    if element is None or last[0].is_tail or element in set(first.iterancestors()):
        return None
    return element


def text_cues(record: Record) -> int:
    """Names and times in a record's short lines ("Ann says:", "— Ann, Leeds", "3 years ago")."""
    lines = [line for element in record for chunk in element.itertext() if (line := chunk.strip())]
    if len(lines) > _HEAD_LINES + _FOOT_LINES:
        lines = lines[:_HEAD_LINES] + lines[-_FOOT_LINES:]
    found = 0
    for line in lines:
        if count_words(line) > _HEADER_MAX_WORDS:
            continue
        if not found & TIME and _DATE.search(line):
            found |= TIME
        if not found & NAME and _NAME_TEXT.search(line):
            found |= NAME
    return found


def is_comment(cues: int) -> bool:
    """True for a record under a comments title, with a comment cue and one more, or with
    a name and a time."""
    return bool(
        cues & TITLE or (cues & STRONG and cues.bit_count() >= 2) or cues & _WEAK_PAIR == _WEAK_PAIR
    )


def union(masks: Iterable[int]) -> int:
    """The cues of a record of several elements."""
    cues = 0
    for mask in masks:
        cues |= mask
    return cues


def count_words(text: str) -> float:
    """Words in a text, two Han, kana or Hangul characters counting as one."""
    if text.isascii():
        return len(text.split())
    cjk = len(_CJK.findall(text))
    return len(text.split()) + cjk / 2
