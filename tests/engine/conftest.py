from __future__ import annotations

from pathlib import Path

import pytest

from medxtract.document import Document, Line, Page, Word
from medxtract.understand.fields import extract_fields
from medxtract.understand.specs import load_specs

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "samples" / "seed"


def make_page(rows: list[list[tuple[str, float]]], number: int = 1) -> Page:
    """A page from rows of (text, x) cells; each row 30 px high, 60 px apart, 1000x1400 page.

    Word widths are 12 px per character, so tests can lay out forms on a grid."""
    w, h = 1000, 1400
    lines = []
    for r, cells in enumerate(rows):
        y0 = 50 + 60 * r
        for text, x in cells:
            words, pos = [], x
            for token in text.split():
                x1 = pos + 12 * len(token)
                words.append(
                    Word(text=token, confidence=0.95, bbox=(pos / w, y0 / h, x1 / w, (y0 + 30) / h))
                )
                pos = x1 + 12
            lines.append(Line(words=words))
    return Page(number=number, width=w, height=h, lines=lines)


def fields_of(rows: list[list[tuple[str, float]]], doc_type: str) -> dict:
    """The fields of one page laid out from rows (see make_page), dates read MDY."""
    return extract_fields(Document(pages=[make_page(rows)]), load_specs()[doc_type], "MDY")


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    return SEED
