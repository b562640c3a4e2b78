"""One story, many sources: rewrites of one story merge; an unrelated story stays apart."""

from __future__ import annotations

from digest.compose._stories import group_stories
from digest.models import Article

FIRST = """The regional council of Ardel voted on Tuesday to close the old coal power station at
Marrow Point by the end of 2027, two years earlier than planned. Councillors approved the
plan by 31 votes to 9 after a four-hour debate. The station employs 240 workers, and the
council promised retraining places for all of them at the new wind turbine factory in
Linden. Environmental groups welcomed the decision, while the plant's operator said it
would study the ruling before deciding whether to appeal. The station supplied a fifth
of the region's electricity last winter."""

SECOND = """Marrow Point's coal power station will shut by late 2027 after Ardel's regional
council backed an early closure on Tuesday. The vote, 31 to 9, followed a long debate in
the council chamber. All 240 workers at the station have been offered retraining at the
wind turbine factory being built in Linden, councillors said. The operator of the plant
said it was studying the decision and had not ruled out an appeal. Environmental groups
praised the council. Last winter the coal station produced about a fifth of the
region's power, and the grid operator says new wind farms will replace it."""

OTHER = """The city library of Eastbrook will stay open until midnight during the exam season,
the library board announced. Students had asked for longer hours in a petition signed by
more than two thousand people. The board said extra staff would be paid from a grant by a
local foundation. Reading rooms on the second floor will be reserved for quiet study, and
the café on the ground floor will serve hot drinks until eleven. The longer hours start
next Monday and last for six weeks."""


def article(source: str, guid: str, text: str, title: str = "") -> Article:
    return Article(
        source=source,
        url=f"https://{source}.example/{guid}",
        guid=guid,
        title=title,
        published=None,
        text=text,
    )


def test_two_rewrites_merge_and_the_unrelated_story_stays_apart():
    articles = [
        article("valley-news", "a", FIRST, "Ardel to close coal plant early"),
        article("eastbrook-times", "b", OTHER, "Library opens late for exams"),
        article("ardel-post", "c", SECOND, "Coal plant to shut"),
    ]

    stories = group_stories(articles)

    assert len(stories) == 2
    merged = next(story for story in stories if story.others)
    assert {merged.article.guid, merged.others[0].guid} == {"a", "c"}
    assert merged.article.guid == "c"  # the richest text (more words) is summarized
    assert merged.also_covered_by == ("valley-news",)
    alone = next(story for story in stories if not story.others)
    assert alone.article.guid == "b" and alone.also_covered_by == ()


def test_same_source_duplicate_is_not_listed_as_another_source():
    stories = group_stories([article("s", "1", FIRST), article("s", "2", FIRST)])
    assert len(stories) == 1 and stories[0].also_covered_by == ()


def test_no_or_one_article():
    assert group_stories([]) == []
    assert len(group_stories([article("s", "1", OTHER)])) == 1


def test_pipeline_sends_one_item_for_one_story_and_marks_both_seen(tmp_path):
    from datetime import UTC, datetime

    from digest.config._load import load_settings
    from digest.pipeline import run

    for folder, name, text in (("a", "coal.txt", FIRST), ("b", "coal.txt", SECOND)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(f"Coal plant to close\n\n{text}\n", encoding="utf-8")
    (tmp_path / "digest.toml").write_text(
        'sender = "d@example.org"\n[lists.x]\ntitle = "X"\nwindow_hours = 10000\n'
        '[[lists.x.subscribers]]\nemail = "r@example.org"\n'
        '[[lists.x.sources]]\nname = "Valley News"\ntype = "folder"\npath = "a"\n'
        '[[lists.x.sources]]\nname = "Ardel Post"\ntype = "folder"\npath = "b"\n',
        encoding="utf-8",
    )
    settings = load_settings(tmp_path / "digest.toml", environ={})
    now = datetime.now(UTC)

    first = run(settings, now=now).lists[0]
    second = run(settings, now=now).lists[0]

    assert (first.articles, first.sent) == (1, 1)
    assert second.articles == 0
    (message,) = (settings.outbox.path / "new").iterdir()
    assert b"Valley News" in message.read_bytes()  # listed as "also covered by"
