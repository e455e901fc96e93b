"""Many documents at once: pages fan out to a process pool, one Tesseract per process."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from medxtract.config import Settings
from medxtract.document import Page
from medxtract.errors import MedxtractError
from medxtract.pipeline import extract, read_bytes, read_pages_serially
from medxtract.read.ingest import SourceDocument
from medxtract.read.read_page import read_page
from medxtract.result import ExtractionResult

_open_docs: dict[str, SourceDocument] = {}


def _init_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    # Ctrl-C is the parent's to handle: it stops the batch and ends the pool cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _read_page_task(path: str, index: int, settings: Settings) -> Page:
    # Each worker keeps the last document it opened: its other pages usually come next.
    doc = _open_docs.get(path)
    if doc is None:
        _open_docs.clear()
        doc = _open_docs[path] = SourceDocument(read_bytes(path)[0], settings)
    return read_page(doc.load_page(index), settings)


@dataclass
class Outcome:
    path: Path
    result: ExtractionResult | None = None
    error: MedxtractError | Exception | None = None


# Told (document, 1-based page, page count) as each page is read: progress for big documents.
PageHook = Callable[[Path, int, int], None]


def _reported(
    pages: Iterable[Page], path: Path, count: int, hook: PageHook | None
) -> Iterator[Page]:
    for i, page in enumerate(pages, 1):
        if hook is not None:
            hook(path, i, count)
        yield page


def extract_many(
    paths: list[Path],
    doc_type: str,
    settings: Settings,
    workers: int,
    on_page: PageHook | None = None,
) -> Iterator[Outcome]:
    """Yield one outcome per path, in order; a failing document never stops the others."""
    if workers <= 1:
        for path in paths:

            def reader(doc: SourceDocument, s: Settings, p: Path = path) -> Iterable[Page]:
                return _reported(read_pages_serially(doc, s), p, doc.page_count, on_page)

            yield _guarded(
                path,
                lambda p=path, r=reader: extract(p, doc_type, settings=settings, page_reader=r),
            )
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker)
    try:
        pending: dict[Path, list[Future[Page]]] = {}
        for path in paths:
            try:
                count = SourceDocument(read_bytes(path)[0], settings).page_count
            except Exception:  # reported when its turn comes, by extract() itself
                continue
            pending[path] = [
                pool.submit(_read_page_task, str(path), i, settings) for i in range(count)
            ]
        for path in paths:
            futures = pending.get(path, [])
            yield _guarded(
                path,
                lambda p=path, fs=futures: extract(
                    p,
                    doc_type,
                    settings=settings,
                    page_reader=lambda _doc, _s: list(
                        _reported((f.result() for f in fs), p, len(fs), on_page)
                    ),
                ),
            )
    finally:
        # Also when the consumer stops early (Ctrl-C): queued pages are dropped, not read.
        pool.shutdown(wait=True, cancel_futures=True)


def _guarded(path: Path, run) -> Outcome:
    try:
        return Outcome(path=path, result=run())
    except MedxtractError as exc:
        return Outcome(path=path, error=exc)
    except Exception as exc:  # noqa: BLE001 - one bad document must not end the batch
        return Outcome(path=path, error=exc)
