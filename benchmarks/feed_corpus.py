"""Every entry of a corpus of real feed files, accounted for by a real `digest run`.

Run: python benchmarks/feed_corpus.py --corpus DIR [--now ISO] [--json OUT]

DIR holds feed files (``*.xml *.rss *.atom *.rdf *.json``, in any folders: e.g. a copy of
feedparser's test corpus and of rss2email's test feeds). Nothing is shipped with the
project: without DIR the script says so and stops (CI runs it on nothing). Each file
becomes two lists of a temporary config, each with the file as its one source: once
served from a loopback HTTP server with the content type its extension implies (or
that a ``Header: Content-type: …`` line of a feedparser test names), once
as a local file. One `digest -v run` (a subprocess, with $DIGEST_NOW fixed) writes every
edition to a Maildir; the script then counts, per file and source kind:

  entries     what feedparser itself finds in the file (the reference; for JSON, the
              dict items of its "items" list, as feedparser 6.0 reads no JSON)
  edition     items of the list's email (its plain-text part)
  named       articles the run names as left out, with a reason (-v)
  failed      entries of a source the run reports as failed (said, not silent)
  lost        entries - edition - named, for sources that did not fail: silent losses

plus crashes (a traceback, an exit status other than 0 or 1). A folder with a
``SUBJECTS`` file (lines "subject<TAB>link", e.g. taken from the emails rss2email made
from that folder's feed) is also checked: does each subject and link appear in the email?
The figures are counts, not times, so no baseline run is needed.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import feedparser  # noqa: E402

from tests.feed_helpers import FeedServer, Reply  # noqa: E402

SUFFIXES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
    ".json": "application/feed+json",
}
NOW = "2026-11-27T06:00:00+00:00"
RULE = re.compile(r"^-{20,}$|^={20,}$|^_{20,}$", re.MULTILINE)
LEFT_OUT = re.compile(
    r"^  left out \((?P<reason>[^):]+)(?::[^)]*)?\): (?P<name>.*) \[(?P<source>[^\]]+)\]$"
)
HEADER = re.compile(rb"^Header:\s*Content-type:\s*(.+)$", re.MULTILINE | re.IGNORECASE)
FAILED = re.compile(r"source '(?P<source>[^']+)'")


@dataclass
class Case:
    """One feed file and what the run made of it, per source kind ("http", "file")."""

    path: Path
    entries: int
    edition: dict[str, int] = field(default_factory=dict)
    named: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, Counter[str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)

    def lost(self, kind: str) -> int:
        if kind in self.failed:
            return 0
        return max(0, self.entries - self.edition.get(kind, 0) - self.named.get(kind, 0))


def reference_entries(data: bytes, suffix: str) -> int:
    """How many entries feedparser finds (JSON: the dict items; feedparser 6.0 reads no JSON)."""
    if suffix == ".json" or data.lstrip()[:1] == b"{":
        try:
            document: Any = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return 0
        items = document.get("items") if isinstance(document, dict) else None
        return sum(isinstance(item, dict) for item in items) if isinstance(items, list) else 0
    try:
        return len(feedparser.parse(data).get("entries", []))
    except Exception:  # feedparser 6.0 itself fails on some ill-formed files
        return len(re.findall(rb"<(?:item|entry)[\s>]", data))


def feed_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def write_config(work: Path, cases: list[Case], server: FeedServer) -> Path:
    lines = [
        'sender = "Corpus <corpus@example.org>"',
        f'state = "{work / "state.sqlite"}"',
        'transport = "outbox"',
        f'[outbox]\npath = "{work / "outbox"}"',
        "[collect]\nretries = 0\nhost_interval = 0\nconcurrency = 8\ntimeout = 10",
        'allow_networks = ["127.0.0.0/8"]',
    ]
    for number, case in enumerate(cases):
        data = case.path.read_bytes()
        content_type = SUFFIXES[case.path.suffix.lower()]
        if header := HEADER.search(data[:2048]):  # feedparser's tests name their own
            content_type = header[1].decode("ascii", "replace").strip()
        served = server.serve(
            f"/{number}{case.path.suffix}", Reply(body=data, headers={"Content-Type": content_type})
        )
        for kind, url in (("http", served), ("file", case.path.resolve().as_uri())):
            name = f"c{number:04d}{kind[0]}"
            lines += [
                f'[lists.{name}]\ntitle = "Case {name}"\nmax_items = 500',
                f'[[lists.{name}.subscribers]]\nemail = "reader@example.org"',
                f'[[lists.{name}.sources]]\nname = "{name}"\ntype = "feed"\n'
                f'url = "{url}"\nfull_text = "never"',
            ]
    config = work / "digest.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def mail_texts(outbox: Path) -> dict[str, str]:
    """The plain-text part of each list's email, by list name (from List-Id)."""
    texts: dict[str, str] = {}
    if not outbox.exists():
        return texts
    for message in mailbox.Maildir(outbox, create=False):
        parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
        match = re.match(r".*<(c\d{4}[hf])\.", str(parsed.get("List-Id", "")))
        part = parsed.get_body(("plain",))
        if match and part is not None:
            texts[match[1]] = str(part.get_content())
    return texts


def count_items(text: str) -> int:
    """Items of a plain-text edition: one rule opens each item, one more the footer."""
    return max(0, len(RULE.findall(text)) - 1)


def expected_subjects(folder: Path) -> list[tuple[str, str]]:
    listing = folder / "SUBJECTS"
    if not listing.exists():
        return []
    pairs = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            subject, link = line.split("\t", 1)
            pairs.append((subject.strip(), link.strip()))
    return pairs


def squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, help="folder of feed files (not shipped)")
    parser.add_argument("--now", default=NOW, help="$DIGEST_NOW for the run")
    parser.add_argument("--json", type=Path, help="write per-file figures here")
    parser.add_argument("--show", type=int, default=30, help="files with losses to list")
    args = parser.parse_args()
    if args.corpus is None or not args.corpus.is_dir():
        print("no corpus given (--corpus DIR): nothing to check")
        return 0
    cases = [
        Case(path, reference_entries(path.read_bytes(), path.suffix.lower()))
        for path in feed_files(args.corpus)
    ]
    with tempfile.TemporaryDirectory() as folder, FeedServer() as server:
        work = Path(folder)
        config = write_config(work, cases, server)
        env = {**os.environ, "DIGEST_NOW": args.now}
        done = subprocess.run(
            [sys.executable, "-m", "digest", "-v", "run", "--config", str(config)],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        texts = mail_texts(work / "outbox")
    crashed = done.returncode not in (0, 1) or "Traceback" in done.stderr
    by_name = {
        f"c{n:04d}{k[0]}": (case, k) for n, case in enumerate(cases) for k in ("http", "file")
    }
    for line in done.stdout.splitlines():
        if match := LEFT_OUT.match(line):
            case, kind = by_name[match["source"]]
            case.named[kind] = case.named.get(kind, 0) + 1
            case.reasons.setdefault(kind, Counter())[match["reason"]] += 1
    for line in done.stderr.splitlines():
        match = FAILED.search(line) if "source failed:" in line else None
        if match and match["source"] in by_name:
            case, kind = by_name[match["source"]]
            case.failed[kind] = line.split("source failed:", 1)[1].strip()
    for name, (case, kind) in by_name.items():
        case.text[kind] = texts.get(name, "")
        case.edition[kind] = count_items(case.text[kind])
    report(args, cases, done, crashed)
    return 0


def report(args: argparse.Namespace, cases: list[Case], done: Any, crashed: bool) -> None:
    corpus: Path = args.corpus
    folders: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        folders[str(case.path.parent.relative_to(corpus))].append(case)
    print(f"digest run exit status {done.returncode}; crashed: {'yes' if crashed else 'no'}")
    if crashed:
        print(done.stderr[-3000:])
    header = f"{'folder':<28}{'files':>6}{'entries':>8}  kind {'edition':>8}{'named':>7}"
    print(header + f"{'failed feeds':>13}{'entries in failed':>18}{'lost':>6}")
    totals: Counter[str] = Counter()
    for folder in sorted(folders):
        group = folders[folder]
        entries = sum(c.entries for c in group)
        for kind in ("http", "file"):
            edition = sum(c.edition.get(kind, 0) for c in group)
            named = sum(c.named.get(kind, 0) for c in group)
            failed = [c for c in group if kind in c.failed]
            in_failed = sum(c.entries for c in failed)
            lost = sum(c.lost(kind) for c in group)
            print(f"{folder:<28}{len(group):>6}{entries:>8}  {kind:<4} {edition:>8}{named:>7}"
                  f"{len(failed):>13}{in_failed:>18}{lost:>6}")  # fmt: skip
            totals.update({f"{kind} edition": edition, f"{kind} named": named,
                           f"{kind} failed": len(failed), f"{kind} in failed": in_failed,
                           f"{kind} lost": lost})  # fmt: skip
    entries = sum(c.entries for c in cases)
    print(f"{'total':<28}{len(cases):>6}{entries:>8}")
    for kind in ("http", "file"):
        print(f"  {kind}: {totals[kind + ' edition']} in the edition, {totals[kind + ' named']} "
              f"named as left out, {totals[kind + ' failed']} feeds failed "
              f"({totals[kind + ' in failed']} entries), "
              f"{totals[kind + ' lost']} lost silently")  # fmt: skip
    reasons: Counter[str] = Counter()
    for case in cases:
        for counter in case.reasons.values():
            reasons.update(counter)
    print("reasons named:", ", ".join(f"{n} {r}" for r, n in reasons.most_common()) or "none")
    shown = 0
    for case in cases:
        for kind in ("http", "file"):
            if (case.lost(kind) or (kind in case.failed and case.entries)) and shown < args.show:
                shown += 1
                why = case.failed.get(kind, "")
                print(f"  {kind} {case.path.relative_to(corpus)}: {case.entries} entries, "
                      f"{case.edition.get(kind, 0)} in the edition, {case.named.get(kind, 0)} "
                      f"named{', failed: ' + why[:150] if why else ''}")  # fmt: skip
    check_subjects(corpus, cases)
    if args.json:
        rows = [{"file": str(c.path.relative_to(corpus)), "entries": c.entries,
                 "edition": c.edition, "named": c.named, "failed": c.failed,
                 "reasons": {k: dict(v) for k, v in c.reasons.items()}} for c in cases]  # fmt: skip
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


def check_subjects(corpus: Path, cases: list[Case]) -> None:
    """For folders with a SUBJECTS file: each expected subject and link in the email."""
    for folder in sorted({c.path.parent for c in cases}):
        pairs = expected_subjects(folder)
        if not pairs:
            continue
        group = [c for c in cases if c.path.parent == folder]
        for kind in ("http", "file"):
            mail = squash(" ".join(c.text.get(kind, "") for c in group))
            subjects = {squash(subject) for subject, _ in pairs}
            linked = {squash(link) for _, link in pairs if link}
            titles = sum(subject in mail for subject in subjects)
            links = sum(link in mail for link in linked)
            missing = [s for s, _ in pairs if squash(s) not in mail]
            print(f"rss2email {folder.relative_to(corpus)} ({kind}): {len(pairs)} emails; "
                  f"{titles} of {len(subjects)} distinct subjects and {links} of {len(linked)} "
                  "links in digest's email"
                  + (f"; missing: {missing[:5]}" if missing else ""))  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
