"""Benchmark language detection: digest's detector against py3langid and lingua.

Usage: python benchmarks/language.py [--shared PATH] [--no-lingua] [--repeat N]

Texts with a known language: the samples in tests/data/languages/samples.json (30
languages, written for the tests; whole paragraphs and single sentences) and, when the
shared folder is there, articles of news_dev.jsonl and bbc_dev.jsonl (English) and the
gold texts and whole-page texts of extract_dev.jsonl / text_dev.jsonl (English,
Portuguese, Russian, Korean, labelled by the site's country domain). Each text is also
cut to its first 200 characters (a feed teaser). Prints accuracy per set and
CPU milliseconds per text, each detector timed in interleaved passes of the same texts, and
the time each takes to load. lingua (pip install lingua-language-detector) is left out
when it is not installed; digest does not depend on it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

Detector = Callable[[str], str]
SAMPLES = ROOT / "tests" / "data" / "languages" / "samples.json"
# Languages that share a written form closely enough that a detector may take one for
# the other without harm to stemming or stop words: counted as right either way.
_SAME = {"nb": "no", "nn": "no"}
_WORD = re.compile(r"\w+")


def _samples() -> dict[str, list[tuple[str, str]]]:
    """The written samples: whole paragraphs, and every sentence on its own."""
    data: dict[str, list[list[str]]] = json.loads(SAMPLES.read_text(encoding="utf-8"))
    paragraphs, sentences = [], []
    for code, texts in data.items():
        joiner = "" if code in ("zh", "ja") else " "
        for text in texts:
            paragraphs.append((joiner.join(text), code))
            sentences.extend((sentence, code) for sentence in text)
    return {"samples: paragraphs": paragraphs, "samples: sentences": sentences}


def _site_language(url: str) -> str:
    """The language of an extract_dev page, by its site (all others are English)."""
    if ".kr/" in url or "jeongdong" in url:
        # jeongdongtheater.com is the English site of a Korean theatre.
        return "en" if "jeongdong" in url else "ko"
    if ".com.br/" in url:
        return "pt"
    if ".ru/" in url or "vse-diety" in url:
        return "ru"
    return "en"


def _shared(shared: Path) -> dict[str, list[tuple[str, str]]]:
    """Labelled texts from the shared data folder (empty when it is absent)."""
    data = shared / "data"
    if not data.is_dir():
        return {}

    def rows(name: str) -> list[dict[str, str]]:
        path = data / name
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    sets = {
        "CNN articles (en)": [(r["text"], "en") for r in rows("news_dev.jsonl")[:100]],
        "BBC articles (en)": [(r["text"], "en") for r in rows("bbc_dev.jsonl")[:100]],
        "pages, gold text": [
            (r["gold"], _site_language(r["url"])) for r in rows("extract_dev.jsonl")
        ],
        "pages, whole text": [
            (r["text"], _site_language(r["url"])) for r in rows("text_dev.jsonl")
        ],
    }
    teasers = [(text[:200], code) for texts in sets.values() for text, code in texts]
    sets["all of the above, first 200 characters"] = teasers
    return sets


# --- the baseline: digest's hand-made detector before py3langid, kept here to compare ---
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
_SAMPLE = 5000


def handmade_language(text: str, default: str = "en") -> str:
    """The hand-made guess digest had before py3langid: script, then stop-word counts."""
    sample = text[:_SAMPLE]
    letters = sum(ch.isalpha() for ch in sample)
    if not letters:
        return default
    for code, script in _SCRIPTS:
        # A script counts when it makes up a good share of the letters (not just a quote).
        if len(script.findall(sample)) * 4 >= letters:
            return code
    words = [w.lower() for w in _WORD.findall(sample)]
    scores = {code: sum(w in stop for w in words) for code, stop in _STOP_WORDS.items()}
    best = max(scores, key=lambda code: scores[code])
    return best if scores[best] >= 2 else default


def _digest() -> Detector:
    from digest.text import detect_language

    detect_language("warm up: load the model")
    return lambda text: detect_language(text, default="??")


def _handmade() -> Detector:
    return lambda text: handmade_language(text, default="??")


def _py3langid() -> Detector:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.classify("warm up")
    return lambda text: str(identifier.classify(text[:5000])[0])


def _lingua(*, is_low_accuracy: bool) -> Callable[[], Detector]:
    def load() -> Detector:
        from lingua import LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_all_languages()
        if is_low_accuracy:
            builder = builder.with_low_accuracy_mode()
        detector = builder.with_preloaded_language_models().build()

        def detect(text: str) -> str:
            found = detector.detect_language_of(text[:5000])
            return "??" if found is None else found.iso_code_639_1.name.lower()

        return detect

    return load


def main(argv: Sequence[str] | None = None) -> None:
    """Load every detector, then print accuracy per set and speed per text."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    default = Path(os.environ.get("DIGEST_SHARED", ROOT.parent / "shared"))
    parser.add_argument("--shared", type=Path, default=default, help="the shared folder")
    parser.add_argument("--no-lingua", action="store_true", help="leave lingua out (slow load)")
    parser.add_argument("--repeat", type=int, default=3, help="timing passes (best is kept)")
    args = parser.parse_args(argv)
    loaders: dict[str, Callable[[], Detector]] = {
        "hand-made (before)": _handmade,
        "digest (detect_language)": _digest,
        "py3langid, all classes": _py3langid,
    }
    if not args.no_lingua and importlib.util.find_spec("lingua") is not None:
        loaders["lingua (low accuracy)"] = _lingua(is_low_accuracy=True)
        loaders["lingua (high accuracy)"] = _lingua(is_low_accuracy=False)
    detectors: dict[str, Detector] = {}
    loads: dict[str, float] = {}
    for name, load in loaders.items():
        start = time.perf_counter()
        detectors[name] = load()
        loads[name] = time.perf_counter() - start
    sets = {**_samples(), **_shared(args.shared)}
    width = max(map(len, sets)) + 2
    print(f"{'set':<{width}}{'texts':>6}" + "".join(f" | {n[:22]:>22}" for n in detectors))
    for set_name, texts in sets.items():
        cells = []
        for detect in detectors.values():
            right = sum(_SAME.get(found := detect(t), found) == code for t, code in texts)
            cells.append(f" | {100 * right / len(texts):21.1f}%")
        print(f"{set_name:<{width}}{len(texts):>6}" + "".join(cells))
    every = [text for texts in sets.values() for text, _ in texts]
    best = dict.fromkeys(detectors, float("inf"))
    for _ in range(args.repeat):
        for name, detect in detectors.items():
            start = time.process_time()  # CPU time: the machine's cores are shared
            for text in every:
                detect(text)
            best[name] = min(best[name], time.process_time() - start)
    base = best["hand-made (before)"]
    print(f"\nspeed over all {len(every)} texts, ms per text (x: against the hand-made one):")
    for name in detectors:
        per_text = 1000 * best[name] / len(every)
        print(
            f"  {name:<26} {per_text:7.3f} ms  {best[name] / base:5.2f}x   load {loads[name]:.2f} s"
        )


if __name__ == "__main__":
    main()
