"""Compose: which items an edition holds, and in what order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.compose import compose
from digest.config import ListSettings
from digest.models import Article, Summary

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def summary(
    title: str, hours_ago: float | None, points: tuple[str, ...] = ("A point.",)
) -> Summary:
    published = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
    article = Article("Feed", f"https://example.org/{title}", title, title, published, "Text.")
    return Summary(article, points)


def test_an_edition_holds_the_newest_items_first_undated_last_at_most_max_items():
    item = ListSettings(name="daily", title="Daily", max_items=3)
    summaries = [summary("old", 30), summary("undated", None), summary("new", 1), summary("mid", 5)]

    edition = compose(item, summaries, now=NOW, timezone="Europe/Berlin")

    assert [s.article.title for s in edition.summaries] == ["new", "mid", "old"]
    assert (edition.list_name, edition.title, edition.created, edition.timezone) == (
        "daily",
        "Daily",
        NOW,
        "Europe/Berlin",
    )


def test_an_empty_edition_is_an_edition():
    edition = compose(ListSettings(name="daily", title="Daily"), [], now=NOW, timezone="UTC")

    assert edition.summaries == ()
