"""Rule kinds that locate a field's words on a page by their labels.

All geometry here is in pixels of the page image; a value is returned as lines of words
so the normaliser can join them and provenance (box, confidence) stays exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from medxtract.document import Page, Word, union_bbox
from medxtract.understand.labels import LabelHit, find_labels
from medxtract.understand.specs.schema import DocumentSpec, FieldSpec

Box = tuple[float, float, float, float]

# `below`: the first value line may start this many label heights under the label (a
# section heading has more air under it than a field label).
FIRST_GAP = 5.0
# A blank gap taller than this many line heights ends an unbounded `between` block.
BLOCK_GAP = 1.5
# Confidence factor of a `between` value whose end label was not read.
UNBOUNDED_SCORE = 0.7


@dataclass
class Found:
    """What a rule found on one page: value lines of words, and whether its label was seen."""

    page: int
    lines: list[list[Word]] = field(default_factory=list)
    label_found: bool = False
    label_score: float = 1.0


@dataclass
class _Seg:
    index: int
    words: list[Word]
    box: Box

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


class PageView:
    """A page prepared for rules: pixel boxes, reading order, and where the labels are."""

    def __init__(self, page: Page, spec: DocumentSpec) -> None:
        self.page = page
        w, h = max(page.width, 1), max(page.height, 1)
        self.segs = [
            _Seg(
                i,
                line.words,
                (line.bbox[0] * w, line.bbox[1] * h, line.bbox[2] * w, line.bbox[3] * h),
            )
            for i, line in enumerate(page.lines)
        ]
        self.order = _reading_order(self.segs)
        self.hits = find_labels(page, spec.all_labels())
        self.claimed = {
            (hit.line, k) for hit in self.hits if hit.strong for k in range(hit.start, hit.end)
        }
        xs = [s.box for s in self.segs]
        self.extent = (min((b[0] for b in xs), default=0.0), max((b[2] for b in xs), default=w))

    def hits_for(self, labels: list[str], weak: bool = False) -> list[LabelHit]:
        """Hits of these labels, in synonym order then top to bottom; weak ones only if asked."""
        wanted = set(labels)
        return sorted(
            (h for h in self.hits if h.label in wanted and (h.strong or weak)),
            key=lambda h: (labels.index(h.label), h.bbox[1]),
        )

    def is_label_word(self, line: int, k: int) -> bool:
        return (line, k) in self.claimed

    def starts_with_label(self, seg: _Seg) -> bool:
        return any(self.is_label_word(seg.index, k) for k in range(min(2, len(seg.words))))


def _reading_order(segs: list[_Seg]) -> list[_Seg]:
    """Rows top to bottom (segments whose centres are within half a line), left to right."""
    rows: list[list[_Seg]] = []
    for seg in sorted(segs, key=lambda s: (s.box[1] + s.box[3]) / 2):
        centre = (seg.box[1] + seg.box[3]) / 2
        if rows:
            first = rows[-1][0]
            if abs(centre - (first.box[1] + first.box[3]) / 2) < 0.5 * _height(first.box):
                rows[-1].append(seg)
                continue
        rows.append([seg])
    return [seg for row in rows for seg in sorted(row, key=lambda s: s.box[0])]


def _has_text(seg: _Seg) -> bool:
    """Real content, not a speck or shadow read as a short low-confidence word."""
    chars = sum(c.isalnum() for w in seg.words for c in w.text)
    confidence = min(w.confidence for w in seg.words)
    return chars > 3 or (chars > 0 and confidence >= 0.6)


def _height(box: Box) -> float:
    return box[3] - box[1]


def _px(word: Word, page: Page) -> Box:
    return (
        word.bbox[0] * page.width,
        word.bbox[1] * page.height,
        word.bbox[2] * page.width,
        word.bbox[3] * page.height,
    )


def right_of(view: PageView, hit: LabelHit) -> list[list[Word]]:
    """Words on the label's row to its right, up to the next label or a column-wide gap."""
    h = _height(hit.bbox)
    row: list[tuple[Box, Word, bool]] = []
    for seg in view.segs:
        for k, word in enumerate(seg.words):
            b = _px(word, view.page)
            overlap = min(b[3], hit.bbox[3]) - max(b[1], hit.bbox[1])
            if b[0] >= hit.bbox[2] - 2 and overlap > 0.4 * min(_height(b), h):
                row.append((b, word, view.is_label_word(seg.index, k)))
    row.sort(key=lambda t: t[0][0])
    out: list[Word] = []
    last_x = hit.bbox[2]
    for b, word, is_label in row:
        if is_label or b[0] - last_x > 6 * h:
            break
        out.append(word)
        last_x = b[2]
    out = _strip_fill(out)
    return [out] if out else []


def below(view: PageView, hit: LabelHit, spec: FieldSpec) -> list[list[Word]]:
    """Lines under the label (same column, or the page's left/right side), until a gap or label."""
    h = _height(hit.bbox)
    top = hit.bbox[1] - 0.5 * h if spec.from_label_top else hit.bbox[3] - 0.3 * h
    split = hit.bbox[0] + 0.3 * (view.extent[1] - hit.bbox[0])

    def in_column(seg: _Seg) -> bool:
        if spec.column == "left":
            return seg.box[0] < split
        if spec.column == "right":
            return seg.box[0] >= split
        width = hit.bbox[2] - hit.bbox[0]
        # Starts under the label: a line starting past its end is the next column's.
        return seg.box[0] < hit.bbox[2] and seg.box[2] > hit.bbox[0] - 0.2 * width

    candidates = sorted(
        (
            s
            for s in view.segs
            if s.index != hit.line and s.box[1] >= top and in_column(s) and _has_text(s)
        ),
        key=lambda s: (s.box[1], s.box[0]),
    )
    block: list[_Seg] = []
    ref = hit.bbox[1] if spec.from_label_top else hit.bbox[3]
    for seg in candidates:
        limit = FIRST_GAP * h if not block else 2.5 * max(_height(block[-1].box), h * 0.6)
        if seg.box[1] - ref > limit or view.starts_with_label(seg):
            break
        block.append(seg)
        ref = seg.box[3]
        if len(block) >= 12:
            break
    return _shape([s.words for s in block], spec)


def between(view: PageView, spec: FieldSpec) -> tuple[list[list[Word]], bool]:
    """Whole lines after a start label/line and before an end label, in reading order;
    and whether the end label was there (else, with `end_or_gap`, the first block)."""
    start_at: int | None = None
    if spec.labels:
        hits = view.hits_for(spec.labels)
        if hits:
            start_at = next(i for i, s in enumerate(view.order) if s.index == hits[0].line)
    elif spec.start:
        rx = re.compile(spec.start)
        start_at = next((i for i, s in enumerate(view.order) if rx.search(s.text)), None)
    if start_at is None:
        return [], False
    end_hits = {(h.line, h.start) for h in view.hits_for(spec.end, weak=True)}
    lines: list[list[Word]] = []
    for seg in view.order[start_at + 1 :]:
        cut = min((k for (li, k) in end_hits if li == seg.index), default=None)
        words = seg.words if cut is None else seg.words[:cut]
        if words:
            lines.append(words)
        if cut is not None:
            return _shape(lines, spec), True
    if not spec.end_or_gap:
        return [], False  # no end label: the region is not bounded, so do not guess
    return _shape(_first_block(lines, spec), spec), False


def _first_block(lines: list[list[Word]], spec: FieldSpec) -> list[list[Word]]:
    """From the first line `select` keeps, the lines up to the first gap taller than
    BLOCK_GAP line heights (where a missed label or a blank part of the form sits)."""
    rx = re.compile(spec.select) if spec.select else None
    block: list[list[Word]] = []
    prev: Box | None = None  # the box of the block's last line
    for words in lines:
        box = union_bbox([w.bbox for w in words])
        if prev is None:
            if rx is not None and not rx.search(" ".join(w.text for w in words)):
                continue
        elif box[1] - prev[3] > BLOCK_GAP * _height(prev):
            break
        block.append(words)
        prev = box
    return block


def pattern(view: PageView, spec: FieldSpec) -> list[list[Word]]:
    """The first match of a regex, top to bottom, optionally only above some label."""
    limit = float("inf")
    if spec.above:
        hits = view.hits_for(spec.above)
        if hits:
            limit = hits[0].bbox[1] + 0.3 * _height(hits[0].bbox)
    rx = re.compile(spec.pattern or "")
    for seg in view.order:
        if seg.box[3] > limit:
            continue
        text, spans = _text_with_spans(seg.words)
        m = rx.search(text)
        if m:
            a, b = m.span("value") if "value" in rx.groupindex else m.span()
            words = [w for w, (s, e) in zip(seg.words, spans, strict=True) if s < b and e > a]
            return [words] if words else []
    return []


def _text_with_spans(words: list[Word]) -> tuple[str, list[tuple[int, int]]]:
    spans, pos = [], 0
    for w in words:
        spans.append((pos, pos + len(w.text)))
        pos += len(w.text) + 1
    return " ".join(w.text for w in words), spans


def _shape(lines: list[list[Word]], spec: FieldSpec) -> list[list[Word]]:
    """Apply after / select / skip_lines / max_lines to a block of lines."""
    text = [" ".join(w.text for w in ws) for ws in lines]
    if spec.after:
        rx = re.compile(spec.after)
        idx = next((i for i, t in enumerate(text) if rx.search(t)), None)
        if idx is None:
            return []
        lines, text = lines[idx + 1 :], text[idx + 1 :]
    if spec.select:
        rx = re.compile(spec.select)
        lines = [ws for ws, t in zip(lines, text, strict=True) if rx.search(t)]
    return lines[spec.skip_lines : spec.skip_lines + spec.max_lines]


def _strip_fill(words: list[Word]) -> list[Word]:
    """Drop the colons, underscores and dashes of a form's fill-in line around a value."""
    fill = set(":_-—|.")
    while words and set(words[0].text) <= fill:
        words = words[1:]
    while words and set(words[-1].text) <= fill:
        words = words[:-1]
    return words


def locate(view: PageView, spec: FieldSpec) -> Found:
    found = Found(page=view.page.number)
    if spec.rule == "pattern":
        found.lines = pattern(view, spec)
        found.label_found = bool(found.lines)
        return found
    if spec.rule == "between":
        found.lines, bounded = between(view, spec)
        found.label_found = bool(view.hits_for(spec.labels or spec.end))
        if found.lines and not bounded:
            found.label_score = UNBOUNDED_SCORE
        return found
    for hit in view.hits_for(spec.labels):
        found.label_found, found.label_score = True, hit.score
        lines: list[list[Word]] = []
        if spec.rule in ("right_of", "right_or_below"):
            lines = right_of(view, hit)
        if not lines and spec.rule in ("below", "right_or_below"):
            lines = below(view, hit, spec)
        if lines:
            found.lines = lines
            return found
    return found
