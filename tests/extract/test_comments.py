"""Tests for reader comments found by their shape: short dated lines after the prose."""

from __future__ import annotations

from digest.extract import main_text
from digest.extract._comments import drop_comments
from digest.extract._vote import Part

ARTICLE = [
    "The city council voted on Tuesday to expand the tram network by twelve kilometres, "
    "a plan that has been debated for almost a decade.",
    "Construction is expected to start next spring, and the first trams should run on the "
    "new line by the end of 2027, according to the council.",
    "Opponents argued that buses would be cheaper and faster to deploy, but the majority "
    "said the trams would carry more people and pollute less.",
]
COMMENTS = [
    ("Posted by: Ann, Leeds on 1:19pm Thu 17 Jan 08", "Trams are the best thing for this city."),
    ("Posted by: Bob on 5:17pm Thu 17 Jan 08", "I disagree, the buses are fine and much cheaper."),
    ("Carol at January 18, 2008 9:02 AM", "When will the work on the river line start?"),
]


def paragraphs(texts: list[str]) -> list[Part]:
    return [Part(text, "paragraph") for text in texts]


def test_the_run_of_dated_lines_after_the_article_is_cut_off() -> None:
    comments = [text for pair in COMMENTS for text in pair]
    assert drop_comments(paragraphs([*ARTICLE, *comments])) == paragraphs(ARTICLE)
    two = paragraphs([*ARTICLE, *COMMENTS[0], *COMMENTS[1]])
    assert drop_comments(two) == paragraphs(ARTICLE)


def test_the_heading_of_the_comments_goes_with_them() -> None:
    parts = [*paragraphs(ARTICLE), Part("2 Responses", "heading")]
    parts += paragraphs([text for pair in COMMENTS[:2] for text in pair])
    assert drop_comments(parts) == paragraphs(ARTICLE)


def test_a_date_under_the_headline_and_an_update_line_keep_the_article() -> None:
    texts = ["January 17, 2008", ARTICLE[0], "Updated at 1:23 p.m.", *ARTICLE[1:]]
    assert drop_comments(paragraphs(texts)) == paragraphs(texts)


def test_a_live_blog_with_a_time_on_every_entry_keeps_every_entry() -> None:
    texts = [text for i, prose in enumerate(ARTICLE * 2) for text in (f"{9 + i}:00", prose)]
    assert drop_comments(paragraphs(texts)) == paragraphs(texts)


def test_scores_and_figures_are_not_dates() -> None:
    table = ["Mills 8.5-1-27-2 (2w)", "Martin 10-4-22-0", "Result 3-0", "Oram 5-0-15-1"]
    texts = [*ARTICLE, *table]
    assert drop_comments(paragraphs(texts)) == paragraphs(texts)


def test_comments_in_anonymous_markup_inside_the_article_stay_out_of_its_text() -> None:
    article = "".join(f"<p>{text}</p>" for text in ARTICLE)
    comments = "".join(
        f'<div class="note"><p class="by">{by}</p><p>{text}</p></div>' for by, text in COMMENTS
    )
    page = (
        "<!DOCTYPE html><html><head><title>Trams</title></head><body><div id='main'>"
        f"<h1>Council backs tram expansion</h1>{article}<h3>Your views</h3>{comments}"
        "</div></body></html>"
    )
    found = main_text(page, "html").text.split("\n\n")
    assert found[-len(ARTICLE) :] == ARTICLE
    assert "Your views" not in found
    assert found[0] in ("Council backs tram expansion", ARTICLE[0])


READERS = [
    "I have always loved trams, and this plan will make the city a far better place to live.",
    "Buses are cheaper and more flexible; the council is wasting money on a vanity project.",
    "Will the new line reach the hospital? Nobody in the council seems able to say so far.",
]


def page_with_comments(comments: str) -> str:
    article = "".join(f"<p>{text}</p>" for text in ARTICLE)
    return (
        "<!DOCTYPE html><html><head><title>Trams</title></head><body>"
        f"<article><h1>Trams</h1>{article}<section>{comments}</section></article></body></html>"
    )


def test_comments_as_articles_nested_in_the_article_stay_out_of_its_text() -> None:
    comments = "".join(
        f'<article class="note"><footer><b>Reader {i}</b> said:</footer><p>{text}</p></article>'
        for i, text in enumerate(READERS)
    )
    text = main_text(page_with_comments(comments), "html").text
    assert all(paragraph in text for paragraph in ARTICLE)
    assert not any(reader in text for reader in READERS)


def test_comments_marked_up_as_schema_org_comments_stay_out_of_its_text() -> None:
    comments = "".join(
        '<div itemprop="comment" itemscope itemtype="https://schema.org/Comment">'
        f'<span itemprop="author">Reader {i}</span><p itemprop="text">{text}</p></div>'
        for i, text in enumerate(READERS)
    )
    text = main_text(page_with_comments(comments), "html").text
    assert all(paragraph in text for paragraph in ARTICLE)
    assert not any(reader in text for reader in READERS)


def test_an_article_nested_in_a_page_wide_article_is_the_article() -> None:
    article = "".join(f"<p>{text}</p>" for text in ARTICLE)
    related = f"<article><p>{READERS[0]}</p></article>"
    page = (
        "<!DOCTYPE html><html><head><title>Trams</title></head><body><article>"
        f"<article><h1>Trams</h1>{article}</article>{related}</article></body></html>"
    )
    text = main_text(page, "html").text
    assert all(paragraph in text for paragraph in ARTICLE)


def test_comments_under_a_title_of_their_own_are_cut_off_without_dates() -> None:
    for title in ("12 Comments", "Leave a Reply", "Readers' views (3)"):
        parts = [*paragraphs(ARTICLE), Part(title, "heading"), *paragraphs(READERS)]
        assert drop_comments(parts) == paragraphs(ARTICLE)


def test_an_article_section_named_like_a_reaction_keeps_its_text() -> None:
    parts = [*paragraphs(ARTICLE[:2]), Part("Discussion", "heading"), *paragraphs(ARTICLE[2:])]
    assert drop_comments(parts) == parts


def test_dated_sentences_of_a_timeline_are_not_comment_headers() -> None:
    timeline = [
        "17 March 2009: the council first asks for a study of a tram line.",
        "2 June 2014: the study finds the line would pay for itself.",
        "21 January 2020: a citizens' vote backs the plan.",
    ]
    texts = [*ARTICLE, *timeline]
    assert drop_comments(paragraphs(texts)) == paragraphs(texts)


def test_comment_titles_in_the_words_of_other_languages_cut_the_comments_off() -> None:
    titles = ("3 Kommentare", "Kommentare (2)", "12 commentaires", "2 Antworten auf „Trams“")
    for title in (*titles, "3 Gedanken zu „Trams“", "4 comentarios", "5 reacties"):
        parts = [*paragraphs(ARTICLE), Part(title, "heading"), *paragraphs(READERS)]
        assert drop_comments(parts) == paragraphs(ARTICLE), title


def test_a_numbered_comment_header_cuts_off_even_a_single_comment() -> None:
    for header in ("#1 Kommentar von Naru-chan", "Comment #1 by Ann", "1. Kommentar von Bob"):
        parts = [*paragraphs(ARTICLE), Part(header, "heading"), Part("Danke dafür!", "paragraph")]
        assert drop_comments(parts) == paragraphs(ARTICLE), header


def test_an_op_eds_byline_and_heading_without_a_number_keep_the_op_ed() -> None:
    for heading in ("Ein Kommentar von Hans Müller", "Kommentar", "Comment by the editor"):
        parts = [*paragraphs(ARTICLE[:2]), Part(heading, "heading"), *paragraphs(ARTICLE[2:])]
        assert drop_comments(parts) == parts, heading


def test_a_single_comment_in_anonymous_markup_under_a_comments_bar_stays_out() -> None:
    # The shape of an old news script: a bar titled "Kommentare" (a plain <div>), one
    # comment as a heading "#1 Kommentar von <name>", its date and text, then the form.
    article = "".join(f"<p>{text}</p>" for text in ARTICLE)
    page = (
        "<html><head><title>News</title></head><body><div id='layout'><div id='content'>"
        f"<h1>News</h1><div><h2>Council backs tram expansion</h2>24. März 2004, 19:49"
        f"{article}</div><div class='titlebar'>Kommentare</div>"
        "<div style='padding-top: 10px;'><h3>#1 Kommentar von <img src='/flags/de.png'>"
        " Naru-chan</h3>26. März 2004, 16:19<p>Danke für diesen Artikel, endlich!</p></div>"
        "<div class='noprint'><div class='titlebar'>Kommentare schreiben</div><form>"
        "<table><tr><td>Name*</td><td><input name='username'></td></tr></table></form></div>"
        "</div><div id='nav'><ul><li><a href='/'>News</a></li><li><a href='/faq'>FAQ</a>"
        "</li></ul></div></div></body></html>"
    )
    text = main_text(page, "html").text
    assert all(paragraph in text for paragraph in ARTICLE)
    assert "Naru-chan" not in text
    assert "Danke für diesen Artikel" not in text
