"""Bundled word lists used to correct OCR near-misses."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache
def drug_names() -> tuple[str, ...]:
    path = resources.files("medxtract.understand.lexicon") / "drugs.txt"
    text = path.read_text(encoding="utf-8")
    return tuple(s.strip() for s in text.splitlines() if s.strip() and not s.startswith("#"))


@lru_cache
def by_lower() -> dict[str, str]:
    """Each drug name in lower case, to its spelling in the list."""
    return {n.lower(): n for n in drug_names()}


@lru_cache
def region_names() -> dict[str, str]:
    """States, provinces and nations (regions.txt), by their lower-case name."""
    path = resources.files("medxtract.understand.lexicon") / "regions.txt"
    text = path.read_text(encoding="utf-8")
    return {s.strip().lower(): s.strip() for s in text.splitlines()
            if s.strip() and not s.startswith("#")}
