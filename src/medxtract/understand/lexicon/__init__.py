"""Bundled word lists used to correct OCR near-misses."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


def _entries(name: str) -> tuple[str, ...]:
    """The non-comment lines of one bundled list."""
    text = (resources.files("medxtract.understand.lexicon") / name).read_text(encoding="utf-8")
    return tuple(s.strip() for s in text.splitlines() if s.strip() and not s.startswith("#"))


@lru_cache
def drug_names() -> tuple[str, ...]:
    return _entries("drugs.txt")


@lru_cache
def by_lower() -> dict[str, str]:
    """Each drug name in lower case, to its spelling in the list."""
    return {n.lower(): n for n in drug_names()}


@lru_cache
def region_names() -> dict[str, str]:
    """States, provinces and nations (regions.txt), by their lower-case name."""
    return {s.lower(): s for s in _entries("regions.txt")}
