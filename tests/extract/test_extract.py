"""Tests for the extract stage: HTML pages and fragments, plain text, Markdown, language."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from digest.extract._extract import Extracted, _parse, extract, main_text
from digest.models import BodyFormat, RawArticle
from digest.text import detect_language

from . import pages

SAMPLE = "samples/000_f5ad79b2fe2ac392.txt"
SAMPLE_TITLE = (
    "Putin\u2019s Strategic Shift: Russia and North Korea Forge Alliance Amid Global Tensions"
)
SAMPLE_HEADINGS = (
    "New Strategic Alliance",
    "Implications for Northeast Asia",
    "U.S. and Allies\u2019 Concerns",
    "Lavish Reception for Putin",
)
SAMPLE_CLUTTER = (
    "Thank you for reading this post, don't forget to subscribe!",
    "By Naija247news",
    "Naija247news is an investigative news platform",
    "Share post:",
    "More like this",
    "BlackRock",
    "The upcoming closure of the world",
    "Sergey Brin",
    "Russia-Africa Cooperation",
    "Biden drops re-election bid",
    "How can I help you?",
)

PARAGRAPH = (
    "The city council voted on Tuesday to expand the tram network by twelve kilometres, "
    "a plan that has been debated for almost a decade and will cost about 400 million euros."
)
SECOND = (
    "Construction is expected to start next spring, and the first trams should run on the "
    "new line by the end of 2027, according to the council's transport committee."
)
THIRD = (
    "Opponents argued that buses would be cheaper and faster to deploy, but the majority "
    "said the trams would carry more people and pollute less over the next forty years."
)


def raw_article(body: str, body_format: BodyFormat, title: str = "") -> RawArticle:
    """A RawArticle around a body, with fixed identity fields."""
    return RawArticle(
        source="test",
        url="https://example.org/news/trams",
        guid="trams-1",
        title=title,
        published=datetime(2024, 5, 1, tzinfo=UTC),
        body=body,
        body_format=body_format,
    )


def sample_paragraphs(path: Path) -> list[str]:
    """The article paragraphs of the sample: the prose between its title and its byline."""
    blocks = [b.strip() for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    end = next(i for i, b in enumerate(blocks) if b.startswith("By Naija247news"))
    return [
        b
        for b in blocks[1:end]
        if b not in SAMPLE_HEADINGS and "subscribe" not in b and b != SAMPLE_TITLE
    ]


def test_sample_page_keeps_the_article_and_drops_the_clutter(shared_dir: Path) -> None:
    path = shared_dir / SAMPLE
    article = extract(raw_article(path.read_text(encoding="utf-8"), "text"))
    paragraphs = article.text.split("\n\n")
    expected = sample_paragraphs(path)
    assert len(expected) >= 10
    for paragraph in expected:
        assert paragraph in paragraphs
    assert article.headings == SAMPLE_HEADINGS
    for heading in SAMPLE_HEADINGS:
        assert heading in paragraphs
    for clutter in SAMPLE_CLUTTER:
        assert clutter not in article.text
    assert article.title == SAMPLE_TITLE
    assert not article.text.startswith("Putin\u2019s Strategic Shift")
    assert article.language == "en"


def test_raw_title_wins_over_the_first_line(shared_dir: Path) -> None:
    path = shared_dir / SAMPLE
    article = extract(raw_article(path.read_text(encoding="utf-8"), "text", "Feed title"))
    assert article.title == "Feed title"
    assert SAMPLE_HEADINGS[0] in article.headings


PAGE = f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8"><title>Council backs tram expansion | City News</title>
<style>body {{ color: red; }} .secret-style {{ display: none }}</style>
<script>var tracking = "SECRET_SCRIPT_TEXT"; function f() {{ return 1; }}</script>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/weather">Weather</a></li></ul></nav>
<main><article>
<h1>Council backs tram expansion</h1>
<p>{PARAGRAPH}</p>
<h2>A long debate</h2>
<p>{SECOND}</p>
<script>document.write("SECRET_INLINE_SCRIPT");</script>
<p>{THIRD}</p>
</article>
<section class="comments" id="comments"><h3>3 comments</h3>
<div class="comment"><p>SECRET_COMMENT: a terrible idea and nobody asked us.</p></div>
<form><textarea>Leave a reply</textarea><button>Post comment</button></form>
</section></main>
<footer><p>Copyright 2024 City News. All rights reserved.</p>
<a href="/privacy">Privacy policy</a> <a href="/terms">Terms of use</a></footer>
</body></html>"""


def test_html_page_gives_the_article_only() -> None:
    found = main_text(PAGE, "html", "https://example.org/news/trams")
    assert isinstance(found, Extracted)
    for paragraph in (PARAGRAPH, SECOND, THIRD):
        assert paragraph in found.text.split("\n\n")
    assert "A long debate" in found.headings
    for clutter in ("SECRET", "Weather", "Copyright", "Privacy policy", "display"):
        assert clutter not in found.text
    assert found.title.startswith("Council backs tram expansion")
    assert found.language == "en"


def layout_table_page() -> str:
    """A page laid out with tables, as in 2008: menus and teaser lists in rows around it."""
    menu = "".join(
        f'<tr><td><a href="/{w}">{w}</a></td><td><a href="/{w}/news">{w} news</a></td></tr>'
        for w in ("Rugby", "Soccer", "Cricket", "Golf", "Tennis", "Boxing")
    )
    teasers = "".join(
        f'<tr><td>1/2008</td><td>-</td><td><a href="/story/{i}">{title}</a></td></tr>'
        for i, title in enumerate(
            (
                "Storm closes the harbour for two days",
                "Museum reopens after a long renovation",
                "Local team wins the regional cup final",
            )
        )
    )
    fourth = "The mayor said the first stretch of track would be laid along the river."
    paragraphs = "".join(f"<p>{p}</p>" for p in (PARAGRAPH, SECOND, THIRD, fourth))
    return (
        "<!DOCTYPE html><html><head><title>Council backs tram expansion</title></head><body>"
        f"<table><tr><td><table>{menu}</table></td></tr>"
        f"<tr><td><h1>Council backs tram expansion</h1>{paragraphs}</td></tr>"
        f"<tr><td><table><tr><td>Other stories</td></tr>{teasers}</table></td></tr>"
        "</table></body></html>"
    )


def test_a_page_laid_out_with_tables_gives_its_article_without_the_rows_around_it() -> None:
    found = main_text(layout_table_page(), "html")
    paragraphs = found.text.split("\n\n")
    for paragraph in (PARAGRAPH, SECOND, THIRD):
        assert paragraph in paragraphs
    for clutter in ("Rugby", "Cricket news", "Other stories", "1/2008", "Storm closes"):
        assert clutter not in found.text
    assert found.title == "Council backs tram expansion"


def test_paragraphs_made_by_line_breaks_stay_apart() -> None:
    # Older pages make paragraphs with <br><br>; one <br> is a line break in a sentence.
    body = f"{PARAGRAPH}<br><br>{SECOND}<br>\n<br>{THIRD.replace(', but', ',<br>but')}"
    start, end = PAGE.index("<h1>"), PAGE.index("</article>")
    page = f"{PAGE[:start]}<h1>Council backs tram expansion</h1><div>{body}</div>{PAGE[end:]}"

    found = main_text(page, "html", "https://example.org/news/trams")

    assert found.text.split("\n\n")[-3:] == [PARAGRAPH, SECOND, THIRD]


def test_a_title_never_closed_does_not_swallow_the_page() -> None:
    # An ad script cut into the <title>: a title is text up to </title>, so without
    # one the whole page would be title text and no article.
    page = PAGE.replace("</title>", "' + ad_query + '\"><\\/SCRIPT>');\n//-->\n</SCRIPT>", 1)
    assert "</title>" not in page

    found = main_text(page, "html", "https://example.org/news/trams")

    for paragraph in (PARAGRAPH, SECOND, THIRD):
        assert paragraph in found.text.split("\n\n")
    assert "SCRIPT" not in found.title and "ad_query" not in found.text
    assert found.title.startswith("Council backs tram expansion")


def test_html_article_takes_the_page_title_when_the_feed_has_none() -> None:
    article = extract(raw_article(PAGE, "html"))
    assert article.title.startswith("Council backs tram expansion")
    assert extract(raw_article(PAGE, "html", "From the feed")).title == "From the feed"


def test_html_fragment_from_a_feed_keeps_its_paragraphs() -> None:
    fragment = (
        "<p>Short news: the <b>bridge</b> reopens on Monday.</p>"
        "<script>alert('SECRET')</script><p>Traffic will be limited to cars.</p>"
    )
    article = extract(raw_article(fragment, "html", "Bridge reopens"))
    assert article.text == (
        "Short news: the bridge reopens on Monday.\n\nTraffic will be limited to cars."
    )
    assert article.title == "Bridge reopens"


def test_empty_bodies_give_empty_text() -> None:
    formats: tuple[BodyFormat, ...] = ("html", "text", "markdown")
    for body_format in formats:
        found = main_text("  \n", body_format)
        assert found.text == ""
        assert found.headings == ()
        assert found.language == "en"


# The inline SVG of feedparser's test case wellformed/namespace/atomsvgtitle.xml.
INLINE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" baseProfile="full" '
    'width="300px" height="200px"><title>foo</title><circle cx="150px" cy="100px" '
    'r="50px" fill="#ff0000" stroke="#000000" stroke-width="5px"/></svg>'
)


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (INLINE_SVG, ""),
        (f"{INLINE_SVG}<p>{PARAGRAPH}</p>", PARAGRAPH),
        (f"<p>{PARAGRAPH}</p>{INLINE_SVG}<p>{SECOND}</p>", f"{PARAGRAPH}\n\n{SECOND}"),
    ],
)
def test_an_inline_svg_body_gives_its_text_not_a_crash(body: str, text: str) -> None:
    assert main_text(body, "html").text == text
    assert extract(raw_article(body, "html", "SVG")).text == text


@pytest.mark.parametrize(
    "body",
    [
        PARAGRAPH,
        "Fish &amp; chips on the pier, from Friday.",
        f"<p>{PARAGRAPH}</p>",
        f"<p>{PARAGRAPH}</p><p>{SECOND}</p>",
        "<p></p>",
        "<br>",
    ],
)
def test_ordinary_feed_bodies_raise_no_log_line_from_the_html_libraries(
    body: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    main_text(body, "html")
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert loud == []


def test_plain_text_in_an_html_field_keeps_its_entities_decoded() -> None:
    assert main_text("Fish &amp; chips on the pier.", "html").text == "Fish & chips on the pier."


def test_markdown_is_stripped_and_its_headings_listed() -> None:
    markdown = f"""# Council backs tram expansion

{PARAGRAPH.replace("twelve kilometres", "**twelve kilometres**")}

## A long debate

{SECOND.replace("transport committee", "[transport committee](https://example.org/tc)")}

![a tram](https://example.org/tram.jpg)
{THIRD.replace("cheaper", "_cheaper_")}
"""
    article = extract(raw_article(markdown, "markdown"))
    assert article.title == "Council backs tram expansion"
    assert article.text.split("\n\n") == [PARAGRAPH, "A long debate", SECOND, THIRD]
    assert article.headings == ("A long debate",)


def test_hard_wrapped_text_is_joined_into_paragraphs() -> None:
    text = "\n\n".join(
        _wrap(p, 72) for p in (PARAGRAPH, SECOND, THIRD, PARAGRAPH[::-1], SECOND[::-1])
    )
    found = main_text(text, "text")
    assert found.text.split("\n\n")[:3] == [PARAGRAPH, SECOND, THIRD]


def _wrap(text: str, width: int) -> str:
    """Wrap a paragraph at a fixed width, like a mail client."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (PARAGRAPH, "en"),
        (
            "Der Stadtrat hat am Dienstag beschlossen, das Straßenbahnnetz um zwölf Kilometer "
            "zu erweitern, ein Plan, der seit fast zehn Jahren diskutiert wird und auch die "
            "Busse betrifft.",
            "de",
        ),
        (
            "O conselho municipal aprovou na terça-feira a expansão da rede de bondes, um "
            "plano que foi debatido por quase uma década e que não agradou a todos.",
            "pt",
        ),
        (
            "Городской совет во вторник проголосовал за расширение трамвайной сети, и этот "
            "план обсуждался почти десять лет, но он был принят только сейчас.",
            "ru",
        ),
        ("시의회는 화요일에 트램 노선을 12킬로미터 연장하는 계획을 승인했다.", "ko"),
        ("市议会周二投票决定将有轨电车网络扩展十二公里。", "zh"),
        ("", "en"),
        ("12345 67890", "en"),
    ],
)
def test_language_is_detected_from_the_text(text: str, code: str) -> None:
    assert detect_language(text) == code


def test_short_plain_text_without_prose_is_kept() -> None:
    found = main_text("Bridge news\n\nThe bridge reopens on Monday, for cars only.", "text")
    assert found.title == "Bridge news"
    assert found.text == "The bridge reopens on Monday, for cars only."


@pytest.mark.parametrize("body_format", ["html", "text", "markdown"])
def test_cjk_text_comes_through_in_every_format(body_format: BodyFormat) -> None:
    chinese = "市议会周二投票决定将有轨电车网络扩展十二公里。这个计划已经讨论了将近十年。"
    korean = "시의회는 화요일에 트램 노선을 12킬로미터 연장하는 계획을 승인했다."
    for text, code in ((chinese, "zh"), (korean, "ko")):
        body = f"<p>{text}</p>" if body_format == "html" else text
        found = main_text(body, body_format)
        assert found.text == text
        assert found.language == code


def test_lines_that_are_one_link_inside_the_article_are_left_out() -> None:
    linked = "maps of every new stop"
    sentence = f"The full plan, with {linked} along the river, was published by the council."
    with_link = sentence.replace(linked, f'<a href="/plan">{linked}</a>')
    body = (
        f"<p>{PARAGRAPH}</p>"
        '<p><a href="/app">CLICK HERE TO GET THE CITY NEWS APP</a></p>'
        f"<p>{SECOND}</p>"
        '<p><a href="/story/2">MUSEUM REOPENS AFTER A LONG RENOVATION</a></p>'
        '<p><a href="/3">Storm closes the harbour for two days</a> [VIDEO] | '
        '<a href="/4">Local team wins the regional cup final</a> [PICTURES]</p>'
        f"<p>{with_link}</p>"
        f"<p>{THIRD}</p>"
    )
    page = (
        "<!DOCTYPE html><html><head><title>Trams</title></head><body><article>"
        f"<h1>Council backs tram expansion</h1>{body}</article></body></html>"
    )
    paragraphs = main_text(page, "html").text.split("\n\n")
    assert paragraphs[-4:] == [PARAGRAPH, SECOND, sentence, THIRD]
    assert not any(("CLICK HERE" in p or "MUSEUM" in p or "Storm" in p) for p in paragraphs)


def test_furniture_lines_inside_the_article_are_left_out() -> None:
    body = "".join(
        f"<p>{text}</p>"
        for text in (
            PARAGRAPH,
            "READ MORE: Museum reopens after a long renovation",
            SECOND,
            THIRD,
            "© 2024 The City News Agency. All rights reserved.",
        )
    )
    page = (
        "<!DOCTYPE html><html><head><title>Trams</title></head><body><article>"
        f"<h1>Council backs tram expansion</h1>{body}</article></body></html>"
    )
    paragraphs = main_text(page, "html").text.split("\n\n")
    assert paragraphs[-3:] == [PARAGRAPH, SECOND, THIRD]


def test_a_short_sentence_about_copyright_or_cookies_is_not_furniture() -> None:
    sentences = (
        "The band sued the label for copyright infringement on Tuesday.",
        "Mix two cups of cookie crumbs with the melted butter.",
    )
    body = "".join(f"<p>{text}</p>" for text in (PARAGRAPH, *sentences, SECOND, THIRD))
    page = (
        "<!DOCTYPE html><html><head><title>Trams</title></head><body><article>"
        f"<h1>Council backs tram expansion</h1>{body}</article></body></html>"
    )
    paragraphs = main_text(page, "html").text.split("\n\n")
    assert all(sentence in paragraphs for sentence in sentences)


def test_a_page_inside_a_form_keeps_its_article_and_parses_to_html_elements() -> None:
    # ASP.NET pages wrap everything in one <form>; the parser gives plain HtmlElements
    # (no form-field classes), which trafilatura and readability handle alike.
    article = "".join(f"<p>{p}</p>" for p in pages.ARTICLE)
    page = (
        '<!DOCTYPE html><html><head><title>Tram plan</title></head><body><form id="aspnetForm">'
        f'<input type="hidden" name="state" value="x"><div id="story">{article}</div>'
        '<select name="s"><option>One</option></select><textarea>Note</textarea></form>'
        "</body></html>"
    )
    tree = _parse(page)
    assert tree is not None
    assert {type(e) for e in tree.iter(etree.Element)} == {lxml.html.HtmlElement}
    text = main_text(page, "html").text
    assert [p for p in pages.ARTICLE if p not in text] == []


def test_scripts_and_styles_stay_out_and_json_ld_still_reaches_trafilatura() -> None:
    # A page that renders its article by script: only its JSON-LD holds the text, which
    # trafilatura's rescue reads; other scripts and styles are dropped before extraction.
    body = " ".join(pages.ARTICLE)
    page = (
        '<!DOCTYPE html><html><head><title>Tram plan</title><script type="application/ld+json">'
        f'{{"@context": "https://schema.org", "@type": "NewsArticle", "articleBody": "{body}"}}'
        "</script><style>p { color: red }</style></head><body>"
        '<script>var promo = "Subscribe now for one euro a month";</script>'
        '<div id="app">Loading</div></body></html>'
    )
    text = main_text(page, "html").text
    assert "Subscribe" not in text and "color" not in text
    assert pages.ARTICLE[0] in text
