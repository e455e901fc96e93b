"""Turning command-line paths (files, folders, globs) into a list of documents."""

from __future__ import annotations

import glob
from pathlib import Path

from medxtract.evaluate import DOCUMENT_SUFFIXES

ACCEPTED = DOCUMENT_SUFFIXES  # named in "no documents found" messages


def expand(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in DOCUMENT_SUFFIXES)
        elif any(c in raw for c in "*?["):
            found += sorted(Path(p) for p in glob.glob(raw, recursive=True) if Path(p).is_file())
        else:
            found.append(path)  # a missing file is reported per document, not here
    return list(dict.fromkeys(found))  # without repeats, in order
