"""Bundled word lists used to correct OCR near-misses."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache
def drug_names() -> tuple[str, ...]:
    text = (resources.files("medxtract.lexicon") / "drugs.txt").read_text(encoding="utf-8")
    return tuple(s.strip() for s in text.splitlines() if s.strip() and not s.startswith("#"))
