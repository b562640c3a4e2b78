"""Fan-out across worker processes: 1 against 2 `digest worker`s, and a SIGKILL mid-run.

    . .ci/services   # a fresh PostgreSQL and Redis on 127.0.0.1 (or set the two URLs)
    python benchmarks/scale.py [--readers 100000] [--relay-ms 2] [--connections 2] [--repeat 1]

One edition (10 articles, rendered once) for `--readers` subscribers is recorded in
PostgreSQL and queued on Redis in batches of 500; `python -m digest worker` processes
deliver it, DKIM-signing every message (RSA-2048), to an SMTP sink in its own process
that answers each DATA after `--relay-ms` (a relay's latency) and writes down every
recipient it accepts. Rounds, each on a fresh schema: 1 worker, 2 workers (`--repeat`
pairs of them, alternating; the ratio is of the medians), then 2 workers of which one
is killed with SIGKILL a third of the way in and started again 5 s later. Messages/s
are counted at the sink, first to last message; the killed round reports recipients
lost (never accepted by the sink) and duplicated.
The URLs come from $DIGEST_TEST_POSTGRES and $DIGEST_TEST_REDIS (set by .ci/services).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.send import NOW, edition, name  # noqa: E402
from digest.config._load import load_settings  # noqa: E402
from digest.pipeline._delivery import dump_rendered  # noqa: E402
from digest.pipeline._fanout import fan_out  # noqa: E402
from digest.pipeline._publish import render_edition  # noqa: E402
from digest.pipeline._state import open_store  # noqa: E402

# The relay: a bare SMTP sink in its own process. Not aiosmtpd: it reads DATA a line
# at a time (~2 ms of CPU for a 32 kB message, as much as a worker spends on it), and on
# a 2-core machine a relay that costs what the workers cost takes the very cores the
# workers are measured on. A real relay is another machine; this one only answers (after
# --relay-ms, a relay's latency) and writes down each recipient it accepted.
_EHLO = b"250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10240000\r\n"


async def _session(reader: Any, writer: Any, log: Any, delay: float) -> None:
    writer.write(b"220 sink ESMTP\r\n")
    rcpts: list[str] = []
    try:
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(_EHLO if verb == b"EHLO" else b"250 sink\r\n")
            elif verb == b"MAIL":
                rcpts = []
                writer.write(b"250 OK\r\n")
            elif verb == b"RCPT":
                rcpts.append(line.split(b"<", 1)[1].split(b">", 1)[0].decode())
                writer.write(b"250 OK\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await reader.readuntil(b"\r\n.\r\n")
                if delay:
                    await asyncio.sleep(delay)
                stamp = f"{time.monotonic():.6f}"
                log.write("".join(f"{stamp} {rcpt}\n" for rcpt in rcpts))
                writer.write(b"250 OK\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            else:  # RSET, NOOP
                writer.write(b"250 OK\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


def _serve(port: int, path: str, delay: float) -> None:
    async def serve() -> None:
        with open(path, "a", buffering=1, encoding="utf-8") as log:
            server = await asyncio.start_server(
                lambda r, w: _session(r, w, log, delay), "127.0.0.1", port, limit=1 << 20
            )
            async with server:
                await server.serve_forever()

    asyncio.run(serve())


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(
    folder: Path, port: int, readers: int, connections: int, pg: str, rds: str
) -> tuple[Path, str]:
    """The config of one round, in a PostgreSQL schema of its own (returned too)."""
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
    return path, schema


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


class SinkLog:
    """What the sink accepted, read as it grows (only the new lines each time)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.copies: Counter[str] = Counter()
        self.first = self.last = float("nan")
        self._offset = 0
        self._partial = b""

    def read(self) -> int:
        """Messages accepted so far."""
        if self.path.exists():
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
            self._offset += len(chunk)
            *lines, self._partial = (self._partial + chunk).split(b"\n")
            for line in lines:
                stamp, _, rcpt = line.decode().partition(" ")
                if self.copies.total() == 0:
                    self.first = float(stamp)
                self.last = float(stamp)
                self.copies[rcpt] += 1
        return self.copies.total()

    def rate(self) -> float:
        """Messages per second, first to last accepted."""
        total = self.copies.total()
        return total / (self.last - self.first) if total > 1 else float("nan")


def one_round(args: argparse.Namespace, workers: int, kill: bool) -> tuple[float, int, int, float]:
    """Messages/s at the sink, recipients lost and duplicated, and the machine's mean
    1-minute load average meanwhile (other work on a shared machine slows a round)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        port = free_port()
        log = SinkLog(folder / "sink.log")
        context = multiprocessing.get_context("spawn")
        sink = context.Process(
            target=_serve, args=(port, str(log.path), args.relay_ms / 1000), daemon=True
        )
        sink.start()
        config, schema = write_config(
            folder, port, args.readers, args.connections, args.postgres, args.redis
        )
        procs: list[subprocess.Popen[bytes]] = []
        loads: list[float] = []
        try:
            record_edition(config)
            procs = [start_worker(config) for _ in range(workers)]
            killed = False
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                loads.append(os.getloadavg()[0])
                done = log.read()
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
            _drop_schema(args.postgres, schema)
        log.read()
        expected = {f"reader{n}@example.org" for n in range(args.readers)}
        lost = len(expected - set(log.copies))
        duplicated = log.copies.total() - len(log.copies)
        return log.rate(), lost, duplicated, statistics.mean(loads or [float("nan")])


def _pending(config: Path) -> int:
    settings = load_settings(config, os.environ)
    with open_store(settings) as store:
        (status,) = store.edition_statuses(limit=1)
    return status.counts.pending


def _drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readers", type=int, default=100_000)
    parser.add_argument("--relay-ms", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="pairs of 1- and 2-worker rounds")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--postgres", default=os.environ.get("DIGEST_TEST_POSTGRES"))
    parser.add_argument("--redis", default=os.environ.get("DIGEST_TEST_REDIS"))
    args = parser.parse_args()
    if not (args.postgres and args.redis):
        sys.exit("needs PostgreSQL and Redis: `. .ci/services` first, or --postgres and --redis")
    print(
        f"{args.readers:,} readers, DKIM RSA-2048, [smtp] connections = {args.connections} per"
        f" worker, relay answers DATA after {args.relay_ms:g} ms; {os.cpu_count()} cores",
        flush=True,
    )
    rates: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.repeat):  # alternating, so that a busy spell of the machine hits both
        for workers in (1, 2):
            rate, lost, dup, load = one_round(args, workers, kill=False)
            rates[workers].append(rate)
            print(
                f"  {workers} worker{'s' if workers > 1 else ' '}: {rate:8.0f} messages/s"
                f"  (lost {lost}, duplicated {dup}; load average {load:.1f})",
                flush=True,
            )
    one, two = statistics.median(rates[1]), statistics.median(rates[2])
    print(f"  ratio 2/1:  {two / one:.2f}x (medians; goal >= 1.7x): {two / one >= 1.7}")
    _, lost, dup, _ = one_round(args, 2, kill=True)
    print(f"  2 workers, one SIGKILLed a third of the way in: lost {lost}, duplicated {dup}")
    print(
        f"  (duplicates allowed: the killed worker's messages in flight, <= {args.connections + 1})"
    )


if __name__ == "__main__":
    main()
