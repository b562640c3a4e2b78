"""Items without key points: their title, link and first lines, in both parts of the mail."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from digest.config._settings import ListSettings, Settings
from digest.models import Article, Edition, Recipient, Summary
from digest.publish import links
from digest.render._items import TEASER_CHARS, teaser
from digest.render._render import personalize, render

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
LIST = ListSettings.model_validate({"name": "daily", "title": "Daily"})
SETTINGS = Settings.model_validate(
    {
        "config_path": Path("/srv/digest/digest.toml"),
        "sender": "Daily <digest@example.org>",
        "state_path": Path("/srv/digest/state.db"),
        "lists": (LIST,),
    }
)


def article(n: int, text: str) -> Article:
    return Article("Feed", f"https://news.example.org/{n}", f"g{n}", f"Item {n}", NOW, text)


def parts(edition: Edition) -> tuple[str, str]:
    rendered = render(edition, SETTINGS, LIST, links(edition, SETTINGS, LIST))
    message = personalize(
        rendered, Recipient("ada@example.org"), unsubscribe_url="https://e.org/u/x", now=NOW
    )
    parsed = message_from_bytes(message.data, policy=policy.default)
    html, text = (parsed.get_body((kind,)) for kind in ("html", "plain"))
    assert html is not None and text is not None
    return str(html.get_content()), str(text.get_content())


def test_an_item_without_key_points_shows_its_first_lines_and_one_with_them_does_not() -> None:
    lines = "The depot opens its doors on Saturday. Guided tours start at ten."
    edition = Edition(
        "daily",
        "Daily",
        NOW,
        "UTC",
        (
            Summary(article(1, lines + "\n\nA second paragraph stays out."), ()),
            Summary(article(2, "Ignored as a teaser. Key points come instead."), ("A point.",)),
            Summary(article(3, ""), ()),
        ),
    )

    html, text = parts(edition)

    assert '<p class="teaser"' in html and lines in html and lines in " ".join(text.split())
    assert "A second paragraph" not in html + text
    assert "Ignored as a teaser" not in html + text and "A point." in html
    assert html.count('class="teaser"') == 1  # item 3 has nothing to show but its title
    for n in (1, 2, 3):
        assert f"Item {n}" in html and f"https://news.example.org/{n}" in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Short.", "Short."),
        ("First.\n\nSecond.", "First."),
        ("Dot ends here. " * 30, ("Dot ends here. " * 16).strip()),
        ("word " * 100, ("word " * 48).strip() + "…"),
        ("", ""),
    ],
)
def test_teaser_cuts_at_a_sentence_end_else_at_a_word(text: str, expected: str) -> None:
    assert teaser(text) == expected
    assert len(teaser(text)) <= TEASER_CHARS + 1
