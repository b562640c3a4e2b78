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
