"""Fan-out across worker processes: 1 against 2 `digest worker`s, and a SIGKILL mid-run.

    . .ci/services   # a fresh PostgreSQL and Redis on 127.0.0.1 (or set the two URLs)
    python benchmarks/scale.py [--readers 100000] [--relay-ms 2] [--connections 2]

One edition (10 articles, rendered once) for `--readers` subscribers is recorded in
PostgreSQL and queued on Redis in batches of 500; `python -m digest worker` processes
deliver it, DKIM-signing every message (RSA-2048), to an aiosmtpd sink in its own
process that answers each DATA after `--relay-ms` (a relay's latency) and writes down
every recipient it accepts. Three rounds, each on a fresh schema: 1 worker, 2 workers,
and 2 workers of which one is killed with SIGKILL a third of the way in and started
again 5 s later. Messages/s are counted at the sink, first to last message; the
killed round reports recipients lost (never accepted by the sink) and duplicated.
The URLs come from $DIGEST_TEST_POSTGRES and $DIGEST_TEST_REDIS (set by .ci/services).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.send import NOW, edition, name  # noqa: E402
from digest.config._load import load_settings  # noqa: E402
from digest.pipeline._delivery import dump_rendered  # noqa: E402
from digest.pipeline._fanout import fan_out  # noqa: E402
from digest.pipeline._publish import render_edition  # noqa: E402
from digest.pipeline._state import open_store  # noqa: E402


class _Recorder:
    def __init__(self, path: str, delay: float) -> None:
        self.handle = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        self.delay = delay

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        import asyncio

        if self.delay:
            await asyncio.sleep(self.delay)
        for rcpt in envelope.rcpt_tos:  # type: ignore[attr-defined]
            self.handle.write(f"{time.monotonic():.6f} {rcpt}\n")
        return "250 OK"


def _serve(port: int, path: str, delay: float) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_Recorder(path, delay), hostname="127.0.0.1", port=port)
    controller.start()
    while True:
        time.sleep(3600)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(
    folder: Path, port: int, readers: int, connections: int, pg: str, rds: str
) -> Path:
    key = folder / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    with (folder / "readers.csv").open("w", encoding="utf-8") as handle:
        handle.write("email,name\n")
        for n in range(readers):
            handle.write(f"reader{n}@example.org,{name(n)}\n")
    schema = f"scale_{uuid.uuid4().hex[:10]}"
    import psycopg

    with psycopg.connect(pg, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    path = folder / "digest.toml"
    path.write_text(
        f"""
sender = "Morning Briefing <news@example.org>"
transport = "smtp"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
connections = {connections}
[dkim]
selector = "mail"
domain = "example.org"
key_file = "dkim.pem"
[lists.daily]
title = "Morning Briefing"
subscribers_file = "readers.csv"
[state]
url = "{pg}?options=-csearch_path%3D{schema}"
[queue]
url = "{rds}"
batch = 500
name = "{schema}"
""",
        encoding="utf-8",
    )
    return path


def record_edition(config: Path) -> int:
    """The edition rendered once, recorded with every reader, and queued."""
    from digest.subscribers import iter_subscribers

    settings = load_settings(config, os.environ)
    item = settings.lists[0]
    rendered = render_edition(edition(), settings, item)
    with open_store(settings) as store:
        readers = ((s.email, s.name) for s in iter_subscribers(item, config_path=config))
        edition_id = store.create_edition(item.name, NOW, dump_rendered(rendered), [], readers)
        fan_out(settings, item, store, edition_id)
    return edition_id


def start_worker(config: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DIGEST_NOW": NOW.isoformat()}
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "worker", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def accepted(log: Path) -> list[tuple[float, str]]:
    if not log.exists():
        return []
    rows = []
    for line in log.read_text(encoding="utf-8").splitlines():
        stamp, _, rcpt = line.partition(" ")
        if rcpt:
            rows.append((float(stamp), rcpt))
    return rows


def one_round(args: argparse.Namespace, workers: int, kill: bool) -> tuple[float, int, int]:
    """Messages/s at the sink, recipients lost and duplicated."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        log = folder / "sink.log"
        context = multiprocessing.get_context("spawn")
        sink = context.Process(
            target=_serve, args=(port, str(log), args.relay_ms / 1000), daemon=True
        )
        sink.start()
        config = write_config(
            folder, port, args.readers, args.connections, args.postgres, args.redis
        )
        record_edition(config)
        procs = [start_worker(config) for _ in range(workers)]
        killed = False
        deadline = time.monotonic() + args.timeout
        try:
            while time.monotonic() < deadline:
                done = len(accepted(log))
                if kill and not killed and done >= args.readers // 3:
                    procs[0].send_signal(signal.SIGKILL)
                    procs[0].wait()
                    killed = True
                    time.sleep(5)
                    procs[0] = start_worker(config)
                if done >= args.readers and _pending(config) == 0:
                    break
                time.sleep(0.5)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                proc.wait(timeout=120)
            time.sleep(0.5)
            sink.terminate()
            sink.join()
        rows = accepted(log)
        copies = Counter(rcpt for _, rcpt in rows)
        expected = {f"reader{n}@example.org" for n in range(args.readers)}
        lost = len(expected - set(copies))
        duplicated = sum(copies.values()) - len(copies)
        span = rows[-1][0] - rows[0][0] if len(rows) > 1 else float("nan")
        return len(rows) / span, lost, duplicated


def _pending(config: Path) -> int:
    settings = load_settings(config, os.environ)
    with open_store(settings) as store:
        (status,) = store.edition_statuses(limit=1)
    return status.counts.pending


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readers", type=int, default=100_000)
    parser.add_argument("--relay-ms", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--postgres", default=os.environ.get("DIGEST_TEST_POSTGRES"))
    parser.add_argument("--redis", default=os.environ.get("DIGEST_TEST_REDIS"))
    args = parser.parse_args()
    if not (args.postgres and args.redis):
        sys.exit("needs PostgreSQL and Redis: `. .ci/services` first, or --postgres and --redis")
    print(
        f"{args.readers:,} readers, DKIM RSA-2048, [smtp] connections = {args.connections} per"
        f" worker, relay answers DATA after {args.relay_ms:g} ms; {os.cpu_count()} cores"
    )
    one, lost1, dup1 = one_round(args, 1, kill=False)
    print(f"  1 worker:   {one:8.0f} messages/s  (lost {lost1}, duplicated {dup1})")
    two, lost2, dup2 = one_round(args, 2, kill=False)
    print(f"  2 workers:  {two:8.0f} messages/s  (lost {lost2}, duplicated {dup2})")
    print(f"  ratio 2/1:  {two / one:.2f}x (goal >= 1.7x): {two / one >= 1.7}")
    _, lost, dup = one_round(args, 2, kill=True)
    print(f"  2 workers, one SIGKILLed a third of the way in: lost {lost}, duplicated {dup}")
    print(
        f"  (duplicates allowed: the killed worker's messages in flight, <= {args.connections + 1})"
    )


if __name__ == "__main__":
    main()
