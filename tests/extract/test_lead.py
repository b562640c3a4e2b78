"""Tests for lead paragraphs that the second extractor misses (`_lead`, `_vote`)."""

from __future__ import annotations

from collections.abc import Sequence

from digest.extract import main_text
from digest.extract._extract import _parse
from digest.extract._lead import Layout
from digest.extract._vote import Part, vote

from . import pages

LEAD = (
    "The harbour of the old town will close for two weeks in March while divers repair "
    "the sea wall that the winter storms broke in three places.",
    "Fishing boats will moor in the new marina across the bay, and the ferry to the islands "
    "will leave from there until the works are done.",
)
NOTICE = (
    "To read this article in full you must be registered with the site and hold a "
    "subscription to our premium content."
)
AD = '<div class="ad"><a href="/ads">Advertisement</a></div>'


def section(paragraphs: Sequence[str]) -> str:
    """One text section of a block-built article (a CMS writes each from one template)."""
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f'<div class="section"><div class="text">{text}</div></div>'


def sections_page(before: str = "") -> str:
    """An article in two sections: the lead, an ad, the body; readability takes only the
    body's (the highest-scoring node, with its siblings, and the lead is no sibling)."""
    body = section(LEAD) + AD + section(pages.ARTICLE)
    return pages.page(
        f'<article><h1>Harbour closes for repairs</h1>{before}<div class="content">{body}</div>'
        "</article>"
    )


def test_lead_paragraphs_in_a_section_of_their_own_stay() -> None:
    text = main_text(sections_page(), "html").text
    assert [p for p in (*LEAD, *pages.ARTICLE) if p not in text] == []
    assert text.startswith(LEAD[0])


def test_a_paywall_notice_outside_the_article_container_stays_out() -> None:
    page = sections_page(before=f'<div class="premium"><p>{NOTICE}</p></div>')
    text = main_text(page, "html").text
    assert NOTICE not in text
    assert [p for p in (*LEAD, *pages.ARTICLE) if p not in text] == []


def test_the_layout_places_a_lead_beside_the_first_confirmed_block() -> None:
    page = sections_page(before=f'<div class="premium"><p>{NOTICE}</p></div>')
    layout = Layout(lambda: _parse(page))
    first = pages.ARTICLE[0]
    assert layout.is_lead(LEAD[1], first)
    assert not layout.is_lead(NOTICE, first)
    # Not beside itself, nor beside a block of its own section.
    assert not layout.is_lead(first, first)
    assert not layout.is_lead(pages.ARTICLE[1], first)
    assert not layout.is_lead("Words that are nowhere on this page at all.", first)


def test_sections_without_a_class_word_give_no_template_to_go_by() -> None:
    # Two bare <div>s (or a layout table's rows) are not known to be one article's.
    body = "".join(
        "<div>" + "".join(f"<p>{p}</p>" for p in ps) + "</div>" for ps in (LEAD, pages.ARTICLE)
    )
    page = pages.page(f"<article>{body}</article>")
    layout = Layout(lambda: _parse(page))
    assert not layout.is_lead(LEAD[1], pages.ARTICLE[0])


def test_the_vote_asks_only_about_prose_paragraphs_just_before_the_article() -> None:
    lead = [Part(p, "paragraph") for p in LEAD]
    body = [Part(p, "paragraph") for p in pages.ARTICLE]
    asked: list[str] = []

    def is_lead(text: str, first: str) -> bool:
        assert first == pages.ARTICLE[0]
        asked.append(text)
        return True

    second = "\n\n".join(pages.ARTICLE)
    credit = Part("Photo: Jane Doe for the Harbour Gazette, taken on the quay at dawn", "paragraph")
    parts = [Part(NOTICE, "paragraph"), Part("Harbour closes", "heading"), *lead, credit, *body]
    # A caption's credit (no sentence) ends the lead: nothing before it is asked about.
    assert [p.text for p in vote(parts, second, is_lead)] == list(pages.ARTICLE)
    assert asked == []
    parts = [Part(NOTICE, "paragraph"), Part("Harbour closes", "heading"), *lead, *body]
    assert [p.text for p in vote(parts, second, is_lead)] == [*LEAD, *pages.ARTICLE]
    assert asked == [LEAD[1], LEAD[0]]  # and not past the heading
    # Without a layout to ask, or when it says no, the vote keeps the confirmed span.
    assert [p.text for p in vote(parts, second)] == list(pages.ARTICLE)
    assert [p.text for p in vote(parts, second, lambda t, f: False)] == list(pages.ARTICLE)
