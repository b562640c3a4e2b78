"""Text utilities shared by the stages: words, stop words, stems, TF-IDF, rarity, language.

Extract guesses each article's language, summarize and compose weigh words by TF-IDF
without their stop words, compose also by how rare a word is in its language; they all
use these, so one text is read the same way everywhere. No stage state, no I/O beyond
reading sumy's stop-word files, wordfreq's word lists and py3langid's model. Stems come
from the Snowball stemmers (snowballstemmer, which runs them through PyStemmer's C code:
its pure-Python stemmers take 100 microseconds a word); nltk's copy takes seconds to import.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
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


RARITY_CAP = 7.0
"""Rarity of a word the language's word list does not hold (rarer than one in a million)."""


# Chinese and Japanese words are not runs of \w: wordfreq would need jieba or MeCab.
_UNSPACED = frozenset({"zh", "ja"})
_WORDFREQ_CODES = {"no": "nb"}
_CENTIBELS = 100.0
"""wordfreq's buckets are centibels: the word of bucket i has a frequency of 10**(-i/100)."""


# wordfreq's own lookup costs 0.2 s to import (langcodes, ftfy, regex), 0.25 s to load
# the English 'large' list (321,000 words) and some 30 microseconds a word (it tokenizes
# every word it is asked about): a first edition of 200 articles, some 10,000 distinct
# words, took half a second. So its 'small' lists (the words of a frequency of at least
# one in a million: 29,000 in English, 15 ms to load) are read here straight from its
# data folder, in the cBpack format its documentation describes (read_cBpack), and
# looked up in a dict; wordfreq itself is imported only if that format ever changes.
# The rarer words of the 'large' lists changed no grouping decision on the team's data
# (benchmarks/stories.py): they are the names and numbers that any list caps anyway.
@lru_cache(maxsize=1)
def _wordfreq_data() -> Path | None:
    """wordfreq's data folder, found without importing wordfreq; None when it is absent."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@lru_cache(maxsize=64)
def _rarities(code: str) -> dict[str, float] | None:
    """Each word of wordfreq's small list for a language, with its rarity; None without one."""
    folder = _wordfreq_data()
    if code in _UNSPACED or folder is None:
        return None
    path = folder / f"small_{code}.msgpack.gz"
    if not path.is_file():
        return None
    import msgpack  # type: ignore[import-untyped]  # wordfreq's own dependency

    pack = msgpack.unpackb(gzip.decompress(path.read_bytes()), raw=False)
    if not (pack and pack[0] == {"format": "cB", "version": 1}):  # pragma: no cover
        import wordfreq  # a format this code does not know: ask the library itself

        frequencies = wordfreq.get_frequency_dict(code, "small")
        return {word: -math.log10(frequency) for word, frequency in frequencies.items()}
    return {word: index / _CENTIBELS for index, bucket in enumerate(pack[1:]) for word in bucket}


def rarity(word: str, code: str) -> float | None:
    """How much a (lower-case) word tells: -log10 of its frequency in the language, at most
    RARITY_CAP; None for a language wordfreq has no word list for.

    wordfreq's lists combine subtitles, news, books, Wikipedia and the web, so a word's
    weight does not depend on which few articles happen to be compared.
    """
    code = code.lower()[:2]
    table = _rarities(_WORDFREQ_CODES.get(code, code))
    if table is None:
        return None
    found = table.get(word)
    if found is None and (folded := word.casefold()) != word:
        found = table.get(folded)  # wordfreq's lists are case-folded ("groß" as "gross")
    return RARITY_CAP if found is None else min(RARITY_CAP, found)


_SNOWBALL_NAMES = {
    **SUMY_LANGUAGES,
    "ca": "catalan",
    "et": "estonian",
    "eu": "basque",
    "hi": "hindi",
    "hy": "armenian",
    "id": "indonesian",
    "lt": "lithuanian",
    "sr": "serbian",
    "ta": "tamil",
    "tr": "turkish",
}


@lru_cache(maxsize=64)
def _stemmer(code: str) -> Callable[[str], str] | None:
    import snowballstemmer  # type: ignore[import-untyped]  # PyStemmer's C stemmers within

    name = _SNOWBALL_NAMES.get(code, "")
    if name not in snowballstemmer.algorithms():
        return None
    stem_word: Callable[[str], str] = snowballstemmer.stemmer(name).stemWord
    return stem_word


@lru_cache(maxsize=65536)
def stem(word: str, code: str) -> str:
    """The Snowball stem of a (lower-case) word, so that "died" meets "dies"; the word
    itself for a language Snowball has no stemmer for."""
    stemmer = _stemmer(code.lower()[:2])
    return stemmer(word) if stemmer else word


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


# py3langid's model (a naive Bayes over byte n-grams, shipped in the package, 97
# languages) takes about a second to load: loaded once, on first use, so that commands
# that never look at a text's language (`digest --help`, `digest check`) do not pay it.
# Only its ISO 639-1 languages are candidates (Article.language is ISO 639-1); the
# model's few extra three-letter classes (Nigerian Pidgin, Bikol, ...) otherwise win on
# lines of English menu words.
_LANGUAGE_SAMPLE = 1000
"""Characters that decide the language: on the benchmark's texts as accurate as 5,000, at a fifth
of the cost (py3langid reads every character)."""


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """py3langid's identifier, loaded once and kept to the ISO 639-1 languages."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages([code for code in identifier.labels if len(code) == 2])
    return identifier


def detect_language(text: str, default: str = "en") -> str:
    """The ISO 639-1 code of a text's language (py3langid); ``default`` for a text of no words."""
    sample = text[:_LANGUAGE_SAMPLE]
    if not any(ch.isalpha() for ch in sample):
        return default
    return str(_identifier().classify(sample)[0])
