"""Tests for digest.summarize and its tokenizer, on real text."""

# ruff: noqa: RUF001  (the Russian sample is Cyrillic on purpose)

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest

from digest.config._settings import Algorithm
from digest.models import Article
from digest.summarize._sentences import Tokenizer, strip_dateline
from digest.summarize._summarize import key_points, summarize

ALGORITHMS = get_args(Algorithm)

TITLE = "Storm floods the old harbour of Portsmouth overnight"
HEADING = "What the council will do next about the harbour"
TEXT = "\n\n".join(
    [
        TITLE,
        "Portsmouth (Reuters) -- A storm flooded the old harbour of Portsmouth overnight,"
        " leaving dozens of boats damaged and the harbour road closed to traffic.",
        "The harbour master said the water rose more than a metre above the quay in less"
        " than an hour. Fishermen who keep their boats in the harbour spent the night"
        " pumping water out of their hulls.",
        "Photo: boats in the flooded harbour",
        "He said the damage would take weeks to repair. The council has asked the"
        " government for emergency funds to rebuild the harbour wall before winter.",
        HEADING,
        "The council will meet on Monday to decide how to pay for the new harbour wall."
        " Residents of the harbour district have been told to expect more storms this"
        " month, and the harbour road will stay closed until the water is gone.",
        "Local shops along the harbour road said they lost a week of trade because of the"
        " closure, and several asked the council for help with the cost of the clean-up.",
    ]
)
GERMAN = (
    "Die Bundesregierung hat am Mittwoch ein neues Gesetz zum Klimaschutz beschlossen."
    " Dr. Müller sagte, das sei ein wichtiger Schritt für das ganze Land."
    " Nach Angaben des Ministeriums liegen die Kosten bei ca. 5 Mio. Euro pro Jahr."
    " Die Opposition kritisierte den Entwurf als viel zu zaghaft und zu spät."
    " Umweltverbände begrüßten das Gesetz dagegen als ersten Schritt in die richtige Richtung."
)
RUSSIAN = (
    "Правительство России в среду одобрило новый законопроект о защите климата."
    " По словам министра, это очень важный шаг для всей страны."
    " В 2015 г. расходы на эту программу составили пять миллиардов рублей."
    " Оппозиция назвала проект слишком осторожным и запоздалым."
    " Экологи, напротив, приветствовали закон как первый шаг в правильном направлении."
)


def sentences_of(text: str) -> set[str]:
    """Every sentence the tokenizer finds in text, paragraph by paragraph."""
    tokenizer = Tokenizer()
    return {s for block in text.split("\n\n") for s in tokenizer.to_sentences(block)}


def test_tokenizer_splits_sentences_and_words() -> None:
    tokenizer = Tokenizer("en")
    sentences = tokenizer.to_sentences(
        "(CNN)The storm hit at night. Investigators are looking into it, said police Sgt."
        ' Jeremy Sutton. "It was loud," she said.'
    )
    assert sentences == (
        "The storm hit at night.",
        "Investigators are looking into it, said police Sgt. Jeremy Sutton.",
        '"It was loud," she said.',
    )
    assert tokenizer.to_words("Don't panic: 42 boats!") == ("Don", "t", "panic", "42", "boats")
    assert tokenizer.to_words("Всё хорошо, Jürgen.") == ("Всё", "хорошо", "Jürgen")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(CNN)The court ruled.", "The court ruled."),
        ("Marseille, France (CNN) -- The prosecutor said.", "The prosecutor said."),
        ("Port Vila, Vanuatu (CNN)Tropical Cyclone Pam hit.", "Tropical Cyclone Pam hit."),
        ("(The Hollywood Reporter)Good artists borrow.", "Good artists borrow."),
        ("WASHINGTON (Reuters) - Senators voted.", "Senators voted."),
        ("Barack Obama (D) Tuesday said no.", "Barack Obama (D) Tuesday said no."),
        ("The agency (FEMA) said no.", "The agency (FEMA) said no."),
        ("(CNN)", "(CNN)"),
    ],
)
def test_strip_dateline(text: str, expected: str) -> None:
    assert strip_dateline(text) == expected


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_algorithm_gives_sentences_of_the_text_in_order(algorithm: Algorithm) -> None:
    points = key_points(TEXT, algorithm=algorithm, title=TITLE, headings=(HEADING,))
    assert len(points) == 3
    sentences = sentences_of(TEXT)
    assert set(points) <= sentences
    assert TITLE not in points
    assert HEADING not in points
    assert not any(p.startswith("Photo") for p in points)
    flat = " ".join(TEXT.split())
    assert [flat.index(p) for p in points] == sorted(flat.index(p) for p in points)


@pytest.mark.parametrize("points", [1, 2, 4])
def test_points_is_respected(points: int) -> None:
    assert len(key_points(TEXT, points=points, title=TITLE, headings=(HEADING,))) == points


def test_title_and_headings_are_never_key_points_even_when_asked_for_all() -> None:
    chosen = key_points(TEXT, points=50, algorithm="lead", title=TITLE, headings=(HEADING,))
    assert TITLE not in chosen
    assert HEADING not in chosen
    assert all("Photo" not in p for p in chosen)


def test_dateline_is_stripped_from_the_first_point() -> None:
    points = key_points(TEXT, algorithm="lead", title=TITLE)
    assert points[0].startswith("A storm flooded")
    cnn = key_points("(CNN)" + GERMAN.replace("Die Bundes", "Die Bundes", 1), algorithm="lead")
    assert cnn[0].startswith("Die Bundesregierung")


def test_digest_prefers_a_sentence_that_does_not_open_with_a_back_reference() -> None:
    points = key_points(TEXT, points=4, title=TITLE, headings=(HEADING,))
    assert not any(p.startswith("He said") for p in points)


def test_summarize_wraps_key_points_in_a_summary() -> None:
    article = Article(
        source="test",
        url="https://example.org/storm",
        guid="storm",
        title=TITLE,
        published=None,
        text=TEXT,
        headings=(HEADING,),
    )
    summary = summarize(article, points=2)
    assert summary.article is article
    assert len(summary.key_points) == 2
    assert summary.key_points == key_points(
        TEXT, points=2, language="en", title=TITLE, headings=(HEADING,)
    )


@pytest.mark.parametrize(("text", "language"), [(GERMAN, "de"), (RUSSIAN, "ru")])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_other_languages_give_sentences_of_their_text(
    text: str, language: str, algorithm: Algorithm
) -> None:
    for code in (language, None, "xx"):
        points = key_points(text, algorithm=algorithm, language=code)
        assert len(points) == 3
        assert set(points) <= sentences_of(text)


def test_a_short_text_gives_what_it_has() -> None:
    text = "The bridge reopened on Monday after two years of repairs."
    for algorithm in ALGORITHMS:
        assert key_points(text, algorithm=algorithm) == (text,)
    assert key_points("Closed today.") == ("Closed today.",)


@pytest.mark.parametrize("text", ["", "   \n\n  ", "\n\n\n"])
def test_an_empty_text_gives_no_points(text: str) -> None:
    for algorithm in ALGORITHMS:
        assert key_points(text, algorithm=algorithm) == ()


def test_no_points_asked_gives_none() -> None:
    assert key_points(TEXT, points=0) == ()


def test_a_text_of_headings_only_gives_no_points() -> None:
    assert key_points(f"{TITLE}\n\n{HEADING}", title=TITLE, headings=(HEADING,)) == ()


def test_near_duplicates_are_not_both_picked() -> None:
    sentence = "The city council approved the new budget for schools on Tuesday evening."
    text = " ".join(
        [
            sentence,
            sentence.replace("Tuesday evening", "Tuesday night"),
            "Teachers said the money would pay for smaller classes and new books.",
            "Parents welcomed the decision but asked for more help with school buses.",
        ]
    )
    points = key_points(text, points=3)
    assert not (sentence in points and sentence.replace("evening", "night") in points)


def test_digest_beats_lead_on_a_sample_of_cnn(shared_dir: Path) -> None:
    rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")
    rows = [
        json.loads(line)
        for line in (shared_dir / "data" / "news_dev.jsonl").read_text().splitlines()
    ][::3]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    totals: dict[Algorithm, float] = {"lead": 0.0, "digest": 0.0}
    for row in rows:
        for algorithm in totals:
            points = key_points(row["text"], algorithm=algorithm, language="en")
            scores = scorer.score(row["reference"], "\n".join(points))
            totals[algorithm] += scores["rouge1"].fmeasure + scores["rouge2"].fmeasure
    assert totals["digest"] > totals["lead"]


LANGUAGE_CODES: tuple[str, ...] = ("ar", "cs", "da", "de", "el")
LANGUAGE_CODES += ("en", "es", "fi", "fr", "he", "hu", "it", "ja")
LANGUAGE_CODES += ("ko", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sv", "uk", "zh", "tr", "en-GB")


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_every_language_works_without_nltk_data(language: str) -> None:
    # sumy's Polish and Greek stemmers need extra packages and Turkish has none: the
    # words are then just lower-cased, and nothing ever asks NLTK for punkt.
    assert len(key_points(GERMAN, language=language)) == 3


SAMPLES: dict[str, list[list[str]]] = json.loads(
    (Path(__file__).parents[1] / "data" / "languages" / "samples.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_every_script_is_split_into_its_sentences(code: str) -> None:
    # One test per language of the samples: Latin, Cyrillic, Greek, Arabic, Hebrew,
    # Devanagari, Hangul, and Han and kana without spaces (ideographic and fullwidth stops).
    joiner = "" if code in ("zh", "ja") else " "
    for sentences in SAMPLES[code]:
        assert Tokenizer(code).to_sentences(joiner.join(sentences)) == tuple(sentences)


def test_a_chinese_paragraph_gives_sentences_not_the_whole_paragraph() -> None:
    text = "".join(SAMPLES["zh"][0])
    points = key_points(text, points=2, language="zh")
    assert len(points) == 2
    assert set(points) <= set(SAMPLES["zh"][0])


def test_a_text_without_a_final_stop_still_gives_its_sentences() -> None:
    text = "Hey friends! The new prints are now up for preorder. You can check them out"
    assert key_points(text) == ("The new prints are now up for preorder.",)
    line = "Police arrested a man after a break-in at the city museum on Sunday night"
    assert key_points(line) == (line,)


def test_an_article_on_one_line_ending_in_a_caption_or_teaser_gives_key_points() -> None:
    body = " ".join(TEXT.split("\n\n")[1:3])
    for tail in (
        " Flying high: the kite over the harbour on Sunday",
        " Read the full story at https://example.org/harbour",
        " The harbour master later told reporters that the repairs would cost",
    ):
        points = key_points(body + tail, points=2)
        assert len(points) == 2
        assert all(p in sentences_of(body) for p in points)


@pytest.mark.parametrize(
    "clutter",
    [
        "Thank you for reading this post, don't forget to subscribe!",
        "Scroll down for video.",
        "Flying high: Half of the six-kilometre-long kite took to the sky over the harbour.",
        "Click here to read the full report of the harbour master on the storm.",
        "Sign up for our newsletter to get the harbour news in your inbox every day.",
        "Lesen Sie auch: Warum der Hafen von Portsmouth so oft überflutet wird.",
        "Abonnez-vous à notre lettre d'information pour ne rien manquer du port.",
        "Читайте также: почему гавань Портсмута так часто затапливает.",
        "CNN's Jane Doe and John Roe contributed to this report.",
        "GET BREAKING NEWS ABOUT THE HARBOUR IN YOUR BROWSER.",
        "Clique na imagem acima e veja como ficou o porto depois da tempestade.",
        "This material may not be published, broadcast, rewritten, or redistributed.",
        "Reproduction in whole or in part without permission is prohibited.",
        "No part of this article may be reproduced without the written consent of the paper.",
        "Save 84% off the newsstand price and read every harbour story this winter!",
    ],
)
def test_captions_calls_to_action_and_furniture_are_never_key_points(clutter: str) -> None:
    body = TEXT.split("\n\n")[1:5]
    text = "\n\n".join([body[0], clutter, *body[1:]])
    algorithms: tuple[Algorithm, ...] = ("digest", "lead", "lexrank")
    for algorithm in algorithms:
        assert clutter not in key_points(text, points=20, algorithm=algorithm)


def test_a_quote_after_said_and_a_dateline_label_are_not_captions() -> None:
    said = 'The harbour master said: "We have never seen the water rise this fast here."'
    dateline = "PORTSMOUTH: A storm flooded the old harbour overnight and closed the road."
    points = key_points(f"{dateline} {said}", points=5)
    assert points == (dateline, said)


def test_headings_are_known_by_what_they_are() -> None:
    text = "\n\n".join(
        [
            "Storm Floods the Old Harbour",
            TEXT.split("\n\n")[1],
            "What Comes Next",
            TEXT.split("\n\n")[2],
        ]
    )
    points = key_points(text, points=10, algorithm="lead")
    assert "Storm Floods the Old Harbour" not in points
    assert "What Comes Next" not in points
    assert len(points) == 3


def test_an_author_box_after_the_byline_is_not_a_key_point() -> None:
    text = "\n\n".join(
        [
            *TEXT.split("\n\n")[1:3],
            "By Harbourwatch",
            "Harbourwatch is an independent news site that covers ports, ships and the sea.",
        ]
    )
    assert not any("independent news site" in p for p in key_points(text, points=20))


def test_the_sample_page_gives_no_clutter_and_no_title(shared_dir: Path) -> None:
    text = (shared_dir / "samples" / "000_f5ad79b2fe2ac392.txt").read_text(encoding="utf-8")
    title = text.splitlines()[0]
    article = text[: text.index("By Naija247news")]
    for points in (3, 5, 10, 20):
        chosen = key_points(text, points=points)
        assert len(chosen) == points
        assert title not in chosen
        assert all(p in article for p in chosen), chosen
        assert not any("subscribe" in p or p == "New Strategic Alliance" for p in chosen)


def test_a_text_of_one_headline_gives_it_unless_it_is_the_title() -> None:
    headline = "Council Approves New Budget For The City Schools"
    assert key_points(headline) == (headline,)
    assert key_points(headline, title=headline) == ()
