"""Progress bars for long steps (generation, loading, the dbt build): on an interactive terminal only.

When stderr is not a terminal (CI, cron, log files) or MICROCONV_NO_PROGRESS is set (Settings.progress),
nothing is drawn.
"""

from __future__ import annotations

import io
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, redirect_stdout
from typing import TextIO

from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    Output,
)
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Advance = Callable[[], None]
# One console for bars and log lines, so that log lines print above a bar instead of through it. It
# resolves sys.stderr at each write.
CONSOLE = Console(stderr=True)


def interactive(enabled: bool | None = None) -> bool:
    """A terminal, and progress bars on (`enabled`, default: the environment's Settings.progress)."""
    if enabled is None:
        from .settings import get_settings

        enabled = get_settings().progress
    return sys.stderr.isatty() and enabled


@contextmanager
def progress_bar(description: str, total: int | None, enabled: bool | None = None) -> Iterator[Advance]:
    """Yield a function that advances the bar by one step (thread-safe); a no-op when not interactive."""
    if not interactive(enabled):
        yield lambda: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=CONSOLE) as progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)


# dbt's line per node (dagster-dbt re-prints them to stdout) and its blank lines are dropped; errors,
# warnings, dbt's header and its totals remain.
DBT_NODE_LINE = re.compile(r"^\d+ of \d+ (START|OK|PASS|SKIP|NO-OP)\b")


class _WithoutNodeLines(io.TextIOBase):
    def __init__(self, target: TextIO) -> None:
        self.target = target
        self.at_line_start = True  # print() writes the text and its newline separately

    def write(self, text: str) -> int:
        kept = []
        for line in text.splitlines(True):
            if self.at_line_start and (not line.strip() or DBT_NODE_LINE.match(line)):
                continue
            kept.append(line)
            self.at_line_start = line.endswith("\n")
        self.target.write("".join(kept))
        return len(text)

    def flush(self) -> None:
        self.target.flush()


class LayerLines:
    """Counts finished dbt nodes per layer (the first part of the asset key: config, staging,
    intermediate, core, marts) and prints one line when a layer's last model and test finished."""

    def __init__(
        self, assets: Iterable[AssetKey], checks: Iterable[AssetCheckKey], say: Callable[[str], None]
    ):
        self.totals: Counter[tuple[str, str]] = Counter()
        self.totals.update((key.path[0], "models") for key in assets)
        self.totals.update((key.asset_key.path[0], "tests") for key in checks)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.printed: set[str] = set()
        self.say = say
        self.started = time.perf_counter()

    def done(self, layer: str, kind: str) -> None:
        self.counts[layer, kind] += 1
        finished = all(self.counts[layer, each] >= self.totals[layer, each] for each in ("models", "tests"))
        if finished and layer not in self.printed:
            self.printed.add(layer)
            models = "seeds" if layer == "config" else "models"
            self.say(
                f"dbt {layer}: {self.totals[layer, 'models']} {models} and {self.totals[layer, 'tests']} "
                f"tests done ({time.perf_counter() - self.started:.0f} s)"
            )

    def event(self, event: object, context: AssetExecutionContext) -> None:
        if isinstance(event, Output):
            self.done(context.asset_key_for_output(event.output_name).path[0], "models")
        elif isinstance(event, AssetMaterialization):
            self.done(event.asset_key.path[0], "models")
        elif isinstance(event, AssetCheckResult | AssetCheckEvaluation) and event.asset_key is not None:
            self.done(event.asset_key.path[0], "tests")


@contextmanager
def dbt_layer_lines(
    context: AssetExecutionContext, advance: Advance, verbose: bool = False
) -> Iterator[Callable[[object], None]]:
    """Yield a function to call with every Dagster event of the dbt build: it advances the bar and,
    unless `verbose` (--verbose, Settings.verbose), prints one line per layer instead of dbt's line per
    node."""
    if verbose:
        yield lambda _event: advance()
        return
    layers = LayerLines(context.selected_asset_keys, context.selected_asset_check_keys, print)

    def step(event: object) -> None:
        advance()
        layers.event(event, context)

    with redirect_stdout(_WithoutNodeLines(sys.stdout)):
        yield step
