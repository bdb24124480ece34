"""Render a page in headless Chromium (Debian's `chromium` package) and return its DOM and console."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Chromium logs each console message (console.log/warn/error, uncaught errors) as a CONSOLE line.
CONSOLE_LINE = re.compile(r":CONSOLE(?:\(\d+\))?:?\d*\]\s*(.*)")


@dataclass
class RenderedPage:
    dom: str
    console: list[str]


def render(page: Path, budget_ms: int = 20_000) -> RenderedPage:
    """Load `page` from disk, let its scripts run, and dump the resulting DOM."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "headless Chromium is needed: apt-get install chromium (.ci/run installs it)"
    completed = subprocess.run(
        [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    console = [match.group(1) for match in map(CONSOLE_LINE.search, completed.stderr.splitlines()) if match]
    return RenderedPage(dom=completed.stdout, console=console)
