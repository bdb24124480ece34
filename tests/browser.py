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


HEADLESS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions")


def _chromium() -> str:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "headless Chromium is needed: apt-get install chromium (.ci/run installs it)"
    return executable


def render(page: Path, budget_ms: int = 20_000, fragment: str = "", query: str = "") -> RenderedPage:
    """Load `page` from disk (with `?query` and at `#fragment` when given), let its scripts run, and dump
    the resulting DOM."""
    completed = subprocess.run(
        [
            _chromium(),
            *HEADLESS,
            "--enable-logging=stderr",
            "--v=0",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            page.resolve().as_uri() + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else ""),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    console = [match.group(1) for match in map(CONSOLE_LINE.search, completed.stderr.splitlines()) if match]
    return RenderedPage(dom=completed.stdout, console=console)


def screenshot(
    page: Path,
    target: Path,
    fragment: str = "",
    width: int = 1400,
    height: int = 2400,
    budget_ms: int = 20_000,
) -> Path:
    """Save a PNG of `page` (at `#fragment`) as a `width` x `height` px window shows it, after its scripts
    ran."""
    subprocess.run(
        [
            _chromium(),
            *HEADLESS,
            "--hide-scrollbars",
            f"--virtual-time-budget={budget_ms}",
            f"--window-size={width},{height}",
            f"--screenshot={target}",
            page.resolve().as_uri() + (f"#{fragment}" if fragment else ""),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    assert target.stat().st_size > 0, target
    return target
