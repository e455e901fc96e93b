"""`medxtract watch DIR`: a consume folder, as scanners and back offices use one.

A file is taken once it is complete: its size and modification time have not changed for
`--settle` seconds (a scanner still writing it keeps changing them). It is first renamed into
DIR/.processing/ (atomic on one file system), so a restart after a crash finds it there and
puts it back; then it ends in DIR/done/ with NAME.json beside it, or in DIR/failed/ with
NAME.reason.txt saying why.
"""

from __future__ import annotations

import json
import signal
import time
from dataclasses import dataclass, field
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
from medxtract.config import Settings
from medxtract.errors import ExitCode
from medxtract.output import outcome_dict

PROCESSING, DONE, FAILED = ".processing", "done", "failed"
ATTEMPTS = ".attempts.json"  # in .processing/: how often each file was taken
MAX_ATTEMPTS = 2  # a file that ended the watcher this often (crash, kill) is failed, not retried


@dataclass
class Seen:
    """What a file looked like when last polled, and since when."""

    size: int
    mtime_ns: int
    since: float


@dataclass
class Folder:
    root: Path
    settle_s: float
    seen: dict[Path, Seen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in (PROCESSING, DONE, FAILED):
            (self.root / name).mkdir(exist_ok=True)

    @property
    def _attempts_file(self) -> Path:
        return self.root / PROCESSING / ATTEMPTS

    def _attempts(self) -> dict[str, int]:
        try:
            return dict(json.loads(self._attempts_file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def _count(self, name: str, delta: int | None) -> int:
        attempts = self._attempts()
        n = attempts.get(name, 0) + (delta or 0)
        if delta is None or n <= 0:
            attempts.pop(name, None)
        else:
            attempts[name] = n
        _write(self._attempts_file, json.dumps(attempts))
        return n

    def recover(self) -> int:
        """Files a crashed run left half done go back into the queue, once: a file that
        stopped the watcher MAX_ATTEMPTS times goes to failed/ instead."""
        back = 0
        for path in sorted((self.root / PROCESSING).iterdir()):
            if not path.is_file() or path.name == ATTEMPTS:
                continue
            if self._attempts().get(path.name, 0) >= MAX_ATTEMPTS:
                self.finish(path, {"error": {
                    "code": "interrupted",
                    "message": f"the watcher stopped {MAX_ATTEMPTS} times while reading it "
                    "(crash or kill)"}})
                continue
            path.rename(_free(self.root / path.name))
            back += 1
        return back

    def complete_files(self, now: float) -> list[Path]:
        """Files whose size and mtime have stood still for the settle time."""
        ready, current = [], set()
        for path in sorted(self.root.iterdir()):
            if not _candidate(path):
                continue
            try:
                st = path.stat()
            except FileNotFoundError:  # moved away between listing and stat
                continue
            current.add(path)
            seen = self.seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                self.seen[path] = Seen(st.st_size, st.st_mtime_ns, now)
            elif st.st_size > 0 and now - seen.since >= self.settle_s:
                ready.append(path)
        self.seen = {p: s for p, s in self.seen.items() if p in current}
        return ready

    def take(self, path: Path) -> Path:
        self.seen.pop(path, None)
        self._count(path.name, +1)
        return path.rename(self.root / PROCESSING / path.name)

    def finish(self, path: Path, row: dict) -> Path:
        ok = "error" not in row
        target = _free(self.root / (DONE if ok else FAILED) / path.name)
        if ok:
            _write(target.with_name(target.name + ".json"), json.dumps(row, indent=2))
        else:
            err = row["error"]
            _write(target.with_name(target.name + ".reason.txt"),
                   f"{err['code']}: {err['message']}\n")
        moved = path.rename(target)
        self._count(path.name, None)
        return moved


def _candidate(path: Path) -> bool:
    # Hidden and temporary names are files still being written by their copier.
    name = path.name
    return (
        path.is_file()
        and not name.startswith((".", "~"))
        and not name.endswith((".part", ".tmp", ".crdownload", ".partial"))
    )


def _free(path: Path) -> Path:
    """`path`, or NAME-1.ext, NAME-2.ext ... when a file of that name is already there."""
    n, candidate = 0, path
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _write(path: Path, text: str) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # readers never see half a result file


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


def _process(folder: Folder, path: Path, doc_type: str, settings: Settings) -> bool:
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
