"""Benchmark delivery side by side with its baselines, all measured in this one run.

    python benchmarks/send.py [--recipients N] [--connections N] [--big] [--skip-e2e]

1. Personalization, one core: a 10-article edition rendered and CSS-inlined once, then
   personalize() per recipient (name, address, unsubscribe link, Message-ID, Date; a
   third of the names and some addresses non-ASCII), against rendering and inlining per
   recipient. Every 100th message is parsed back and checked. DKIM signing (RSA-2048)
   is timed per message too: digest's signer (OpenSSL) against dkimpy (pure Python).
2. SMTP hand-off to a local aiosmtpd sink in its own process: digest's PooledSender
   against a raw smtplib loop with the same number of connections (1 and N).
3. End to end: `python -m digest run` for a `--recipients` edition (10,000 by default;
   `--big` for 100,000) to the same sink: wall time, messages/s and the run's peak RSS.
"""

from __future__ import annotations

import argparse
import email
import multiprocessing
import os
import random
import re
import resource
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest import render  # noqa: E402
from digest.config._load import load_settings  # noqa: E402
from digest.config._settings import Settings, SmtpSettings  # noqa: E402
from digest.models import (  # noqa: E402
    Article,
    Edition,
    Message,
    Recipient,
    RenderedEdition,
    Summary,
)
from digest.pipeline._publish import render_edition  # noqa: E402
from digest.render._greeting import greeting  # noqa: E402
from digest.send._send import PooledSender  # noqa: E402
from digest.subscribers._tokens import unsubscribe_url  # noqa: E402

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
WORDS = [
    "council",
    "river",
    "budget",
    "school",
    "harbour",
    "bridge",
    "library",
    "market",
    "station",
    "museum",
    "park",
    "tram",
    "energy",
    "housing",
    "water",
    "clinic",
    "festival",
    "archive",
    "volunteers",
    "survey",
]


# the sink: aiosmtpd in its own process -------------------------------------------------


class _Counter:
    def __init__(self, count: Synchronized[int]) -> None:
        self.count = count

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        with self.count.get_lock():
            self.count.value += 1
        return "250 OK"


def _serve(port: int, count: Synchronized[int]) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_Counter(count), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


class Sink:
    """An aiosmtpd server in a child process that counts the messages it accepts."""

    def __init__(self) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port: int = sock.getsockname()[1]
        context = multiprocessing.get_context("spawn")
        self.count: Synchronized[int] = context.Value("l", 0)
        self._process = context.Process(target=_serve, args=(self.port, self.count), daemon=True)

    def __enter__(self) -> Sink:
        self._process.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                smtplib.SMTP("127.0.0.1", self.port, timeout=1).quit()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the sink did not start")

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.join()

    def reset(self) -> int:
        with self.count.get_lock():
            value = self.count.value
            self.count.value = 0
        return int(value)


# a 10-article edition ----------------------------------------------------------------------


def sentence(n: int, topic: int = 0) -> str:
    """A sentence of common words plus words of its own topic, so stories stay distinct."""
    own = vocabulary(topic)
    words = [
        own[(n * 5 + i) % len(own)] if i % 2 else WORDS[(n * 7 + i * 3) % len(WORDS)]
        for i in range(14 + n % 9)
    ]
    return " ".join(words).capitalize() + f" ({n})."


def vocabulary(topic: int) -> list[str]:
    """Thirty made-up words that belong to one topic only."""
    syllables = "ka lo mi ren tu sa vo pel dri an ost mur fen gal bis tor wen cha lix dom"
    parts = syllables.split()
    chooser = random.Random(topic)
    return ["".join(chooser.choice(parts) for _ in range(3)) for _ in range(30)]


def write_config(folder: Path, port: int, recipients: int, connections: int) -> Path:
    """A config with one list: ten notes as its source, `recipients` readers in a CSV."""
    notes = folder / "notes"
    notes.mkdir(parents=True, exist_ok=True)
    for n in range(10):
        paragraphs = [" ".join(sentence(p * 5 + s, topic=n) for s in range(5)) for p in range(6)]
        (notes / f"note-{n}.md").write_text(
            f"# Story {n}: the {WORDS[n]} report\n\n" + "\n\n".join(paragraphs) + "\n", "utf-8"
        )
    with (folder / "readers.csv").open("w", encoding="utf-8") as handle:
        handle.write("email,name\n")
        for n in range(recipients):
            handle.write(f"reader{n}@example.org,{name(n)}\n")
    path = folder / "digest.toml"
    path.write_text(
        f"""
sender = "Morning Briefing <news@example.org>"
transport = "smtp"
state = "state.sqlite"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
connections = {connections}
[lists.daily]
title = "Morning Briefing"
window_hours = 100000
max_items = 10
subscribers_file = "readers.csv"
[[lists.daily.sources]]
name = "Notes"
type = "folder"
path = "notes"
""",
        encoding="utf-8",
    )
    return path


def name(n: int) -> str:
    return ("Zoë Ünal", "Łukasz Grün", "Ada Lovelace")[n % 3] + f" {n}"


def edition() -> Edition:
    summaries = []
    for n in range(10):
        article = Article(
            source="Regional News",
            url=f"https://news.example.org/2026/11/story-{n}",
            guid=f"story-{n}",
            title=f"Story {n}: the {WORDS[n]} report — what changes",
            published=NOW,
            text="",
        )
        summaries.append(Summary(article, tuple(sentence(k, topic=n) for k in range(3))))
    return Edition("daily", "Morning Briefing", NOW, "Europe/Berlin", tuple(summaries))


def recipient(n: int) -> Recipient:
    address = f"jörg{n}@exämple.org" if n % 50 == 0 else f"reader{n}@example.org"
    return Recipient(address, name(n))


# 1. personalization -------------------------------------------------------------------------


def rate(count: int, work: Callable[[int], object]) -> float:
    """Messages per second of work(i) for i in range(count), CPU time of this process."""
    start = time.process_time()
    for i in range(count):
        work(i)
    return count / (time.process_time() - start)


def check(message: Message, who: Recipient) -> None:
    # UTF-8 headers (an SMTPUTF8 address) are read as text; bytes would be ASCII-only.
    parsed = email.message_from_string(message.data.decode("utf-8"), policy=policy.default)
    to = parsed["To"].addresses[0]
    assert to.display_name == who.name, (to.display_name, who.name)
    assert who.email.startswith(to.username + "@")
    body = parsed.get_body(("plain",))
    assert body is not None and greeting(who.name) in body.get_content()
    assert parsed["List-Unsubscribe"].startswith("<https://digest.example.org/u/")


def personalization(settings: Settings, count: int) -> None:
    item = settings.lists[0]
    made = edition()
    key = b"k" * 32

    def message(rendered: RenderedEdition, n: int) -> Message:
        who = recipient(n)
        url = unsubscribe_url(settings.base_url, key, item.name, who.email)
        return render.personalize(rendered, who, unsubscribe_url=url, now=NOW)

    per_recipient = rate(30, lambda n: message(render_edition(made, settings, item), n))
    rendered = render_edition(made, settings, item)
    once = rate(count, lambda n: message(rendered, n))
    for n in range(0, 2000, 100):
        check(message(rendered, n), recipient(n))
    size = len(message(rendered, 1).data)
    print(f"1. personalization, one core, {size / 1000:.0f} kB messages")
    print(f"   render + inline per recipient (baseline): {per_recipient:9.0f} messages/s")
    print(f"   render once, personalize per recipient:   {once:9.0f} messages/s")
    print(f"   ratio: {once / per_recipient:.0f}x (goal >= 100x); goal >= 2000/s: {once >= 2000}")
    dkim_rate([message(rendered, n) for n in range(500)])


def dkim_rate(messages: list[Message]) -> None:
    """Sign personalized messages (each its own body hash): digest's signer against dkimpy."""
    openssl = shutil.which("openssl")
    if openssl is None:
        print("   DKIM: openssl not found, skipped")
        return
    from pydantic import SecretStr

    from digest.config._settings import DkimSettings
    from digest.send._dkim import DkimSigner

    with tempfile.TemporaryDirectory() as folder:
        key = Path(folder) / "dkim.pem"
        subprocess.run(
            [openssl, "genrsa", "-out", str(key), "2048"], check=True, capture_output=True
        )
        pem = SecretStr(key.read_text())
    signer = DkimSigner(DkimSettings(selector="s", domain="example.org", key=pem))
    import dkim

    from digest.send._dkim import SIGNED_HEADERS

    secret = pem.get_secret_value().encode()

    def dkimpy(n: int) -> None:
        dkim.sign(
            messages[n].data, b"s", b"example.org", secret, include_headers=list(SIGNED_HEADERS)
        )

    baseline = rate(100, dkimpy)
    signed = rate(2000, lambda n: signer(messages[n % len(messages)]))
    print("   DKIM signing, RSA-2048, one core:")
    print(f"     dkimpy (baseline):                       {baseline:9.0f} messages/s")
    print(f"     digest (cryptography/OpenSSL):           {signed:9.0f} messages/s")
    print(f"     ratio: {signed / baseline:.1f}x; goal >= 1000/s: {signed >= 1000}")


# 2. SMTP hand-off -----------------------------------------------------------------------------


def raw_smtplib(port: int, messages: list[Message], connections: int) -> None:
    """The baseline: N threads, each one smtplib connection, sendmail in a loop."""

    def work(share: list[Message]) -> None:
        with smtplib.SMTP("127.0.0.1", port) as conn:
            for message in share:
                conn.sendmail(message.sender, [message.to], message.data)

    threads = [
        threading.Thread(target=work, args=(messages[i::connections],)) for i in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def pooled(port: int, messages: list[Message], connections: int) -> None:
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none", connections=connections)
    with PooledSender(settings) as pool:
        failed = [m for m, error in pool.send_many(messages) if error is not None]
    assert not failed, failed[:3]


def smtp(settings: Settings, sink: Sink, count: int, connections: int, rounds: int) -> None:
    item = settings.lists[0]
    rendered = render_edition(edition(), settings, item)
    messages = [
        render.personalize(
            rendered,
            Recipient(f"reader{n}@example.org", name(n)),
            unsubscribe_url=f"https://digest.example.org/u/{n}",
            now=NOW,
        )
        for n in range(count)
    ]
    print(
        f"2. SMTP hand-off of {count} prepared messages to a local aiosmtpd sink (own process);"
        f" best of {rounds} alternating rounds"
    )
    senders = {"raw smtplib loop": raw_smtplib, "digest PooledSender": pooled}
    for n in sorted({1, connections}):
        best = dict.fromkeys(senders, 0.0)
        for round_ in range(rounds):
            for label in sorted(senders, reverse=bool(round_ % 2)):
                sink.reset()
                start = time.perf_counter()
                senders[label](sink.port, messages, n)
                elapsed = time.perf_counter() - start
                assert sink.reset() == count
                best[label] = max(best[label], count / elapsed)
        for label, figure in best.items():
            print(f"   {n} connection(s), {label:<20} {figure:7.0f} messages/s")
        ratio = best["digest PooledSender"] / best["raw smtplib loop"]
        print(f"   {n} connection(s), digest / raw: {ratio:.2f}")


# 3. end to end ----------------------------------------------------------------------------

# The run's own high-water mark: a child's ru_maxrss on Linux also counts the parent's
# memory it was forked from, which here holds thousands of prepared messages.
_RUN = """
import atexit, re, sys
def report():
    with open("/proc/self/status") as status:
        peak = re.search(r"VmHWM:\\s+(\\d+) kB", status.read())
    sys.stderr.write(f"peak-rss-kb {peak.group(1) if peak else 0}\\n")
atexit.register(report)
from digest.cli import main
sys.argv = ["digest", "run", "--config", sys.argv[1]]
main()
"""


def end_to_end(sink: Sink, recipients: int, connections: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = write_config(Path(folder), sink.port, recipients, connections)
        sink.reset()
        command = [sys.executable, "-c", _RUN, str(config)]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DIGEST_UNSUBSCRIBE_KEY": "bench"}
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        output = done.stdout
        received = sink.reset()
    assert done.returncode == 0 and received == recipients, output + done.stderr
    peak = re.search(r"peak-rss-kb (\d+)", done.stderr)
    peak_mb = int(peak.group(1)) / 1024 if peak else float("nan")
    print(f"3. end to end: `digest run`, {recipients} recipients, {connections} connections")
    print(f"   {elapsed:.1f} s wall ({recipients / elapsed:.0f} messages/s incl. start-up,")
    print(f"   collect, summarize, render, delivery log); peak RSS {peak_mb:.0f} MB (goal < 250)")
    print(f"   {output.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--big", action="store_true", help="end to end with 100,000 recipients")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--personalize", type=int, default=20_000, help="messages to time")
    parser.add_argument("--rounds", type=int, default=2, help="SMTP rounds per sender")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-smtp", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(write_config(Path(folder), 25, 1, 1), environ={})
    print(f"CPU time per process; {os.cpu_count()} cores; peak RSS of this process at the end.")
    personalization(settings, args.personalize)
    with Sink() as sink:
        if not args.skip_smtp:
            smtp(settings, sink, args.recipients, args.connections, args.rounds)
        if not args.skip_e2e:
            end_to_end(sink, 100_000 if args.big else args.recipients, args.connections)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this benchmark process: peak RSS {own:.0f} MB)")


if __name__ == "__main__":
    main()
