"""Start-up time of the command line: `digest --help` and `digest check` against `python -c pass`.

Run: python benchmarks/startup.py [--runs N]
Each command runs N times in a fresh process (median wall time); the figures are ratios
to an empty Python start measured in the same run, since this machine is shared.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config" / "digest.toml"


def median_seconds(command: list[str], runs: int) -> float:
    """Median wall time of `runs` fresh runs of the command."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    digest = [sys.executable, "-m", "digest"]
    baseline = median_seconds([sys.executable, "-c", "pass"], runs)
    print(f"python -c pass        {baseline * 1000:7.0f} ms   1.0x")
    for name, command in (
        ("digest --help", [*digest, "--help"]),
        ("digest check", [*digest, "check", "--config", str(EXAMPLE)]),
    ):
        seconds = median_seconds(command, runs)
        print(f"{name:<20}  {seconds * 1000:7.0f} ms  {seconds / baseline:4.1f}x")


if __name__ == "__main__":
    main()
