"""Progress on stderr for long work: a bar over items, or a line per stage (``quiet`` hides both)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress(total: int, what: str, quiet: bool = False) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for ``total`` items (``what``: "describing"); yields ``advance(n)``.

    Nothing is shown with ``quiet`` or for fewer than two items; on a terminal the bar is live, in a
    log (stderr not a terminal) one line is written when the work ends.
    """
    if quiet or total < 2:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("left"),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)


def stage(text: str, quiet: bool = False) -> None:
    """One line on stderr saying what long step starts now (e.g. "training the CNN+LSTM baseline")."""
    if not quiet:
        print(text, file=sys.stderr, flush=True)
