"""Our pipeline run in a fresh process, so its peak memory is a worker's own (the bench's
process also generates the corpus and runs the references)."""

from __future__ import annotations

import multiprocessing
import resource
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any


def run_apart(docs: list[tuple[Path, dict]], engine: str) -> dict[str, Any]:
    """`run_ours` in a spawned process (none of this one's memory), with its peak RSS."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_run_with_peak, docs, engine).result()


def _run_with_peak(docs: list[tuple[Path, dict]], engine: str) -> dict[str, Any]:
    from medxtract.bench.__main__ import run_ours

    out = run_ours(docs, engine)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out
