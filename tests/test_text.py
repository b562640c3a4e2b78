"""Tests for digest.text: words, stop words, TF-IDF and the language of a text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from digest.text import detect_language, stop_words, tfidf, words

SAMPLES: dict[str, list[list[str]]] = json.loads(
    (Path(__file__).parent / "data" / "languages" / "samples.json").read_text(encoding="utf-8")
)


def paragraph(code: str, index: int = 0) -> str:
    """One sample paragraph of a language, its sentences joined as the language writes."""
    return ("" if code in ("zh", "ja") else " ").join(SAMPLES[code][index])


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_the_language_of_every_sample_paragraph_is_found(code: str) -> None:
    assert [detect_language(paragraph(code, i)) for i in range(len(SAMPLES[code]))] == [code] * len(
        SAMPLES[code]
    )


def test_languages_the_old_stop_word_guess_did_not_know_are_found() -> None:
    # The hand-made guess knew 13 stop-word lists and 7 scripts: these came back "en".
    found = {code: detect_language(paragraph(code)) for code in ("fi", "hu", "ro", "tr", "vi")}
    assert found == {code: code for code in found}


def test_a_text_of_no_words_gets_the_default() -> None:
    assert detect_language("") == "en"
    assert detect_language("12345 67890 -- 3.14", default="xx") == "xx"


def test_only_iso_639_1_codes_come_back() -> None:
    # A menu of English words is where the model's extra classes (pcm, bcl) used to win.
    menu = "Skip Navigation\n\nSIGN IN\nPro\nWatchlist\nMake It\nSelect\n\nUSA\nINTL\n\nMarkets"
    assert detect_language(menu) == "en"
    assert all(len(detect_language(s)) == 2 for s in SAMPLES["en"][0])


def test_words_are_lower_cased_runs_of_letters_and_digits() -> None:
    assert words("Jürgen's 42 Boats") == ["jürgen", "s", "42", "boats"]


def test_stop_words_by_code_and_none_for_an_unknown_language() -> None:
    assert {"the", "and"} <= stop_words("en")
    assert stop_words("en-GB") == stop_words("en")
    assert "und" in stop_words("de")
    assert stop_words("xx") == frozenset()


def test_tfidf_rows_are_unit_length_and_shared_terms_are_similar() -> None:
    matrix = tfidf([["storm", "harbour"], ["storm", "quay"], ["budget"]])
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0)
    similarity = matrix @ matrix.T
    assert similarity[0, 1] > 0.0
    assert similarity[0, 2] == 0.0
    assert tfidf([[]]).shape == (1, 1)
