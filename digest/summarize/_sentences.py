"""Sentences and words for summarize: a sumy-compatible tokenizer over nupunkt and syntok.

sumy's own ``Tokenizer`` needs NLTK's punkt data, which digest never downloads. Marks that
end a sentence in any context (the ideographic full stop and the fullwidth ! and ? of
Chinese and Japanese, the Devanagari danda, the Arabic question mark, ...) split first;
then nupunkt (Punkt without NLTK, fast) splits the Latin-punctuated rest, and syntok, a
pure-Python rule-based splitter that handles news text well (quotes, abbreviations,
initials) but is slower, checks the sentences where Punkt is weakest. They are wrapped
here with the two methods sumy's document model calls: ``to_sentences(paragraph)`` and
``to_words(sentence)``.
"""

from __future__ import annotations

import itertools
import logging
import re

import nupunkt
import syntok.segmenter as syntok_segmenter

log = logging.getLogger(__package__)

_WORD = re.compile(r"\w+")
# White space to rewrite: runs of it, or any that is not a plain space. Plain single
# spaces, nearly all of them, need no rewriting, and matching them would cost time.
_SPACES = re.compile(r"\s{2,}|[^\S ]")
# Han, kana: scripts written without spaces between words.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CASELESS_END = re.compile("[.!?][\"'\u201d\u2019\u00bb)\\]]*\\s+")
_UNSPACED_RUN = re.compile(f"[{_UNSPACED}]+")
# Marks that end a sentence wherever they stand (no abbreviation or decimal uses them):
# ideographic and fullwidth stops, Devanagari danda, Arabic question mark and Urdu full
# stop, Armenian, Ethiopic and Myanmar full stops; then closing quotes and brackets.
_HARD_END = re.compile(
    "[\u3002\uff01\uff1f\uff0e\uff61\u0964\u0965\u061f\u06d4\u0589\u1362\u104b]+"
    "[\"'\u201d\u2019\u00bb\u300d\u300f\uff09\u3011)\\]]*"
)

_UPPER = "A-ZÀ-ÖØ-ÞĀ-ŽА-ЯЁΑ-Ω"
_NAME = rf"[{_UPPER}][\w'\u2019.\-]*"
# A wire-style dateline glued to the first sentence: an optional place ("Marseille,
# France"), a parenthesized outlet ("(CNN)", "(The Hollywood Reporter)") and an optional
# dash. After a place the outlet must be followed by a dash or glued to the next word, so
# that "Barack Obama (D) Tuesday said" is left alone.
_OUTLET = rf"\(\s*[{_UPPER}][\w.&'\u2019\- ]{{0,40}}\)"
_DATELINE = re.compile(
    rf"""^\s*
    (?:
        (?:{_NAME}(?:,?\s+{_NAME}){{0,4}},?\s*)?  # place, at most five capitalized words
        {_OUTLET}(?:\s*[-\u2013\u2014]+\s*|(?=[\w"\u201c'\u2018]))  # (Outlet), then a dash or glued
      | {_OUTLET}\s+(?=[{_UPPER}"\u201c])              # or a bare (Outlet) and a space
    )
    """,
    re.VERBOSE,
)
# A possible sentence end inside a Punkt sentence: Punkt declined it, syntok checks again.
_INNER_END = re.compile(f"[.!?\u2026][\"'\u201d\u2019)\\]]*\\s+[\"'\u201c\u2018(\\[]?[{_UPPER}]")
_DOTTED_END = re.compile(r"(?:\b\w\.){2,}\s*$|\b[A-Z]\.\s*$")
_FIRST_LETTER = re.compile(r"[^\W\d_]")
# Courtesy titles that syntok takes for a sentence end ("said Sgt. | Jeremy Sutton").
_TITLE_END = re.compile(
    r"\b(?:Adm|Atty|Capt|Cmdr|Col|Cpl|Det|Dr|Gen|Gov|Hon|Insp|Lt|Maj|Mr|Mrs|Ms|Mt|Pfc|Prof"
    r"|Pvt|Rep|Rev|Sen|Sgt|Spc|St|Supt)\.$"
)


def strip_dateline(text: str) -> str:
    """Remove a leading dateline such as "(CNN)" or "Marseille, France (CNN) --"."""
    match = _DATELINE.match(text)
    if match is None:
        return text
    rest = text[match.end() :]
    # Keep the text when the "dateline" was all there was: then it was no dateline.
    return rest if _WORD.search(rest) else text


def normalize_space(text: str) -> str:
    """Collapse runs of white space into one space and trim the ends."""
    return _SPACES.sub(" ", text).strip()


class Tokenizer:
    """Splits paragraphs into sentences and sentences into words, as sumy's Tokenizer does."""

    def __init__(self, language: str = "en") -> None:
        self.language = language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """The sentences of one paragraph, white space normalized, dateline removed."""
        sentences: list[str] = []
        for piece in _hard_split(strip_dateline(paragraph)):
            sentences.extend(self._punkt_sentences(piece))
        return tuple(sentences)

    def _punkt_sentences(self, text: str) -> list[str]:
        """The sentences of a text without hard sentence marks: Punkt, then syntok."""
        # Punkt (nupunkt) is fast; syntok, 7x slower, rules where Punkt is weakest: a split
        # after a dotted abbreviation ("U.S. | Ambassador") or before a lower-case word, and
        # a sentence that may hide a boundary Punkt missed ("a bed. That man").
        pieces: list[tuple[str, bool]] = []
        for start, end in nupunkt.sent_spans(text):
            piece = text[start:end]
            if pieces and (_DOTTED_END.search(pieces[-1][0][-12:]) or _starts_lower(piece)):
                pieces[-1] = (pieces[-1][0] + piece, True)
            else:
                pieces.append((piece, _INNER_END.search(piece.rstrip()) is not None))
        sentences: list[str] = []
        for piece, is_doubtful in pieces:
            for part in _syntok_split(piece) if is_doubtful else (piece,):
                sentence = normalize_space(part)
                if not sentence:
                    continue
                if sentences and _is_false_end(sentences[-1]):
                    sentences[-1] = f"{sentences[-1]} {sentence}"
                else:
                    sentences.append(sentence)
        return sentences

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """The words of one sentence: runs of letters and digits, in any script.

        Han and kana have no spaces between words: a run of them gives its character
        bigrams, which stand in for words when sentences are compared.
        """
        if _UNSPACED_RUN.search(sentence) is None:
            return tuple(_WORD.findall(sentence))
        found: list[str] = []
        for word in _WORD.findall(sentence):
            if _UNSPACED_RUN.search(word) is None:
                found.append(word)
                continue
            for part in re.split(f"([{_UNSPACED}]+)", word):
                if not part:
                    continue
                if _UNSPACED_RUN.fullmatch(part) and len(part) > 1:
                    found.extend(part[i : i + 2] for i in range(len(part) - 1))
                else:
                    found.append(part)
        return tuple(found)


def has_unspaced(text: str) -> bool:
    """Whether a text holds Han or kana, whose words are not set apart by spaces."""
    return _UNSPACED_RUN.search(text) is not None


def word_count(text: str) -> float:
    """How many words a text has; in Han and kana, where no spaces mark them, two
    characters count as one (the mean length of a Chinese or Japanese word)."""
    unspaced = sum(len(run) for run in _UNSPACED_RUN.findall(text))
    if not unspaced:
        return len(_WORD.findall(text))
    spaced = len(_WORD.findall(_UNSPACED_RUN.sub(" ", text)))
    return spaced + unspaced / 2


def _hard_split(text: str) -> list[str]:
    """``text`` cut after every mark that always ends a sentence.

    A Latin stop before a letter of a script without case (Arabic, Hebrew, Korean, ...)
    ends one too: Punkt reads case to tell an abbreviation from a sentence end, and
    with no case it keeps such sentences together.
    """
    cuts = {match.end() for match in _HARD_END.finditer(text)}
    for match in _CASELESS_END.finditer(text):
        following = text[match.end() : match.end() + 1]
        if following.isalpha() and not following.isupper() and not following.islower():
            cuts.add(match.end())
    bounds = [0, *sorted(cuts), len(text)]
    pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
    return [piece for piece in pieces if piece.strip()]


def _syntok_split(text: str) -> list[str]:
    """syntok's sentences of ``text``, as slices of it (syntok rewrites "n't" as "not")."""
    starts = [sentence[0].offset for block in syntok_segmenter.analyze(text) for sentence in block]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def _starts_lower(text: str) -> bool:
    """Whether the first letter of ``text`` is a lower-case one (no sentence starts so)."""
    letter = _FIRST_LETTER.search(text[:20])
    return letter is not None and letter.group().islower()


def _is_false_end(sentence: str) -> bool:
    """Whether syntok ended a sentence where it does not end (a title, a semicolon)."""
    return sentence.endswith(";") or _TITLE_END.search(sentence[-8:]) is not None
