"""Text utilities shared by the stages: words, stop words, TF-IDF, the language of a text.

Extract guesses each article's language, summarize and compose weigh words by TF-IDF
without their stop words; they all use these, so one text is read the same way
everywhere. No stage state, no I/O beyond reading sumy's stop-word files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

WORD = re.compile(r"\w+")
"""A word: a run of letters, digits or underscores (Unicode)."""

SUMY_LANGUAGES = {
    "ar": "arabic",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "he": "hebrew",
    "hu": "hungarian",
    "it": "italian",
    "ja": "japanese",
    "ko": "korean",
    "nl": "dutch",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sk": "slovak",
    "sv": "swedish",
    "uk": "ukrainian",
    "zh": "chinese",
}
"""The languages sumy has a stemmer or stop words for, by ISO 639-1 code."""


def words(text: str) -> list[str]:
    """The words of a text, lower-cased."""
    return WORD.findall(text.lower())


@lru_cache(maxsize=32)
def stop_words(code: str) -> frozenset[str]:
    """sumy's stop words for an ISO 639-1 code; empty for a language sumy has none for.

    Read from sumy's data files directly: importing sumy.utils would load requests.
    """
    name = SUMY_LANGUAGES.get(code.lower()[:2], "")
    if not name:
        return frozenset()
    try:
        data = resources.files("sumy") / "data" / "stopwords" / f"{name}.txt"
        lines = data.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, OSError):
        return frozenset()
    return frozenset(word for line in lines if (word := line.strip().lower()))


def tfidf(
    documents: Sequence[Sequence[str]], *, is_sublinear: bool = False, background: int = 0
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Unit-length TF-IDF rows of tokenized documents (smoothed idf over the documents).

    `is_sublinear`: 1 + log(tf) instead of tf. `background`: documents assumed to exist
    besides these that share none of their terms, so that idf weighs a term the same
    whether few or many documents are compared.
    """
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    values: list[int] = []
    for row, terms in enumerate(documents):
        tallies: dict[int, int] = {}
        for term in terms:
            col = vocabulary.setdefault(term, len(vocabulary))
            tallies[col] = tallies.get(col, 0) + 1
        rows.extend([row] * len(tallies))
        cols.extend(tallies)
        values.extend(tallies.values())
    counts = np.asarray(values, dtype=np.float64)
    matrix = np.zeros((len(documents), max(len(vocabulary), 1)))
    matrix[rows, cols] = 1.0 + np.log(counts) if is_sublinear else counts
    document_frequency = np.count_nonzero(matrix, axis=0)
    total = len(documents) + background
    idf = np.log((1.0 + total) / (1.0 + document_frequency)) + 1.0
    matrix *= idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.where(norms > 0, norms, 1.0)
    return matrix


# The most frequent function words of each language (those sumy has stemmers for, and a
# few neighbours). Ambiguous words (e.g. "a", "e", "de") are left to the longer lists.
_STOP_WORDS: dict[str, frozenset[str]] = {
    code: frozenset(listed.split())
    for code, listed in {
        "en": "the and of to in is that for it with was on as be are this by have from "
        "not at they his her but which has were will would their been there an or",
        "de": "der die und das ist nicht ein eine zu den mit sich von auf dem des für "
        "auch es im sie wird wie aus bei nach oder werden hat dass noch",
        "fr": "le la les et des est une du que qui dans pour pas sur au ce il elle ne "
        "avec se sont par plus mais ont cette été aux nous",
        "es": "el los las del que en por con una para es se al lo como más pero sus le "
        "ha fue este esta son entre cuando muy sin sobre también",
        "it": "il di che è per non una sono della con gli del le alla si nel dei anche "
        "come più ma ha delle questo lo nella essere",
        "pt": "o os do da que em não uma com para por dos das mais ao se no na como "
        "foi mas ele ela são seu sua também pelo pela já",
        "nl": "het een van en de dat niet zijn op te voor met als maar ook wordt door "
        "aan bij nog er om naar dan worden heeft deze",
        "sv": "och att det som en på är av för med till den har inte om ett han men var "
        "jag sig från vi så kan",
        "pl": "nie się na jest że do to jak ale po czy przez od za tak jego który oraz "
        "być był są dla tylko",
        "cs": "se na je že to jako pro by jsou ale které jeho jak být byl tak podle "
        "také jejich nebo aby když",
        "sk": "sa na je že to ako pre by sú ale ktoré jeho ktorý byť bol tak podľa aj "
        "alebo aby keď",
        "ru": "и в не на что с по как это он из но за от его для так же она был все "  # noqa: RUF001
        "только уже или бы они было",
        "uk": "і в не на що з та як це він із але за від його для так же вона був всі "  # noqa: RUF001
        "тільки вже або би вони було які",  # noqa: RUF001
    }.items()
}
# Scripts that name a language on their own (no stop-word list needed).
_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
)
# A few thousand characters decide the language; reading the whole text only costs time.
_LANGUAGE_SAMPLE = 5000


def detect_language(text: str, default: str = "en") -> str:
    """Guess the ISO 639-1 code of a text from its script and stop words; default if unsure."""
    sample = text[:_LANGUAGE_SAMPLE]
    letters = sum(ch.isalpha() for ch in sample)
    if not letters:
        return default
    for code, script in _SCRIPTS:
        # A script counts when it makes up a good share of the letters (not just a quote).
        if len(script.findall(sample)) * 4 >= letters:
            return code
    words = [w.lower() for w in WORD.findall(sample)]
    scores = {code: sum(w in stop for w in words) for code, stop in _STOP_WORDS.items()}
    best = max(scores, key=lambda code: scores[code])
    return best if scores[best] >= 2 else default
