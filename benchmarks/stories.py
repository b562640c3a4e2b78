"""Benchmark "also covered by": which articles group_stories folds into one story, and how fast.

Usage: python benchmarks/stories.py [--shared PATH] [--repeat N]

Reads stories_dev.jsonl (pairs of articles from two outlets: one event, or another event
on the same topic or with the same people), news_dev.jsonl (CNN) and bbc_dev.jsonl (BBC)
from the shared folder, and prints for digest's grouping and for plain TF-IDF (cosine of
title + text at 0.55, the grouping digest had before):
- precision, recall and F1 per source of the pairs: a pair alone, a pair inside an
  edition of 9 other articles (other stories of the pair's own half, dated the pair's
  day so the dates help nothing; 3 editions a pair), a pair inside an edition of 9
  unrelated articles (CNN and BBC articles dated the pair's day; 3 editions a pair), and
  a pair alone without dates; on
  the halves of two splits of the stories (split 1: the constants are chosen on its
  "tune" half only, its "check" half is held out; split 2: another random halving, a
  second look, half of whose check stories are in split 1's tune half), and on all;
- same-day editions: 11 AllSides articles of one topic (the reports of several stories
  of that topic), or a BASIL event's three reports among 8 of other events, all dated one
  day: pairs folded rightly and wrongly (a stress test: stories weeks apart are dated one
  day, so only the words can tell them apart);
- a week of one topic: up to 11 AllSides articles of one topic with their own dates, all
  within 3 days of one of them, filled up with other topics' articles of those days;
- wrong merges among unrelated articles: editions of 11 CNN or BBC articles, each from
  a source of its own and all of one day;
- the time to group a 200-article edition, steady and in the first call of a fresh
  process (word lists loaded), as ratios to plain TF-IDF in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import subprocess
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
DRAWS = 3
"""Editions made for each pair (other fillers each time), so that one draw decides less."""
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


SPLITS = {"1": "", "2": "split 2:"}
"""Salt of each split's hash. Split 1 is the one the first pass used; its check half is held out."""


def _half(story_id: str, split: str = "1") -> str:
    digest = hashlib.sha256((SPLITS[split] + story_id).encode()).digest()
    return "tune" if digest[0] % 2 == 0 else "check"


def _parts(source: str, story: str) -> list[str]:
    """The report lines a pair counts in: its source, and its half in each split."""
    return [source, *(f"{source} {split}:{_half(story, split)}" for split in SPLITS)]


def pairs_report(rows: list[dict[str, Any]], unrelated: list[Article]) -> None:
    """P/R/F1 per source and half: a pair alone, inside an edition (of other stories of its
    half, or of unrelated articles), and without dates.

    The fillers of a pair's edition come from the pair's own half of the split reported
    (from all stories for the line of all pairs): tuning on a tune half never reads an
    article of its check half, and a check half's editions are all held out.
    """
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
    pools = {"": known} | {
        f"{split}:{half}": [g for g in known if _half(story_of[g], split) == half]
        for split in SPLITS
        for half in ("tune", "check")
    }
    said: dict[tuple[str, str], dict[str, list[bool]]] = {}
    truth: dict[str, list[bool]] = {}
    wrong_fillers = dict.fromkeys(SYSTEMS, 0)
    for row in rows:
        first, second = (row[side]["url"] or row[side]["title"] for side in "ab")
        a, b = articles[first], articles[second]
        story = row["id"].split("/")[1]
        own = {story_of.get(first), story_of.get(second)}
        parts = _parts(row["source"], story)
        editions: dict[str, list[list[Article]]] = {}
        scopes = ["", *(f"{split}:{_half(story, split)}" for split in SPLITS)]
        for part, scope in zip(parts, scopes, strict=True):
            rng = random.Random(f"{row['id']} {scope}")
            candidates = [g for g in pools[scope] if story_of[g] not in own]
            editions[part] = []
            for _ in range(DRAWS):
                chosen = rng.sample(candidates, FILLERS)
                fillers = [replace(articles[g], published=a.published) for g in chosen]
                editions[part].append([*fillers[:4], a, *fillers[4:7], b, *fillers[7:]])
        rng = random.Random(f"{row['id']} unrelated")
        apart = []
        for _ in range(DRAWS):
            fillers = [replace(f, published=a.published) for f in rng.sample(unrelated, FILLERS)]
            apart.append([*fillers[:4], a, *fillers[4:7], b, *fillers[7:]])
        undated = [replace(a, published=None), replace(b, published=None)]
        for name, grouping in SYSTEMS.items():
            for mode in ("alone", "edition", "unrelated", "no dates"):
                group = said.setdefault((name, mode), {})
                for part in parts:
                    if mode == "edition":
                        batches = editions[part]
                    elif mode == "unrelated":
                        batches = apart
                    else:
                        batches = [[a, b] if mode == "alone" else undated] * DRAWS
                    for batch in batches:
                        stories = grouping(batch)
                        if mode == "edition" and part == row["source"]:
                            wrong_fillers[name] += _wrong(stories, story_of, {a.guid, b.guid})
                        group.setdefault(part, []).append(_together(stories, a.guid, b.guid))
        for part in parts:
            truth.setdefault(part, []).extend([row["same_story"]] * DRAWS)
    print(
        f"pairs of stories_dev.jsonl ({len(rows)}), edition = pair + {FILLERS} other stories "
        f"of the pair's half, unrelated = pair + {FILLERS} CNN or BBC articles "
        f"({DRAWS} editions a pair)"
    )
    for (name, mode), by_part in said.items():
        for part in sorted(by_part):
            print(f"  {name:13} {mode:9} {part:26} {_scores(truth[part], by_part[part])}")
    for name, count in wrong_fillers.items():
        editions_made = DRAWS * len(rows)
        print(
            f"  {name:13} wrong merges with or among fillers: {count} in {editions_made} editions"
        )


def _wrong(stories: list[Story], story_of: dict[str, str], pair: set[str]) -> int:
    """Pairs folded together that are not of one known story (the scored pair aside)."""
    count = 0
    for story in stories:
        guids = [story.article.guid, *(other.guid for other in story.others)]
        for index, first in enumerate(guids):
            for second in guids[index + 1 :]:
                if {first, second} == pair:
                    continue
                known = story_of.get(first), story_of.get(second)
                count += known[0] is None or known[0] != known[1]
    return count


def _pair_counts(stories: list[Story], story_of: dict[str, str]) -> tuple[int, int]:
    """Pairs folded rightly (one story) and wrongly (two stories)."""
    right = wrong = 0
    for story in stories:
        guids = [story.article.guid, *(other.guid for other in story.others)]
        for index, first in enumerate(guids):
            for second in guids[index + 1 :]:
                if story_of[first] == story_of[second]:
                    right += 1
                else:
                    wrong += 1
    return right, wrong


def same_day_report(rows: list[dict[str, Any]], count: int = 200) -> None:
    """Editions of one topic, all one day, where only the words can tell stories apart."""
    day = datetime(2021, 6, 1, 12, tzinfo=UTC)
    print(f"same-day editions of 11 ({count} AllSides editions of one topic; one per BASIL event)")
    for split, half in (("1", "tune"), ("1", "check"), ("2", "check"), ("", "")):
        articles: dict[str, Article] = {}
        story_of: dict[str, str] = {}
        topic_of: dict[str, str] = {}
        event_of: dict[str, list[str]] = {}
        for row in rows:
            story = row["id"].split("/")[1]
            if not row["same_story"] or (split and _half(story, split) != half):
                continue
            for side in "ab":
                guid = row[side]["url"] or row[side]["title"]
                articles[guid] = replace(_article(row[side], guid), published=day)
                story_of.setdefault(guid, story)
                if row["source"] == "basil":
                    if guid not in event_of.setdefault(story, []):
                        event_of[story].append(guid)
                else:
                    topic_of[guid] = row["topic"]
        by_topic: dict[str, list[str]] = {}
        for guid, topic in topic_of.items():
            by_topic.setdefault(topic, []).append(guid)
        topics = sorted(t for t, g in by_topic.items() if len({story_of[x] for x in g}) > 1)
        rng = random.Random(11)
        allsides, basil = [], []
        for _ in range(count):
            chosen = rng.sample(
                by_topic[topic := rng.choice(topics)], min(11, len(by_topic[topic]))
            )
            rest = [guid for guid in topic_of if guid not in chosen]
            chosen += rng.sample(rest, 11 - len(chosen))
            allsides.append([articles[guid] for guid in chosen])
        basil_guids = [guid for guids in event_of.values() for guid in guids]
        for guids in event_of.values():
            others = rng.sample([g for g in basil_guids if g not in guids], 11 - len(guids))
            basil.append([articles[guid] for guid in [*guids, *others]])
        label = f"split {split} {half}" if split else "all"
        for name, editions in (("AllSides topic", allsides), ("BASIL events", basil)):
            _folds_report(f"{name:14} {label:15}", editions, story_of)


def _folds_report(label: str, editions: list[list[Article]], story_of: dict[str, str]) -> None:
    """Pairs each system folds rightly and wrongly in the editions, against those to fold."""
    truth = sum(
        story_of[a.guid] == story_of[b.guid] and a.source != b.source
        for edition in editions
        for i, a in enumerate(edition)
        for b in edition[i + 1 :]
    )
    for system, grouping in SYSTEMS.items():
        right = wrong = 0
        for edition in editions:
            got = _pair_counts(grouping(edition), story_of)
            right, wrong = right + got[0], wrong + got[1]
        precision = right / (right + wrong) if right + wrong else 1.0
        print(
            f"  {system:13} {label} right {right:4}  wrong {wrong:4}  "
            f"of {truth:4} pairs: P {precision:.3f}  R {right / max(1, truth):.3f}"
        )


def week_report(rows: list[dict[str, Any]], count: int = 300, span: int = 3) -> None:
    """Editions of one topic as the days bring them: the topic's AllSides articles with
    their own dates, all within `span` days of one of them (up to 11), filled up with other
    topics' articles of those days. Reports more than MAX_GAP apart stay apart by date."""
    print(f"a week of one topic ({count} AllSides editions of up to 11, own dates)")
    for split, half in (("1", "tune"), ("1", "check"), ("2", "check"), ("", "")):
        articles: dict[str, Article] = {}
        story_of: dict[str, str] = {}
        topic_of: dict[str, str] = {}
        day_of: dict[str, datetime] = {}
        for row in rows:
            story = row["id"].split("/")[1]
            if row["source"] == "basil" or not row["same_story"]:
                continue
            if split and _half(story, split) != half:
                continue
            for side in "ab":
                guid = row[side]["url"] or row[side]["title"]
                articles[guid] = _article(row[side], guid)
                story_of.setdefault(guid, story)
                topic_of[guid] = row["topic"]
                day_of[guid] = datetime.fromisoformat(row[side]["date"])
        guids = sorted(topic_of)
        rng = random.Random(12)
        editions = []
        for _ in range(count):
            anchor = rng.choice(guids)
            near = [g for g in guids if abs(day_of[g] - day_of[anchor]).days <= span]
            same = [g for g in near if topic_of[g] == topic_of[anchor]]
            chosen = rng.sample(same, min(11, len(same)))
            rest = [g for g in near if g not in chosen]
            chosen += rng.sample(rest, min(len(rest), 11 - len(chosen)))
            editions.append([articles[guid] for guid in chosen])
        label = f"split {split} {half}" if split else "all"
        _folds_report(f"{'AllSides week':14} {label:15}", editions, story_of)


def unrelated_articles(shared: Path) -> dict[str, list[Article]]:
    """The CNN articles and the BBC articles, each from a source of its own, all of one day."""
    day = datetime(2024, 5, 1, 8, tzinfo=UTC)
    found = {}
    for name in ("news_dev.jsonl", "bbc_dev.jsonl"):
        rows = [json.loads(line) for line in (shared / name).open(encoding="utf-8")]
        found[name] = [
            Article(
                source=f"{name} outlet {index}",
                url=f"https://example.org/{row['id']}",
                guid=row["id"],
                title=row.get("title", ""),
                published=day,
                text=row["text"],
            )
            for index, row in enumerate(rows)
        ]
    return found


def unrelated_report(unrelated: dict[str, list[Article]]) -> None:
    """Merges among CNN articles, and among BBC articles, in editions of 11 of one day."""
    for name, articles in unrelated.items():
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


def _edition(pool: list[Article], seed: int) -> list[Article]:
    return random.Random(seed).sample(pool, EDITION)


def first_call(shared: Path) -> None:
    """In a fresh process: seconds of the first digest grouping, then of plain TF-IDF."""
    rows = [json.loads(line) for line in (shared / "stories_dev.jsonl").open(encoding="utf-8")]
    pool = [_article(row[side], f"{row['id']}/{side}") for row in rows for side in "ab"]
    times = []
    for grouping, seed in ((group_stories, 1), (plain_tfidf, 2)):
        edition = _edition(pool, seed)
        start, wall = time.process_time(), time.perf_counter()
        grouping(edition)
        times.append((time.process_time() - start, time.perf_counter() - wall))
    print(json.dumps(times))


def speed_report(shared: Path, pool: list[Article], repeat: int) -> None:
    """CPU seconds to group a 200-article edition, digest against plain TF-IDF, same run."""
    command = [sys.executable, __file__, "--shared", str(shared), "--first-call"]
    firsts = [json.loads(subprocess.check_output(command)) for _ in range(5)]
    timings: dict[str, list[float]] = {name: [] for name in SYSTEMS}
    for seed in range(repeat):
        edition = _edition(pool, 100 + seed)
        for name, grouping in SYSTEMS.items():
            start = time.process_time()
            grouping(edition)
            timings[name].append(time.process_time() - start)
    base = statistics.median(timings["plain TF-IDF"])
    print(f"grouping a {EDITION}-article edition (CPU seconds, median of {repeat}):")
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"  {name:13} {median:.3f} s  ({median / base:.2f} x plain TF-IDF)")
    print("  first call of a fresh process (word lists loaded), median of 5 processes:")
    for index, name in enumerate(SYSTEMS):
        cold = statistics.median(first[index][0] for first in firsts)
        wall = statistics.median(first[index][1] for first in firsts)
        print(
            f"  {name:13} {cold:.3f} s CPU ({cold / base:.2f} x plain TF-IDF's steady time), "
            f"{wall:.3f} s wall clock"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--first-call", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    shared: Path = args.shared
    if args.first_call:
        first_call(shared)
        return
    rows = [json.loads(line) for line in (shared / "stories_dev.jsonl").open(encoding="utf-8")]
    np.seterr(all="ignore")
    pool = [_article(row[side], f"{row['id']}/{side}") for row in rows for side in "ab"]
    speed_report(shared, pool, args.repeat)
    unrelated = unrelated_articles(shared)
    pairs_report(rows, [article for articles in unrelated.values() for article in articles])
    same_day_report(rows)
    week_report(rows)
    print("unrelated articles, editions of 11, one source each, one day:")
    unrelated_report(unrelated)


if __name__ == "__main__":
    main()
