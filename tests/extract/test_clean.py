"""The plain-text cleaner: a page's copied text -> its title and article paragraphs."""

from __future__ import annotations

import textwrap

import pytest

from digest.extract._clean import clean_text, is_furniture

LEAD = (
    "The city council voted on Tuesday to extend the tram network by twelve kilometres, "
    "ending a debate that has run for almost a decade."
)
SECOND = (
    "Supporters on the transport committee said the new line would cut journey times from "
    "the northern suburbs by a third and take thousands of cars off the ring road."
)
THIRD = (
    "Opponents argued that buses would be cheaper and quicker to deliver, and several "
    "members asked for an independent review of the cost estimates before work begins."
)
FOURTH = (
    "Construction is due to start next spring, and the first trams should run on the "
    "extended line in the autumn of the following year if the budget holds."
)


def page(*parts: str) -> str:
    """A page's text as a browser copies it: blank lines between blocks."""
    return "\n\n".join(parts)


def test_the_article_is_the_densest_run_of_prose_between_menus_and_teasers() -> None:
    text = page(
        "Council backs tram expansion",
        "Home\nNews\nSport\nWeather\nLog in",
        LEAD,
        SECOND,
        "Money matters",
        THIRD,
        "Share this article",
        "More stories",
        "Bus drivers vote to strike over pay and hours in the new year talks.\n"
        "Library opening hours cut again as the council looks for savings this winter.\n"
        "Storm closes the coast road for the second time this month, police say.",
        "© 2026 Example Media. All rights reserved.",
    )

    found = clean_text(text)

    assert found.title == "Council backs tram expansion"
    assert found.blocks == ((LEAD, False), (SECOND, False), ("Money matters", True), (THIRD, False))


def test_an_end_marker_that_most_of_the_prose_follows_does_not_end_the_article() -> None:
    found = clean_text(page(LEAD, SECOND, "Subscribe to our newsletter", THIRD, FOURTH))

    assert [text for text, _ in found.blocks] == [LEAD, SECOND, THIRD, FOURTH]


def test_a_list_announced_by_a_colon_is_kept_with_the_article() -> None:
    announcing = "The new line will have four stops, all of them near schools and shops:"
    found = clean_text(
        page(LEAD, SECOND, announcing, "Market Square\nRiverside\nOld Mill\nNorth Park")
    )

    assert [text for text, _ in found.blocks] == [
        LEAD,
        SECOND,
        announcing,
        "Market Square",
        "Riverside",
        "Old Mill",
        "North Park",
    ]


def test_a_text_without_prose_keeps_all_but_its_furniture() -> None:
    found = clean_text("Bridge news\n\nReopens Monday\n\nCars only\n\nAdvertisement")

    assert found.title == "Bridge news"
    assert found.blocks == (("Reopens Monday", False), ("Cars only", False))


def test_hard_wrapped_paragraphs_are_joined_before_they_are_judged() -> None:
    found = clean_text(page(*(textwrap.fill(p, 60) for p in (LEAD, SECOND, THIRD, FOURTH))))

    assert [text for text, _ in found.blocks] == [LEAD, SECOND, THIRD, FOURTH]


def test_han_characters_count_as_words_so_chinese_prose_is_prose() -> None:
    chinese = "市议会周二投票决定将有轨电车网络扩展十二公里。这个计划已经讨论了将近十年。"
    found = clean_text(page("首页\n新闻\n体育", chinese, chinese.replace("十年", "九年")))

    assert [text for text, _ in found.blocks] == [chinese, chinese.replace("十年", "九年")]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("© 2026 Example Media. All rights reserved.", True),
        ("Copyright 2026 The Example Times", True),
        ("READ MORE: Council approves the budget", True),
        ("Click here to see the full map", True),
        ("Advertisement", True),
        # An article's own sentence about cookies, privacy or copyright is not furniture.
        ("The court ruled that the cookies were not a breach of privacy law.", False),
        ("The band lost the copyright to its first album in a 1998 deal.", False),
        # Furniture is short: a long line naming copyright is prose.
        (
            "Lawyers for the authors said that © notices had been removed from more than "
            "forty thousand scanned books before the collection went online last year.",
            False,
        ),
    ],
)
def test_furniture_inside_an_html_article_is_a_notice_or_a_pointer(
    line: str, expected: bool
) -> None:
    assert is_furniture(line) is expected
