"""A consume folder, as scanners and back offices use one: `medxtract watch DIR` and the
service's `MEDXTRACT_CONSUME_DIR` both read theirs through `Folder`.

A file is taken once it is complete: its size and modification time have not changed for
the settle time (a scanner still writing it keeps changing them). It is first renamed into
DIR/.processing/ (atomic on one file system), so a restart after a crash finds it there and
puts it back; then it ends in DIR/done/ with NAME.json beside it, or in DIR/failed/ with
NAME.reason.txt saying why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
        """Move a complete file into .processing/ (FileNotFoundError: someone else took it)."""
        self.seen.pop(path, None)
        work = path.rename(self.root / PROCESSING / path.name)
        self._count(path.name, +1)
        return work

    def clear_attempts(self, work: Path) -> None:
        """The risky part of a taken file is over: a crash from now on is not its fault."""
        self._count(work.name, None)

    def put_back(self, work: Path) -> Path:
        """Return a taken file to the queue uncounted: it was not its fault (a clean stop,
        the database or job queue out of reach)."""
        back = work.rename(_free(self.root / work.name))
        self._count(work.name, -1)
        return back

    def finish(self, path: Path, row: dict[str, Any]) -> Path:
        """To done/ with NAME.json (`row`), or to failed/ with NAME.reason.txt when `row`
        has an `error` ({code, message})."""
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
