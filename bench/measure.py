"""Timing and peak-memory helpers for the benchmark: every measured step runs as a child process."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Runs `argv` and prints "<seconds> <peak RSS KiB> <exit code>" of that child alone (a fresh process per step,
# so RUSAGE_CHILDREN covers exactly the measured command and its own children).
_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "elapsed = time.perf_counter() - start\n"
    "print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)
    peak_rss_mib: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mib(self) -> float:
        return max(self.peak_rss_mib) if self.peak_rss_mib else float("nan")


def run_measured(argv: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Seconds and peak resident memory (MiB) of one command; raises when it fails."""
    completed = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *argv], env=env, cwd=cwd, capture_output=True, text=True, check=True
    )
    seconds, rss_kib, code = completed.stdout.split()
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {code}")
    return float(seconds), int(rss_kib) / 1024


def repeat(
    times: int, step: Callable[[], tuple[float, float]], before: Callable[[], None] | None = None
) -> Samples:
    samples = Samples()
    for _ in range(times):
        if before:
            before()
        seconds, rss = step()
        samples.seconds.append(seconds)
        samples.peak_rss_mib.append(rss)
    return samples


def environment(**overrides: str) -> dict[str, str]:
    return {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1", **overrides}
