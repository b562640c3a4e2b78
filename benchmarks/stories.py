"""Benchmark "also covered by": which articles group_stories folds into one story, and how fast.

Usage: python benchmarks/stories.py [--shared PATH] [--repeat N]

Reads stories_dev.jsonl (pairs of articles from two outlets: one event, or another event
on the same topic or with the same people), news_dev.jsonl (CNN) and bbc_dev.jsonl (BBC)
from the shared folder, and prints for digest's grouping and for plain TF-IDF (cosine of
title + text at 0.55, the grouping digest had before):
- precision, recall and F1 per source of the pairs: a pair alone, a pair inside an
  edition of 9 unrelated articles (other stories of the file, dated the pair's day so the
  dates help nothing), and a pair alone without dates; each on the tuning half of the
  stories (the thresholds were chosen there), on the check half, and on all;
- wrong merges among unrelated articles: editions of 11 CNN or BBC articles, each from
  a source of its own and all of one day, and the edition articles above;
- the time to group a 200-article edition, as a ratio to plain TF-IDF in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from digest.compose import group_stories  # noqa: E402
from digest.compose._stories import Story  # noqa: E402
from digest.models import Article  # noqa: E402
from digest.text import WORD, stop_words, tfidf  # noqa: E402

Grouping = Callable[[Sequence[Article]], list[Story]]
FILLERS = 9
EDITION = 200


def plain_tfidf(articles: Sequence[Article]) -> list[Story]:
    """The grouping digest had before: TF-IDF cosine >= 0.55 over title + text, any source."""
    if len(articles) < 2:
        return [Story(article) for article in articles]
    docs = []
    for article in articles:
        stop = stop_words(article.language)
        found = WORD.findall(f"{article.title}\n{article.text}".lower())
        docs.append([w for w in found if len(w) > 2 and not w.isdigit() and w not in stop])
    vectors = tfidf(docs, is_sublinear=True, background=20)
    similarity = vectors @ vectors.T
    parent = list(range(len(articles)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for i in range(len(articles)):
        for j in range(i + 1, len(articles)):
            if similarity[i, j] >= 0.55:
                parent[root(j)] = root(i)
    groups: dict[int, list[Article]] = {}
    for index, article in enumerate(articles):
        groups.setdefault(root(index), []).append(article)
    return [Story(group[0], tuple(group[1:])) for group in groups.values()]


SYSTEMS: dict[str, Grouping] = {"digest": group_stories, "plain TF-IDF": plain_tfidf}


def _article(item: dict[str, Any], guid: str) -> Article:
    published = datetime.fromisoformat(item["date"]).replace(hour=12, tzinfo=UTC)
    return Article(
        source=item["outlet"],
        url=item["url"] or f"https://example.org/{guid}",
        guid=guid,
        title=item["title"],
        published=published,
        text=item["text"],
    )


def _together(stories: list[Story], first: str, second: str) -> bool:
    for story in stories:
        guids = {story.article.guid, *(other.guid for other in story.others)}
        if first in guids:
            return second in guids
    return False


def _merges(stories: list[Story]) -> int:
    """Pairs of articles folded into one story."""
    return sum(len(story.others) * (len(story.others) + 1) // 2 for story in stories)


def _scores(truth: list[bool], said: list[bool]) -> str:
    tp = sum(t and s for t, s in zip(truth, said, strict=True))
    fp = sum(s and not t for t, s in zip(truth, said, strict=True))
    positives = sum(truth)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}"


def _half(story_id: str) -> str:
    return "tune" if hashlib.sha256(story_id.encode()).digest()[0] % 2 == 0 else "check"


def pairs_report(rows: list[dict[str, Any]]) -> None:
    """P/R/F1 per source and half: a pair alone, inside an edition, and without dates."""
    rng = random.Random(15)
    articles = {}
    story_of: dict[str, str] = {}
    for row in rows:
        story = row["id"].split("/")[1]
        for side in "ab":
            guid = row[side]["url"] or row[side]["title"]
            articles[guid] = _article(row[side], guid)
            if row["same_story"]:
                story_of.setdefault(guid, story)
    # Fillers: articles of positive pairs (their story is known), none of the pair's story.
    known = [guid for guid in articles if guid in story_of]
    said: dict[tuple[str, str], dict[str, list[bool]]] = {}
    truth: dict[str, list[bool]] = {}
    wrong_fillers = dict.fromkeys(SYSTEMS, 0)
    for row in rows:
        first, second = (row[side]["url"] or row[side]["title"] for side in "ab")
        a, b = articles[first], articles[second]
        own = {story_of.get(first), story_of.get(second)}
        chosen = rng.sample([g for g in known if story_of[g] not in own], FILLERS)
        fillers = [replace(articles[g], published=a.published) for g in chosen]
        edition = [*fillers[:4], a, *fillers[4:7], b, *fillers[7:]]
        undated = [replace(a, published=None), replace(b, published=None)]
        for name, grouping in SYSTEMS.items():
            for mode, batch in (("alone", [a, b]), ("edition", edition), ("no dates", undated)):
                stories = grouping(batch)
                group = said.setdefault((name, mode), {})
                for part in (row["source"], f"{row['source']} {_half(row['id'].split('/')[1])}"):
                    group.setdefault(part, []).append(_together(stories, a.guid, b.guid))
                if mode == "edition":
                    wrong_fillers[name] += _merges(stories) - _together(stories, a.guid, b.guid)
        for part in (row["source"], f"{row['source']} {_half(row['id'].split('/')[1])}"):
            truth.setdefault(part, []).append(row["same_story"])
    print(f"pairs of stories_dev.jsonl ({len(rows)}), edition = pair + {FILLERS} other stories")
    for (name, mode), parts in said.items():
        for part in sorted(parts):
            print(f"  {name:13} {mode:9} {part:26} {_scores(truth[part], parts[part])}")
    for name, count in wrong_fillers.items():
        print(f"  {name:13} wrong merges with or among fillers: {count} in {len(rows)} editions")


def unrelated_report(shared: Path) -> list[Article]:
    """Merges among CNN articles, and among BBC articles, in editions of 11 of one day."""
    day = datetime(2024, 5, 1, 8, tzinfo=UTC)
    found = []
    for name in ("news_dev.jsonl", "bbc_dev.jsonl"):
        rows = [json.loads(line) for line in (shared / name).open(encoding="utf-8")]
        articles = [
            Article(
                source=f"outlet {index}",
                url=f"https://example.org/{row['id']}",
                guid=row["id"],
                title=row.get("title", ""),
                published=day,
                text=row["text"],
            )
            for index, row in enumerate(rows)
        ]
        found.extend(articles)
        for system, grouping in SYSTEMS.items():
            merged = sum(
                _merges(grouping(articles[start : start + 11]))
                for start in range(0, len(articles), 11)
            )
            pairs = sum(
                min(11, len(articles) - s) * (min(11, len(articles) - s) - 1) // 2
                for s in range(0, len(articles), 11)
            )
            print(f"  {system:13} {name:15} wrong merges: {merged} of {pairs} pairs")
    return found


def speed_report(pool: list[Article], repeat: int) -> None:
    """Seconds to group a 200-article edition, digest against plain TF-IDF, same run."""
    rng = random.Random(200)
    editions = [rng.sample(pool, EDITION) for _ in range(repeat)]
    start = time.perf_counter()
    group_stories(editions[0])  # the first call loads the word lists
    cold = time.perf_counter() - start
    timings: dict[str, list[float]] = {name: [] for name in SYSTEMS}
    for edition in editions:
        for name, grouping in SYSTEMS.items():
            start = time.perf_counter()
            grouping(edition)
            timings[name].append(time.perf_counter() - start)
    base = statistics.median(timings["plain TF-IDF"])
    print(f"grouping a {EDITION}-article edition (median of {repeat}):")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"  {name:13} {median:.3f} s  ({median / base:.2f} x plain TF-IDF)")
    print(
        f"  digest, first call of a process (loads wordfreq): {cold:.3f} s "
        f"({cold / base:.2f} x plain TF-IDF)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    shared: Path = args.shared
    rows = [json.loads(line) for line in (shared / "stories_dev.jsonl").open(encoding="utf-8")]
    np.seterr(all="ignore")
    pool = [_article(row[side], f"{row['id']}/{side}") for row in rows for side in "ab"]
    speed_report(pool, args.repeat)
    pairs_report(rows)
    print("unrelated articles, editions of 11, one source each, one day:")
    pool += unrelated_report(shared)


if __name__ == "__main__":
    main()
