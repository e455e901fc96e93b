"""Many documents at once, each in a guarded worker process (one Tesseract per process).

A worker runs under the memory cap (`MEDXTRACT_MAX_MEMORY_MB`) and each document under the
wall-time limit (`MEDXTRACT_JOB_TIME_LIMIT_S`). A document that passes either fails alone
with `resource_limit` (CLI exit 8); pebble replaces the worker and the batch goes on.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import queue as queue_mod
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pebble import ProcessExpired, ProcessPool

from medxtract.config import EngineSettings
from medxtract.document import Page
from medxtract.errors import MedxtractError
from medxtract.pipeline import extract, read_pages_serially
from medxtract.read import limits
from medxtract.read.ingest import SourceDocument
from medxtract.result import ExtractionResult

PR_SET_PDEATHSIG = 1


# Where a worker tells the parent of each page it has read (progress for big documents).
_progress: Any = None


def _init_worker(max_memory_mb: int, then: Callable[[], None] | None, progress: Any) -> None:
    global _progress
    os.environ["OMP_THREAD_LIMIT"] = "1"
    # Ctrl-C is the parent's to handle: it stops the batch and ends the pool cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _progress = progress
    _die_with_parent()
    limits.cap_memory(max_memory_mb)
    if then is not None:
        then()


def _die_with_parent() -> None:
    """Linux: this worker gets SIGKILL when the process that started it dies, whatever
    way it dies, so a killed `serve` or CLI leaves no worker behind."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the pool's own shutdown still ends its workers


class GuardedPool:
    """A process pool whose tasks run under the memory cap and a time limit each.

    `result()` turns a worker's death or a timeout into `ResourceLimitError`; the pool
    itself stays usable (pebble starts a new worker)."""

    def __init__(
        self,
        workers: int,
        max_memory_mb: int,
        *,
        initializer: Callable[[], None] | None = None,
        spawn: bool = False,
        progress: bool = False,
    ) -> None:
        self.max_memory_mb = max_memory_mb
        ctx = multiprocessing.get_context("spawn" if spawn else None)
        self.progress = ctx.Queue() if progress else None
        self._pool = ProcessPool(
            max_workers=max(1, workers),
            initializer=_init_worker,
            initargs=(max_memory_mb, initializer, self.progress),
            context=ctx,
        )

    def schedule(self, fn: Callable[..., Any], args: tuple, timeout: float | None) -> Future:
        fut = self._pool.schedule(fn, args=args, timeout=timeout)
        fut.time_limit = timeout  # type: ignore[attr-defined]
        return fut

    def error_of(self, fut: Future) -> BaseException | None:
        """The task's error, with a limit hit spelled as ResourceLimitError."""
        exc = fut.exception()
        if isinstance(exc, FutureTimeout):
            return limits.time_error(getattr(fut, "time_limit", 0) or 0)
        if isinstance(exc, ProcessExpired):
            return limits.worker_died(exc.exitcode, self.max_memory_mb)
        if isinstance(exc, MemoryError):
            return limits.memory_error(self.max_memory_mb)
        return exc

    def result(self, fut: Future) -> Any:
        exc = self.error_of(fut)
        if exc is not None:
            raise exc
        return fut.result()

    def close(self, timeout: float = 5.0) -> None:
        """End the workers now (running tasks are abandoned), waiting at most `timeout`."""
        self._pool.stop()
        self._pool.join(timeout=timeout)


def _reporting_reader(path: str) -> Callable[[SourceDocument, EngineSettings], Iterable[Page]]:
    def reader(doc: SourceDocument, settings: EngineSettings) -> Iterator[Page]:
        for i, page in enumerate(read_pages_serially(doc, settings), 1):
            if _progress is not None:
                _progress.put((path, i, doc.page_count))
            yield page

    return reader


def _extract_task(path: str, doc_type: str, settings: EngineSettings) -> ExtractionResult:
    try:
        return extract(Path(path), doc_type, settings=settings, page_reader=_reporting_reader(path))
    except MemoryError:  # the data limit: this process may be left in a bad state
        limits.exit_for_memory()


@dataclass
class Outcome:
    path: Path
    result: ExtractionResult | None = None
    error: MedxtractError | Exception | None = None


# Told (document, 1-based page, page count) as each page is read: progress for big documents.
PageHook = Callable[[Path, int, int], None]


def extract_many(
    paths: list[Path],
    doc_type: str,
    settings: EngineSettings,
    workers: int,
    on_page: PageHook | None = None,
) -> Iterator[Outcome]:
    """Yield one outcome per path, in order; a failing document never stops the others.

    Documents (not pages) go to the workers, so this process never decodes an input."""
    pool = GuardedPool(workers, settings.max_memory_mb, progress=on_page is not None)
    try:
        futures = [
            pool.schedule(_extract_task, (str(p), doc_type, settings), settings.job_time_limit_s)
            for p in paths
        ]
        pages = _PageReports(pool.progress, on_page)
        for path, fut in zip(paths, futures, strict=True):
            pages.follow(str(path), fut)
            try:
                yield Outcome(path=path, result=pool.result(fut))
            except Exception as exc:  # noqa: BLE001 - one bad document must not end the batch
                yield Outcome(path=path, error=exc)
    finally:
        # Also when the consumer stops early (Ctrl-C): queued documents are dropped.
        pool.close()


class _PageReports:
    """Page reports from the workers, passed on in document order (a later document's
    pages wait until its turn), so progress reads as one document after another."""

    def __init__(self, progress: Any, hook: PageHook | None) -> None:
        self.progress, self.hook = progress, hook
        self.waiting: dict[str, list[tuple[int, int]]] = {}

    def follow(self, path: str, fut: Future) -> None:
        if self.progress is None or self.hook is None:
            return
        told = 0
        for page, count in self.waiting.pop(path, []):
            self.hook(Path(path), page, count)
            told = page
        while True:
            try:
                p, page, count = self.progress.get(timeout=0.05)
            except queue_mod.Empty:
                if fut.done():
                    # A report may still be in the pipe just after the result.
                    try:
                        p, page, count = self.progress.get(timeout=0.5)
                    except queue_mod.Empty:
                        return
                else:
                    continue
            if p != path:
                self.waiting.setdefault(p, []).append((page, count))
                continue
            self.hook(Path(path), page, count)
            told = page
            if told >= count and fut.done():
                return
