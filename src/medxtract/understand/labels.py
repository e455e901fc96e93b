"""Finding a spec's labels on a page, tolerant of OCR near-misses in the label text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.fuzz import partial_ratio, ratio

from medxtract.document import Page

_NON_WORD = re.compile(r"[^0-9a-z#]+")


def norm(text: str) -> str:
    return _NON_WORD.sub("", text.lower())


def min_score(label: str) -> float:
    """Short labels must match exactly; longer ones may carry an OCR slip or two."""
    n = len(norm(label))
    if n <= 4:
        return 100.0
    if n <= 8:
        return 80.0
    return 85.0


@dataclass(frozen=True)
class LabelHit:
    label: str
    line: int
    start: int  # first word index in the line
    end: int  # one past the last word
    bbox: tuple[float, float, float, float]  # pixels
    score: float
    # Starts its line or ends with a colon: a real label, not the same words inside a value.
    strong: bool = True


def find_labels(page: Page, labels: list[str]) -> list[LabelHit]:
    """Every occurrence of any label; longer labels claim their words first."""
    claimed: set[tuple[int, int]] = set()
    hits: list[LabelHit] = []
    tokens = [[norm(w.text) for w in line.words] for line in page.lines]
    joined = ["".join(toks) for toks in tokens]
    # Exact matches claim their words before fuzzy ones ("Policy #" before "Policy No").
    by_length = sorted(labels, key=lambda s: len(norm(s)), reverse=True)
    for exact, label in [(e, lab) for e in (True, False) for lab in by_length]:
        target = norm(label)
        if not target:
            continue
        n = len(label.split())
        threshold = 100.0 if exact else min_score(label)
        for li, toks in enumerate(tokens):
            # One C call rules out most lines before the word-window search.
            if partial_ratio(target, joined[li]) < threshold:
                continue
            best: tuple[float, int, int] | None = None
            for size in {max(1, n - 1), n, n + 1}:
                for start in range(0, len(toks) - size + 1):
                    if any((li, k) in claimed for k in range(start, start + size)):
                        continue
                    text = "".join(toks[start : start + size])
                    # OCR slips swap letters or add/drop one; a word two letters shorter
                    # than a short label is another word ("High" is not "Height").
                    if not text or abs(len(text) - len(target)) > max(1, len(target) // 4):
                        continue
                    score = ratio(text, target)
                    if score >= threshold and (best is None or score > best[0]):
                        best = (score, start, start + size)
            if best is None:
                continue
            score, start, end = best
            words = page.lines[li].words[start:end]
            strong = start == 0 or words[-1].text.rstrip().endswith(":")
            if strong:  # a weak hit leaves its words to a longer, fuzzier label
                claimed.update((li, k) for k in range(start, end))
            bbox = (
                min(w.bbox[0] for w in words) * page.width,
                min(w.bbox[1] for w in words) * page.height,
                max(w.bbox[2] for w in words) * page.width,
                max(w.bbox[3] for w in words) * page.height,
            )
            hits.append(LabelHit(label, li, start, end, bbox, score / 100, strong))
    return hits
