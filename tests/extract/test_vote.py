"""Tests for the second extractor's vote on trafilatura's blocks."""

from __future__ import annotations

from digest.extract._vote import Part, vote

LEAD = "The city council voted on Tuesday to expand the tram network by twelve kilometres."
BODY = "Construction is expected to start next spring, and the first trams should run soon."
END = "Opponents argued that buses would be cheaper, but the majority said trams last longer."
ARTICLE = f"{LEAD}\n\n{BODY}\n\n{END}"


def texts(parts: list[Part]) -> list[str]:
    return [part.text for part in parts]


def test_blocks_the_second_text_confirms_stay_and_the_rows_around_them_go() -> None:
    parts = [
        Part("Home Rugby Soccer Cricket Golf Tennis", "row"),
        Part(LEAD, "paragraph"),
        Part(BODY, "paragraph"),
        Part(END, "paragraph"),
        Part("1/2008 - Storm closes the harbour for two days", "row"),
        Part("I have always been a fan of trams, they are great for the city.", "paragraph"),
    ]
    assert texts(vote(parts, ARTICLE)) == [LEAD, BODY, END]


def test_headings_short_lines_and_quotes_inside_the_article_stay() -> None:
    parts = [
        Part(LEAD, "paragraph"),
        Part("A long debate", "heading"),
        Part("See the plan:", "paragraph"),
        Part("Mayor (@mayor) on the vote: a great day for the city", "quote"),
        Part("Line | Stops | Length", "row"),
        Part(BODY, "paragraph"),
        Part(END, "paragraph"),
        Part("The council (@council) May 1, 2024", "quote"),
        Part("Related stories", "heading"),
    ]
    kept = texts(vote(parts, ARTICLE))
    assert kept == [
        LEAD,
        "A long debate",
        "See the plan:",
        "Mayor (@mayor) on the vote: a great day for the city",
        BODY,
        END,
        "The council (@council) May 1, 2024",
    ]


def test_a_confirmed_block_loses_the_sentences_the_second_text_lacks() -> None:
    cell = f"{LEAD} {BODY} Top stories: the harbour closes for two days after the storm."
    assert texts(vote([Part(cell, "paragraph"), Part(END, "paragraph")], ARTICLE)) == [
        f"{LEAD} {BODY}",
        END,
    ]


def test_when_the_extractors_disagree_trafilatura_stands() -> None:
    parts = [Part(LEAD, "paragraph"), Part(BODY, "paragraph"), Part("Home News", "row")]
    elsewhere = "A completely different story about the harbour, closed for two days by a storm."
    assert vote(parts, elsewhere) == parts
    assert vote(parts, "") == parts
    assert vote([], ARTICLE) == []


def test_a_second_text_that_covers_only_a_sliver_changes_nothing() -> None:
    # readability sometimes picks one small node (a caption) inside a long article.
    long_article = [Part(f"{LEAD} Paragraph {i} goes on.", "paragraph") for i in range(30)]
    parts = [*long_article, Part(BODY, "paragraph")]
    assert vote(parts, BODY) == parts


def test_a_box_of_promotions_taken_for_the_article_changes_nothing() -> None:
    promos = [
        "Enter here for your chance to win two tickets to the show in town this week.",
        "Take the news with you on your phone by opening our mobile site on the go.",
    ]
    story = [LEAD + " " + BODY, END + " " + BODY, BODY + " " + LEAD, END + " " + LEAD]
    parts = [*(Part(text, "paragraph") for text in story), *(Part(t, "paragraph") for t in promos)]
    assert vote(parts, "\n".join(promos)) == parts
