"""`medxtract watch DIR`: a consume folder (`medxtract.consume`) read by the CLI itself.

A file is taken once unchanged for `--settle` seconds, extracted in a guarded worker process,
and moved to DIR/done/ with NAME.json (the result) or to DIR/failed/ with NAME.reason.txt.
The service watches a folder the same way when `MEDXTRACT_CONSUME_DIR` is set.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from medxtract.batch import extract_many
from medxtract.cli.app import app
from medxtract.cli.common import (
    QuietOpt,
    SpecsOpt,
    VerboseOpt,
    checked_type,
    count,
    fail,
    info,
    set_verbosity,
    settings_for,
)
from medxtract.cli.inputs import ACCEPTED
from medxtract.config import EngineSettings
from medxtract.consume import Folder
from medxtract.errors import ExitCode
from medxtract.output import outcome_dict


class Stop:
    """SIGINT/SIGTERM end the watch between documents (or at once while idle)."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self.busy = False

    def __enter__(self) -> Stop:
        self._old = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
        return self

    def __exit__(self, *exc: object) -> None:
        for s, handler in self._old.items():
            signal.signal(s, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signum
        if not self.busy:
            raise KeyboardInterrupt


def _process(folder: Folder, path: Path, doc_type: str, settings: EngineSettings) -> bool:
    work = folder.take(path)
    (outcome,) = extract_many([work], doc_type, settings, workers=1)
    row = outcome_dict(outcome)
    row["source"] = path.name
    final = folder.finish(work, row)
    info(f"{'done' if outcome.error is None else 'failed'}: {path.name} -> {final.parent.name}/")
    return outcome.error is None


@app.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="The consume folder")],
    doc_type: Annotated[str, typer.Option("--type", "-t", help="Document type or auto")] = "auto",
    settle: Annotated[
        float, typer.Option(min=0.0, help="Seconds a file must stay unchanged to be taken")
    ] = 2.0,
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between polls")] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="Take what is complete, then exit")] = False,
    specs: SpecsOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
) -> None:
    """Extract every document dropped into FOLDER; move it to done/ or failed/ with the reason."""
    set_verbosity(quiet, verbose)
    if not folder.is_dir():
        raise fail(f"not a folder: {folder}", ExitCode.NOT_FOUND)
    settings = settings_for(specs)
    doc_type = checked_type(doc_type, settings)
    watched = Folder(folder, settle)
    recovered = watched.recover()
    if recovered:
        info(f"{count(recovered, 'file')} from an interrupted run put back in the queue")
    info(f"watching {folder} for {', '.join(ACCEPTED)} (Ctrl-C stops)")
    done = failed = 0
    with Stop() as stop:
        try:
            while stop.signal is None:
                ready = watched.complete_files(time.monotonic())
                for path in ready:
                    stop.busy = True
                    ok = _process(watched, path, doc_type, settings)
                    done, failed = done + ok, failed + (not ok)
                    stop.busy = False
                    if stop.signal is not None:
                        break
                if once and not ready and not watched.seen:
                    break
                if stop.signal is None:
                    time.sleep(interval)
        except KeyboardInterrupt:
            pass
    info(f"{count(done, 'document')} done, {failed} failed")
    if stop.signal == signal.SIGINT:
        raise typer.Exit(130)
