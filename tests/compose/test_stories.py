"""One story, many sources: other outlets' rewrites of one event merge; all else stays apart."""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import numpy as np
import pytest

from digest.compose._compose import TopicFilter
from digest.compose._stories import (
    CLEAR_SAME_STORY,
    MAX_GAP,
    SAME_STORY,
    SAME_STORY_DATED,
    Story,
    group_stories,
    same_story,
    similarity,
)
from digest.models import Article, Coverage, Edition, Summary
from digest.text import RARITY_CAP, rarity, stem

NOW = datetime(2025, 3, 4, 7, 0, tzinfo=UTC)
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

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

THIRD = """Ardel councillors decided on Tuesday that the Marrow Point coal station must close
in 2027. The 240 workers will be retrained for jobs at the Linden wind turbine factory."""

OTHER = """The city library of Eastbrook will stay open until midnight during the exam season,
the library board announced. Students had asked for longer hours in a petition signed by
more than two thousand people. The board said extra staff would be paid from a grant by a
local foundation. Reading rooms on the second floor will be reserved for quiet study, and
the café on the ground floor will serve hot drinks until eleven. The longer hours start
next Monday and last for six weeks."""

# Another event with the same place and people: the same council, another decision.
SAME_PLACE = """The regional council of Ardel voted on Thursday to build a new tram line from
the station square to the university, at a cost of 85 million euros. The work starts next
spring and should take three years. Shopkeepers on the route asked for compensation during
the works; the council said a fund would be set up. The tram will run every six minutes."""


def article(
    source: str,
    guid: str,
    text: str,
    title: str = "",
    published: datetime | None = NOW,
) -> Article:
    return Article(
        source=source,
        url=f"https://{source}.example/{guid}",
        guid=guid,
        title=title,
        published=published,
        text=text,
    )


def guids(story: Story) -> set[str]:
    return {story.article.guid, *(other.guid for other in story.others)}


def test_rewrites_by_other_outlets_merge_and_the_unrelated_story_stays_apart():
    articles = [
        article("valley-news", "a", FIRST, "Ardel to close coal plant early"),
        article("eastbrook-times", "b", OTHER, "Library opens late for exams"),
        article("ardel-post", "c", SECOND, "Coal plant to shut", NOW - timedelta(hours=3)),
        article("radio-ardel", "d", SAME_PLACE, "Ardel council backs tram line"),
    ]

    stories = group_stories(articles)

    assert [guids(story) for story in stories] == [{"a", "c"}, {"b"}, {"d"}]


def test_the_newest_article_is_the_one_shown_and_each_other_outlet_is_listed_once():
    articles = [
        article("valley-news", "a", FIRST, "Ardel to close coal plant", NOW - timedelta(hours=5)),
        article("ardel-post", "b", SECOND, "Coal plant to shut", NOW - timedelta(hours=9)),
        article("radio-ardel", "c", THIRD, "Marrow Point coal station to close", NOW),
    ]

    (story,) = group_stories(articles)

    # The newest report is never the one hidden, even when it is the shortest.
    assert story.article.guid == "c"
    assert [other.guid for other in story.others] == ["a", "b"]


def test_undated_stories_are_shown_by_their_richest_text():
    articles = [
        article("valley-news", "a", FIRST, "Ardel to close coal plant", None),
        article("ardel-post", "b", SECOND, "Coal plant to shut", None),
    ]

    (story,) = group_stories(articles)

    assert story.article.guid == "b"  # more words


def test_items_of_one_source_are_never_folded_together():
    """Two posts of one feed are two items, however alike ("Tails 4.8 is out", "4.9")."""
    stories = group_stories(
        [
            article("s", "1", FIRST, "Tails 4.8 is out"),
            article("s", "2", FIRST, "Tails 4.9 is out"),
            article("t", "3", SECOND, "Coal plant to shut"),
        ]
    )

    assert len(stories) == 2
    assert all(len({a.source for a in (s.article, *s.others)}) == len(guids(s)) for s in stories)


def test_reports_far_apart_in_time_are_different_stories():
    later = NOW + MAX_GAP + timedelta(hours=1)
    stories = group_stories([article("a", "1", FIRST), article("b", "2", SECOND, published=later)])

    assert len(stories) == 2


def test_without_both_dates_the_text_must_be_closer():
    articles = [article("a", "1", FIRST), article("b", "2", SECOND)]
    between = (SAME_STORY_DATED + SAME_STORY) / 2
    scores = np.array([[1.0, between], [between, 1.0]])
    undated = [articles[0], replace(articles[1], published=None)]

    assert same_story(articles, scores)[0, 1]
    assert not same_story(undated, scores)[0, 1]


def test_a_chain_of_look_alikes_does_not_join_two_events():
    """a ~ b and b ~ c, but a and c are different events: b joins only one of them."""
    articles = [article("a", "1", FIRST), article("b", "2", SECOND), article("c", "3", THIRD)]
    scores = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.8], [0.0, 0.8, 1.0]])

    assert same_story(articles, scores).sum() == 4  # (a, b) and (b, c), both ways
    from digest.compose._stories import _complete_linkage

    assert _complete_linkage(same_story(articles, scores), scores) == [[0, 1], [2]]


def test_a_shared_rare_name_counts_more_than_a_shared_common_word():
    def score(word: str) -> float:
        pair = [
            article("a", "1", f"{word} council meets on budget.", ""),
            article("b", "2", f"{word} police search for witnesses.", ""),
        ]
        return float(similarity(pair)[0, 1])

    assert score("Marrowmoor") > 2 * score("Town") > 0


def test_rarity_comes_from_the_language_and_is_none_without_a_word_list():
    assert rarity("the", "en") is not None and rarity("the", "en") < 2  # type: ignore[operator]
    assert rarity("moratorium", "en") > 5  # type: ignore[operator]
    assert rarity("qzxvkwj", "en") == RARITY_CAP
    assert rarity("word", "xx") is None
    assert rarity("中文", "zh") is None  # no word splitter for it here: the text alone decides
    assert rarity("groß", "de") == rarity("gross", "de") < 5  # type: ignore[operator]
    assert rarity("og", "no") is not None  # Norwegian is wordfreq's "nb"


def test_word_lists_are_read_without_importing_wordfreq():
    """Importing wordfreq costs 0.2 s and its lookups 30 microseconds a word: the first
    edition of a process would not fit its time."""
    code = (
        "import sys; from digest.text import rarity; "
        "print(rarity('the', 'en') < 2 < rarity('moratorium', 'en'), 'wordfreq' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert found.stdout.split() == ["True", "False"], found.stderr


def test_words_of_one_stem_are_one_term():
    assert stem("died", "en") == stem("dies", "en") and stem("vaccinated", "en") == "vaccin"
    assert stem("Häuser", "xx") == "Häuser"  # no stemmer: the word itself
    pair = [
        article("a", "1", "Ardel mayor dies at 84.", "Mayor dies"),
        article("b", "2", "The mayor of Ardel died, aged 84.", "Mayor died"),
    ]
    assert similarity(pair)[0, 1] > SAME_STORY


EVICTIONS = [
    (
        "Judge strikes down national eviction moratorium",
        "A federal judge in Marrowmoor struck down the national eviction moratorium on "
        "Wednesday, ruling that the health agency had no power to stop landlords from evicting "
        "tenants during the pandemic. Landlords' groups had sued the agency.",
    ),
    (
        "Federal judge voids eviction moratorium",
        "The national eviction moratorium is unlawful, a federal judge in Marrowmoor ruled on "
        "Wednesday, siding with landlords' groups who said the health agency overstepped its "
        "power over tenants and evictions.",
    ),
    (
        "Supreme Court ends eviction moratorium",
        "The Supreme Court ended the national eviction moratorium on Thursday, ruling six to "
        "three that the health agency lacked the power to extend the pandemic ban on evicting "
        "tenants. Renters' advocates warned of a wave of evictions.",
    ),
    (
        "Justices end pandemic eviction ban",
        "In a six to three ruling on Thursday the justices of the Supreme Court lifted the "
        "pandemic eviction moratorium, saying the health agency had exceeded its power; "
        "advocates for renters and tenants fear mass evictions.",
    ),
    (
        "Agency issues new eviction moratorium",
        "The health agency issued a new eviction moratorium on Tuesday for counties with high "
        "infection rates, days after the old pandemic ban on evicting tenants lapsed. Landlords "
        "said they would sue.",
    ),
    (
        "New eviction ban announced",
        "A new, narrower eviction moratorium was announced by the health agency on Tuesday, "
        "covering tenants in counties where the pandemic is spreading fastest, after the "
        "national ban lapsed; landlords vowed to go to court.",
    ),
]


def test_stories_of_one_topic_in_one_edition_stay_apart():
    """Three rulings on one moratorium, two outlets each, one day: the words all six share
    are the topic, and only each ruling's own words join its two reports."""
    articles = [
        article(f"outlet-{n}", str(n), text, title) for n, (title, text) in enumerate(EVICTIONS)
    ]

    stories = group_stories(articles)

    assert sorted(sorted(guids(story)) for story in stories) == [["0", "1"], ["2", "3"], ["4", "5"]]
    # Alone, any two of them look alike: the topic's words weigh fully there.
    assert similarity([articles[0], articles[4]])[0, 1] > SAME_STORY


# Other news of the same place, one day: each shares the place's name with the pair.
ARDEL_NEWS = [
    (
        "Twin pandas born at the zoo",
        "Two giant panda cubs were born overnight at the zoo outside Ardel, keepers said, the "
        "first twins in its history. Mother and cubs are doing well and visitors will be able "
        "to see them through a glass window from the summer holidays. The pandas came on loan "
        "from a breeding centre in Chengdu six years ago, and vets had doubted they would ever "
        "mate. A naming contest for the cubs opens online next week.",
    ),
    (
        "Ferry stays in harbour",
        "Gales kept the island ferry in harbour for a second day, stranding hundreds of "
        "holidaymakers in Ardel. Forecasters expect gusts to ease by Friday, and the shipping "
        "company said extra sailings would clear the backlog over the weekend. Hotels near the "
        "quay offered cheaper rooms to travellers, and the lifeboat crew asked people to keep "
        "away from the sea front while waves broke over the promenade railings.",
    ),
    (
        "Rovers sign goalkeeper",
        "Ardel Rovers signed the Portuguese goalkeeper Tiago Mendes from Porto on a three-season "
        "deal. The manager said the keeper's experience in European competition would steady a "
        "young squad that conceded more goals than any other club last season, and Mendes could "
        "make his debut in Saturday's derby. Supporters queued outside the stadium shop for the "
        "new kit, which goes on sale tomorrow.",
    ),
    (
        "Bakery wins sourdough prize",
        "A family bakery from Ardel won the national sourdough championship with a rye loaf "
        "proved for two days. The judges praised its crust and sour tang; the owners, who "
        "opened the shop forty summers ago, said queues had already formed at dawn. They plan "
        "to hire two apprentices and to teach weekend baking classes, and the winning recipe "
        "will be printed in the championship's cookbook.",
    ),
]


def test_a_pair_scores_the_same_among_unrelated_articles_that_share_its_words():
    """Other stories that mention the pair's place are not its topic: only articles alike
    the pair take weight from the words they share with it."""
    pair = [
        article("valley-news", "a", FIRST, "Ardel to close coal plant early"),
        article("ardel-post", "b", SECOND, "Ardel coal plant to shut"),
    ]
    others = [
        article(f"outlet-{n}", str(n), text, title) for n, (title, text) in enumerate(ARDEL_NEWS)
    ]
    edition = [others[0], pair[0], *others[1:3], pair[1], others[3]]

    assert similarity(edition)[1, 4] == pytest.approx(similarity(pair)[0, 1])
    assert [len(story.others) for story in group_stories(edition)] == [0, 1, 0, 0, 0]


def _scores(pair: float, rival: float = 0.0) -> np.ndarray[tuple[int, int], np.dtype[np.float64]]:
    """Similarities of a pair (0, 1) and a third article (2) that resembles the first."""
    return np.array([[1.0, pair, rival], [pair, 1.0, 0.0], [rival, 0.0, 1.0]])


def test_a_pair_that_stands_out_folds_from_the_lower_threshold():
    """Rewrites of one event often share only a fifth of their weighted words; when nothing
    else in the edition comes near either of them and their titles share two words, they
    are one story."""
    pair = (CLEAR_SAME_STORY + SAME_STORY_DATED) / 2
    articles = [
        article("valley-news", "a", FIRST, "Senate votes to take up infrastructure deal"),
        article("ardel-post", "b", SECOND, "Infrastructure deal: Senate suddenly acts"),
        article("radio-ardel", "c", OTHER, "Library opens late for exams"),
    ]

    assert same_story(articles, _scores(pair))[0, 1]
    assert same_story(articles, _scores(pair, pair / 4))[0, 1]  # an unrelated third, far off
    assert same_story(articles[:2], _scores(pair)[:2, :2])[0, 1]
    # Below the lower threshold, nothing folds.
    assert not same_story(articles, _scores(CLEAR_SAME_STORY - 0.01))[0, 1]


BRIDGE_VOTE = """Lawmakers in Ardel voted late on Wednesday to begin debate on the harbour
bridge bill, clearing the way for a final vote next week. The measure passed 41 to 19, with
several opposition members joining the governing coalition. Supporters say the bridge will
cut the commute from Linden by half an hour; critics warn that the cost has doubled since
the plan was first drawn up."""

# The same event, rewritten: few words in common beyond the names in the title.
BRIDGE_REWRITE = """The assembly has agreed to take up the long-delayed crossing over the bay. In
a surprise move, a group of deputies from the minority parties backed the motion, which now
goes to a last reading. The scheme, first proposed a decade ago, is expected to run far
over its original budget, the finance office said."""

# Another story of the bay and its commuters: not the event, but like it.
FERRY = """The ferry across the bay will run through the night from June, the operator said.
Commuters from Linden have asked for late crossings for years. The operator will add two
boats and hire a dozen crew, and fares stay as they are."""

MATCH = """Eastbrook Rovers beat Harlow Town 3-1 on Saturday to go top of the league. Two
goals in the second half from the captain settled a game the visitors had led at the break.
The club's manager praised a young side that has won five games in a row."""


def test_a_rewrite_that_nothing_else_resembles_folds_with_its_story():
    vote = article(
        "valley-news", "a", BRIDGE_VOTE, "Ardel lawmakers vote to take up harbour bridge bill"
    )
    rewrite = article(
        "ardel-post", "b", BRIDGE_REWRITE, "Harbour bridge: Ardel assembly suddenly acts on plan"
    )
    unrelated = [
        article("eastbrook-times", "c", OTHER, "Library opens late for exams"),
        article("sports-desk", "d", MATCH, "Rovers go top"),
    ]
    ferry = article("bay-herald", "e", FERRY, "Night ferry for commuters")

    assert CLEAR_SAME_STORY <= similarity([vote, rewrite])[0, 1] < SAME_STORY_DATED
    assert len(group_stories([vote, rewrite])) == 1
    edition = [unrelated[0], vote, unrelated[1], rewrite]
    assert [guids(story) for story in group_stories(edition)] == [{"c"}, {"a", "b"}, {"d"}]
    # A third report about the bay's commuters makes the words shared less telling.
    assert len(group_stories([vote, rewrite, ferry])) == 3
    # So does time: two days apart, the words alone must say more.
    two_days = replace(rewrite, published=NOW - timedelta(days=2))
    assert len(group_stories([vote, two_days])) == 2


def test_a_pair_with_a_rival_or_titles_apart_needs_the_dated_threshold():
    pair = (CLEAR_SAME_STORY + SAME_STORY_DATED) / 2
    articles = [
        article("valley-news", "a", FIRST, "Senate votes to take up infrastructure deal"),
        article("ardel-post", "b", SECOND, "Infrastructure deal: Senate suddenly acts"),
        article("radio-ardel", "c", OTHER, "Senate to vote on infrastructure"),
    ]
    near = pair / 2  # a third report of the topic comes half as close to one of them
    assert not same_story(articles, _scores(pair, near))[0, 1]
    assert same_story(articles, _scores(SAME_STORY_DATED, near))[0, 1]

    one_word = [articles[0], replace(articles[1], title="Infrastructure: a week of talks")]
    assert not same_story([*one_word, articles[2]], _scores(pair))[0, 1]

    undated = [articles[0], replace(articles[1], published=None), articles[2]]
    assert not same_story(undated, _scores(pair))[0, 1]

    # Most reports of one event come the same day or the next; two days apart, the words
    # have to say more.
    next_day = [articles[0], replace(articles[1], published=NOW - timedelta(hours=30)), articles[2]]
    assert same_story(next_day, _scores(pair))[0, 1]
    two_days = [articles[0], replace(articles[1], published=NOW - timedelta(days=2)), articles[2]]
    assert not same_story(two_days, _scores(pair))[0, 1]
    assert same_story(two_days, _scores(SAME_STORY_DATED))[0, 1]

    one_source = [articles[0], replace(articles[1], source="valley-news"), articles[2]]
    assert not same_story(one_source, _scores(pair))[0, 1]


JOBS = (
    "Employers in Ardel added far fewer jobs than forecast last month, the statistics office "
    "said, and the unemployment rate rose as hiring in restaurants and factories slowed."
)


def test_titles_with_different_numbers_are_different_events():
    april = article("a", "1", JOBS, "Ardel adds just 266,000 jobs in April")
    same = article("b", "2", JOBS + " Economists expected a million.", "Ardel adds 266K jobs")
    may = article("c", "3", JOBS, "Ardel adds 559,000 jobs in May")

    assert similarity([april, may])[0, 1] > SAME_STORY  # the words alone would fold them
    assert len(group_stories([april, may])) == 2
    assert len(group_stories([april, same])) == 1  # one count, written two ways


def test_a_language_without_a_word_list_still_groups():
    text = "Sarnu bella vortu kiralim Ardel Marrow Point 2027 tarvu moleni 240 linden."
    articles = [
        Article("a", "https://a.example/1", "1", "Ardel", NOW, text, language="eo"),
        Article("b", "https://b.example/1", "2", "Ardel", NOW, text + " extra", language="eo"),
    ]
    assert len(group_stories(articles)) == 1


def test_no_or_one_article():
    assert group_stories([]) == []
    assert len(group_stories([article("s", "1", OTHER)])) == 1


def test_topic_filters_match_the_other_outlets_by_name():
    coverage = Coverage("Ardel Post", "https://ardel-post.example/c", "Coal plant to shut", "c")
    summary = Summary(article("valley-news", "a", FIRST), ("A point.",), (coverage,))
    edition = Edition("daily", "Daily", NOW, "UTC", (summary,))

    assert TopicFilter(edition).positions(["ardel post"]) == (0,)
    assert TopicFilter(edition).positions(["-Ardel Post"]) == ()


def test_pipeline_sends_one_item_for_one_story_with_each_outlet_linked(tmp_path):
    from digest.config._load import load_settings
    from digest.pipeline import run

    for folder, name, text in (("a", "coal-plant.txt", FIRST), ("b", "coal.txt", SECOND)):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / name
        path.write_text(f"Coal plant to close\n\n{text}\n", encoding="utf-8")
        stamp = (NOW - timedelta(hours=1 if folder == "b" else 2)).timestamp()
        os.utime(path, (stamp, stamp))
    (tmp_path / "digest.toml").write_text(
        'sender = "d@example.org"\n[lists.x]\ntitle = "X"\nwindow_hours = 24\n'
        '[[lists.x.subscribers]]\nemail = "r@example.org"\n'
        '[[lists.x.sources]]\nname = "Valley News"\ntype = "folder"\npath = "a"\n'
        '[[lists.x.sources]]\nname = "Ardel Post"\ntype = "folder"\npath = "b"\n',
        encoding="utf-8",
    )
    settings = load_settings(tmp_path / "digest.toml", environ={})

    first = run(settings, now=NOW).lists[0]
    second = run(settings, now=NOW).lists[0]

    assert (first.articles, first.sent) == (1, 1)
    assert second.articles == 0  # both reports are marked sent
    (message,) = (settings.outbox.path / "new").iterdir()
    mail = email.message_from_bytes(message.read_bytes(), policy=policy.default)
    assert isinstance(mail, EmailMessage)
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    page = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    shown, listed = text.split("Also covered by:")
    assert "Ardel Post" in shown and "Valley News" not in shown  # the newest report is shown
    assert listed.startswith("\n  - Valley News: Coal plant to close\n")
    assert 'Also covered by <a href="https://valley' not in page  # a file has no web link
    assert "Also covered by Valley News." in page


# On the team's data (skipped where it is absent): the checks behind the thresholds.


def _pairs() -> list[dict[str, object]]:
    path = DATA / "stories_dev.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _dated(item: dict[str, str], guid: str) -> Article:
    published = datetime.fromisoformat(item["date"]).replace(hour=12, tzinfo=UTC)
    return Article(item["outlet"], item["url"], guid, item["title"], published, item["text"])


def _cnn() -> list[Article]:
    path = DATA / "news_dev.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [
        Article(f"outlet {n}", f"https://example.org/{n}", row["id"], "", NOW, row["text"])
        for n, row in enumerate(rows)
    ]


@pytest.mark.parametrize("among", ["alone", "unrelated"])
@pytest.mark.parametrize("source", ["allsides-roundups", "basil"])
def test_real_pairs_merge_with_high_precision(source, among):
    """Alone, and among 9 unrelated CNN articles of the pair's day."""
    said, truth = [], []
    cnn = _cnn() if among == "unrelated" else []
    for index, row in enumerate(_pairs()):
        if row["source"] != source:
            continue
        a = _dated(row["a"], "a")  # type: ignore[arg-type]
        b = _dated(row["b"], "b")  # type: ignore[arg-type]
        edition = [a, b]
        if among == "unrelated":
            fillers = [replace(f, published=a.published) for f in cnn[index % 30 * 9 :][:9]]
            edition = [*fillers[:4], a, *fillers[4:7], b, *fillers[7:]]
        stories = group_stories(edition)
        said.append(any({"a", "b"} <= guids(story) for story in stories))
        truth.append(bool(row["same_story"]))
    hits = sum(s and t for s, t in zip(said, truth, strict=True))
    precision, recall = hits / max(1, sum(said)), hits / sum(truth)
    assert precision >= 0.95
    assert recall >= 0.85


def test_unrelated_cnn_articles_of_one_day_never_merge():
    articles = _cnn()
    for start in range(0, len(articles), 11):
        assert all(not s.others for s in group_stories(articles[start : start + 11]))
