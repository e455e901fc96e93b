"""Running a batch from the CLI: progress, results written as they finish, Ctrl-C kept clean."""

from __future__ import annotations

import hashlib
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from medxtract.batch import Outcome, extract_many
from medxtract.cli.common import err, error, verbosity
from medxtract.config import Settings
from medxtract.output import outcome_dict


class Interrupts:
    """SIGINT raises KeyboardInterrupt, except while a result is being written: then it waits
    until the line is complete, so the output never holds half a record."""

    def __init__(self) -> None:
        self._writing = False
        self._pending = False

    def __enter__(self) -> Interrupts:
        self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, self._old)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._writing:
            self._pending = True
        else:
            raise KeyboardInterrupt

    @contextmanager
    def writing(self) -> Iterator[None]:
        self._writing = True
        try:
            yield
        finally:
            self._writing = False
        if self._pending:
            raise KeyboardInterrupt


def sha256_of(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None  # missing or unreadable: extract() reports it with its own message


def run_batch(
    paths: list[Path],
    doc_type: str,
    settings: Settings,
    workers: int,
    on_outcome: Callable[[Outcome, dict], None],
) -> list[Outcome]:
    """Extract each path; `on_outcome(outcome, row)` is called as each one finishes."""
    outcomes: list[Outcome] = []
    single = len(paths) == 1
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=verbosity.quiet or verbosity.json,  # JSON lines only on stderr
        transient=True,
    ) as bar:
        # One document: a bar of its pages; a batch: a bar of documents.
        total = None if single else len(paths)
        task = bar.add_task("pages" if single else "documents", total=total)

        def on_page(_path: Path, page: int, count: int) -> None:
            if single:
                bar.update(task, completed=page, total=count)

        for outcome in extract_many(paths, doc_type, settings, workers, on_page=on_page):
            outcomes.append(outcome)
            row = outcome_dict(outcome, sha256_of(outcome.path) if outcome.error else None)
            if outcome.error is not None:
                error(f"{outcome.path}: {row['error']['message']}", "[red]error[/red]")
            on_outcome(outcome, row)
            if not single:
                bar.advance(task)
    return outcomes
