"""Progress bars for long steps (generation, loading, the dbt build): on an interactive terminal only.

When stderr is not a terminal (CI, cron, log files) or MICROCONV_NO_PROGRESS is set, nothing is drawn.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Advance = Callable[[], None]
# One console for bars and log lines, so that log lines print above a bar instead of through it. It
# resolves sys.stderr at each write.
CONSOLE = Console(stderr=True)


def interactive() -> bool:
    return sys.stderr.isatty() and not os.environ.get("MICROCONV_NO_PROGRESS")


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Advance]:
    """Yield a function that advances the bar by one step (thread-safe); a no-op when not interactive."""
    if not interactive():
        yield lambda: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=CONSOLE) as progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)
