"""Open pages in headless Chromium (Debian's `chromium` package) driven by Playwright, and read their DOM
and console.

One browser opens the dashboard once and visits its tabs (#fragment) in place: a Chromium process per
view parsed the 6 MB page and drew its charts again each time (about 30 s per view on a busy 2-core
machine, 5 minutes for the dashboard; 40 s in one browser). Playwright never downloads a browser here: it
launches /usr/bin/chromium.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

# Flags for a closed network: without the background-networking ones Chromium keeps trying to reach
# Google's hosts at start.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# A tab is drawn when it is shown and every chart its sections announce (data-charts) has its SVG.
TAB_DRAWN_JS = """fragment => {
    const tab = document.getElementById('page-' + fragment);
    if (!tab || !tab.classList.contains('active')) return false;
    return [...document.querySelectorAll('section[data-page="' + fragment + '"]')].every(
        section => section.querySelectorAll('.plot-container .main-svg').length
            >= Number(section.dataset.charts || 0));
}"""


def _chromium() -> str:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "headless Chromium is needed: apt-get install chromium (.ci/run installs it)"
    return executable


class OpenPage:
    """A page open in the Browser: its tabs shown one after another without reloading it, its DOM, its
    console (every message and uncaught error, as "type: text"), screenshots."""

    def __init__(self, page: Any) -> None:
        self._page = page
        self.console: list[str] = []
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))

    def show(self, fragment: str, timeout_ms: int = 180_000) -> str:
        """Go to `#fragment` (the dashboard's hashchange handler shows that tab), wait until the tab is
        drawn (TAB_DRAWN_JS), and return the DOM."""
        self._page.evaluate("fragment => { location.hash = '#' + fragment; }", fragment)
        self._page.wait_for_function(TAB_DRAWN_JS, arg=fragment, timeout=timeout_ms)
        return self.dom()

    def dom(self) -> str:
        return self._page.content()

    def screenshot(self, target: Path) -> Path:
        """A PNG of the whole page at the window's width."""
        self._page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 0, target
        return target


class Browser:
    """`with Browser() as browser: page = browser.open(path)`: a headless Chromium whose tabs are
    `width` x `height` px windows."""

    def __init__(self, width: int = 1400, height: int = 1000) -> None:
        self._viewport = {"width": width, "height": height}

    def __enter__(self) -> Browser:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        except BaseException:
            self._playwright.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._browser.close()
        self._playwright.stop()

    def open(self, page: Path, query: str = "", timeout_ms: int = 180_000) -> OpenPage:
        """Load `page` from disk (with `?query` when given) in a new tab."""
        tab = self._browser.new_page(viewport=self._viewport)
        opened = OpenPage(tab)
        tab.goto(page.resolve().as_uri() + (f"?{query}" if query else ""), timeout=timeout_ms)
        return opened
