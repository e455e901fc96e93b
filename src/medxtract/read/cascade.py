"""The OCR cascade: Tesseract reads the page, RapidOCR re-reads only what it reads weakly.

A line is weak when a word has low confidence or does not look like a word, a number or
a code ("fov", "Lyrin" look fine; "8S4-4)", "tW0" do not). RapidOCR's recognizer reads
the cropped line (~20-40 ms) and the better-scoring reading is kept. The whole page goes
to RapidOCR (seconds) only when Tesseract's reading is unusable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from medxtract.document import BBox, Line, Word, union_bbox
from medxtract.errors import OcrTimeoutError
from medxtract.logs import decision
from medxtract.read import preprocess

# Below this a Tesseract word is doubtful (clean print reads 0.9+).
WEAK_WORD_CONF = 0.75
# A reading must beat the other by this much to replace it.
MARGIN = 0.03
# A page needs this many confident, word-like words for Tesseract's reading to stand...
MIN_CONFIDENT_WORDS = 12
# ...or this share of its words confident.
MIN_CONFIDENT_SHARE = 0.5
# Readings this similar (normalised edit similarity) differ in a letter or two.
SIMILAR = 0.85
# A re-read that keeps less than this share of the characters dropped part of the line.
MIN_LENGTH_SHARE = 0.6

# Missed text: searched on a copy with this long side; its line heights (px) there; at
# most this many regions a page; a reading kept from there needs this confidence/score.
MISSED_SIDE = 1100
MISSED_MIN_H, MISSED_MAX_H = 7, 40
MAX_MISSED = 25
MISSED_MIN_CONF = 0.75
MISSED_MIN_SCORE = 0.8
RULE_SHARE = 0.6  # of a region's ink in its 3 densest rows, above which it is a rule
MAX_FILL = 0.5  # of a region's box inked, above which it is a band, not letters
INK_GREY = 120  # the darkest pixel of a written region is at least this dark

_EDGE_PUNCT = "()[]{}<>,.;:!?\"'`*‘’“”"
_NUMBER = re.compile(r"[+#]?\d+([-/.:,]\d+)*[-/.]?%?")
_WORD = re.compile(r"[^\W\d_]+(['’-][^\W\d_]+)*")  # letters of any alphabet
_UNIT = re.compile(r"\d+([.,]\d+)?(mg|mcg|ml|mL|g|kg|cm|mm|x|am|pm|st|nd|rd|th|hrs?|yrs?|IU)", re.I)
_CODE = re.compile(r"[A-Z0-9]+([-/][A-Z0-9]+)*")  # IDs, postcodes, policy numbers
_PHONE = re.compile(r"\+?(\(\d+\)|\d+)([-.]?(\(\d+\)|\d+))*")
_ABBREV = re.compile(r"([A-Za-z]\.)+[A-Za-z]?\.?")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def plausible(token: str) -> bool:
    """Looks like a word, a number, a dose, a code or an address, not OCR debris."""
    if not any(c.isalnum() for c in token):
        return len(token) <= 3  # a dash, a slash, "#:"
    core = token.strip(_EDGE_PUNCT)
    if _PHONE.fullmatch(token.rstrip(_EDGE_PUNCT)) or _ABBREV.fullmatch(core):
        return True  # (841)-783-4774, M.D, D.O.
    if any(p.fullmatch(core) for p in (_EMAIL, _NUMBER, _UNIT, _PHONE)):
        return True
    if _WORD.fullmatch(core):  # each part of "Non-Important", "O'Neill" in one case
        parts = re.split(r"['’-]", core)
        return all(p.islower() or p.isupper() or p.istitle() for p in parts)
    if _CODE.fullmatch(core) and len(core) <= 14:
        return any(c.isdigit() for c in core) or len(core) <= 4
    return "/" in core and all(plausible(p) for p in core.split("/") if p)


def reading_score(words: list[Word]) -> float:
    """Mean confidence and share of characters in word-like tokens, equally weighted."""
    if not words:
        return 0.0
    chars = sum(len(w.text) for w in words)
    good = sum(len(w.text) for w in words if plausible(w.text))
    conf = sum(w.confidence * len(w.text) for w in words) / max(chars, 1)
    return 0.5 * conf + 0.5 * good / max(chars, 1)


def unusable(words: list[Word]) -> bool:
    """Too few confident, word-like words to type the document or find its fields."""
    good = [w for w in words if w.confidence >= WEAK_WORD_CONF and plausible(w.text)]
    return len(good) < MIN_CONFIDENT_WORDS and len(good) < MIN_CONFIDENT_SHARE * len(words)


def crop(image: np.ndarray, bbox: BBox, pad: float = 0.25) -> np.ndarray | None:
    """The region of `image` under a relative `bbox`, with a margin of `pad` line heights
    (the recognizer wants a little white around the ink)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = bbox[0] * w, bbox[1] * h, bbox[2] * w, bbox[3] * h
    m = pad * max(y1 - y0, 1.0)
    x0, x1 = int(max(x0 - 2 * m, 0)), int(min(x1 + 2 * m, w))
    y0, y1 = int(max(y0 - m, 0)), int(min(y1 + m, h))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    return image[y0:y1, x0:x1]


@dataclass
class CascadeStats:
    lines: int = 0  # lines Tesseract read
    reread: int = 0  # lines RapidOCR re-read (in part or whole)
    replaced: int = 0  # lines where RapidOCR's reading was kept
    recovered: int = 0  # lines RapidOCR read where Tesseract saw no text
    searched: int = 0  # regions of ink outside Tesseract's words RapidOCR read
    whole_page: bool = False  # the page went to RapidOCR whole


def weak_spans(line: Line) -> list[tuple[int, int]]:
    """(start, stop) word ranges to re-read: the whole line when any word is weak.
    Measured on generated faxes and hand-filled forms (bench.hard), reading only the weak
    words (alone or with a neighbour) halved the cost but lost 1-8 fields of 93: the
    recognizer reads better with the line's context, and misreads split or merge words."""
    if any(w.confidence < WEAK_WORD_CONF or not plausible(w.text) for w in line.words):
        return [(0, len(line.words))]
    return []


def refine_lines(image: np.ndarray, lines: list[Line], engine, timeout_s: float | None):
    """Re-read the weak spans of each line with `engine.read_lines`; keep the better
    reading of each span."""
    from medxtract.read.engines.rapidocr import split_words

    stats = CascadeStats(lines=len(lines))
    jobs = []  # (line index, span, crop)
    for i, line in enumerate(lines):
        for start, stop in weak_spans(line):
            region = crop(image, union_bbox([w.bbox for w in line.words[start:stop]]))
            if region is not None:
                jobs.append((i, (start, stop), region))
    if not jobs:
        return lines, stats
    try:
        readings = engine.read_lines([c for _, _, c in jobs], timeout_s)
    except OcrTimeoutError:
        return lines, stats  # Tesseract's reading stands
    stats.reread = len({i for i, _, _ in jobs})
    words = [list(line.words) for line in lines]
    page_words = [(j, w) for j, line in enumerate(lines) for w in line.words]
    changed = set()
    # Right to left within a line, so replacing a span keeps the earlier spans' indices.
    for (i, (start, stop), _), (text, score) in sorted(
        zip(jobs, readings, strict=False), key=lambda j: (j[0][0], -j[0][1][0])
    ):
        old = lines[i].words[start:stop]
        new = split_words(text, score, union_bbox([w.bbox for w in old]))
        # The crop's margin may catch the end of a word beside the span ("ix Crawford").
        span = {id(w) for w in old}
        new = trim_echoes(new, [w for j, w in page_words if j != i or id(w) not in span])
        kept = better(new, old)
        decision("cascade.line", line=i, words=len(old), kept="rapidocr" if kept else "tesseract",
                 tesseract_score=reading_score(old), rapidocr_score=reading_score(new),
                 recognizer_confidence=score)
        if kept:
            words[i][start:stop] = new
            changed.add(i)
    stats.replaced = len(changed)
    return [Line(words=ws) for ws in words], stats


def missed_regions(
    image: np.ndarray, lines: list[Line], shrunk: np.ndarray | None = None
) -> list[BBox]:
    """Boxes of text-like ink that no word of `lines` covers: what Tesseract did not see
    as text at all (a scrawled name, a value written large). Rules, boxes and specks are
    left out; at most MAX_MISSED, largest first. `shrunk`: a smaller copy of `image`
    (larger than MISSED_SIDE), cheaper to shrink from."""
    h, w = image.shape[:2]
    k = MISSED_SIDE / max(h, w)
    source = image if shrunk is None or max(shrunk.shape) < MISSED_SIDE else shrunk
    small = cv2.resize(source, (max(round(w * k), 1), max(round(h * k), 1)),
                       interpolation=cv2.INTER_AREA)  # fmt: skip
    ink = _text_ink(small)
    sh, sw = ink.shape
    for line in lines:
        for word in line.words:
            x0, y0, x1, y1 = word.bbox
            m = 0.3 * (y1 - y0)
            ink[max(int((y0 - m) * sh), 0) : int((y1 + m) * sh) + 1,
                max(int((x0 - m) * sw), 0) : int((x1 + m) * sw) + 1] = 0  # fmt: skip
    joined = cv2.dilate(ink, np.ones((3, 9), np.uint8))
    _, stats = preprocess.components(joined)
    # As tall as the page's text, give or take a hand's larger writing: not a logo.
    heights = [w.bbox[3] - w.bbox[1] for line in lines for w in line.words]
    typical = float(np.median(heights)) * sh if heights else MISSED_MAX_H
    low, high = max(MISSED_MIN_H, 0.5 * typical), min(MISSED_MAX_H, 2.5 * typical)
    boxes = []
    for x, y, bw, bh, _area in stats[1:]:
        if not (low <= bh <= high and bw >= bh):
            continue
        if small[y : y + bh, x : x + bw].min() > INK_GREY:
            continue  # a shadow or gradient (a photo's page edge), not written ink
        rows = np.sort(np.count_nonzero(ink[y : y + bh, x : x + bw], axis=1))
        ink_px = int(rows.sum())
        # A broken or dotted rule keeps its ink in a few rows; letters spread over theirs.
        if (
            3 * bh <= ink_px <= MAX_FILL * bw * bh  # a shadow or page edge is solid ink
            and rows[-3:].sum() <= RULE_SHARE * ink_px
        ):
            boxes.append((ink_px, (x / sw, y / sh, (x + bw) / sw, (y + bh) / sh)))
    boxes.sort(reverse=True)
    return [b for _, b in boxes[:MAX_MISSED]]


def recover_missed(
    image: np.ndarray,
    lines: list[Line],
    engine,
    timeout_s: float | None,
    shrunk: np.ndarray | None = None,
):
    """Lines RapidOCR reads in `missed_regions`, where its reading looks like text; and
    how many regions it read."""
    from medxtract.read.engines.rapidocr import split_words

    regions = missed_regions(image, lines, shrunk)
    crops = [(b, c) for b in regions if (c := crop(image, b)) is not None]
    if not crops:
        return [], 0
    try:
        readings = engine.read_lines([c for _, c in crops], timeout_s)
    except OcrTimeoutError:
        return [], len(crops)
    found = []
    near = [w for line in lines for w in line.words]
    for (box, _), (text, score) in zip(crops, readings, strict=False):
        words = trim_echoes(split_words(text, score, box), near)
        sure = score >= MISSED_MIN_CONF and reading_score(words) >= MISSED_MIN_SCORE
        if words and sure and not echoes(words, near):
            found.append(Line(words=words))
    return found, len(crops)


def trim_echoes(words: list[Word], near: list[Word]) -> list[Word]:
    """Without a first or last word that only echoes a word it touches."""
    while len(words) > 1 and echoes(words[:1], near):
        words = words[1:]
    while len(words) > 1 and echoes(words[-1:], near):
        words = words[:-1]
    return words


def echoes(words: list[Word], near: list[Word]) -> bool:
    """A reading of ink a word's box did not quite cover: its text is part of a word it
    touches on the same row ("ix" beside "Felix", "Yes" beside "Yes")."""
    text = "".join(w.text for w in words).lower().strip(".,:;")
    if len(text) < 2:
        return False
    x0, y0, x1, y1 = union_bbox([w.bbox for w in words])
    h = y1 - y0
    for w in near:
        a0, b0, a1, b1 = w.bbox
        same_row = min(y1, b1) - max(y0, b0) > 0.5 * min(h, b1 - b0)
        touching = max(a0 - x1, x0 - a1) < 0.8 * h
        if same_row and touching and text in w.text.lower():
            return True
    return False


def better(new: list[Word], old: list[Word]) -> bool:
    """RapidOCR's reading `new` of a line beats Tesseract's `old`. When the two nearly
    agree, RapidOCR's wins only with more word-like tokens or where Tesseract was unsure
    of a word (Tesseract's keeps exact word boxes; RapidOCR's confidences run higher for
    the same quality)."""
    if not new:
        return False
    new_len = sum(len(w.text) for w in new)
    old_len = sum(len(w.text) for w in old)
    if new_len < MIN_LENGTH_SHARE * old_len:
        return False
    a, b = (" ".join(w.text for w in ws) for ws in (new, old))
    if Levenshtein.normalized_similarity(a.lower(), b.lower()) >= SIMILAR:
        gain = _plausible_share(new) - _plausible_share(old)
        unsure = min(w.confidence for w in old) < WEAK_WORD_CONF
        return gain > 0 or (gain == 0 and unsure)
    return reading_score(new) > reading_score(old) + MARGIN


def _plausible_share(words: list[Word]) -> float:
    chars = sum(len(w.text) for w in words)
    return sum(len(w.text) for w in words if plausible(w.text)) / max(chars, 1)


def _text_ink(grey: np.ndarray) -> np.ndarray:
    """The ink of a grey image (255 where inked) without its rules and table lines: long thin
    runs of ink, widened a little so their ragged edges do not survive to join a table's
    cells into one region."""
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                25, 20)
    rules = cv2.bitwise_or(cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, 35))),
                           cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((35, 1))))
    return cv2.subtract(ink, cv2.dilate(rules, np.ones((3, 3), np.uint8)))


def unread_ink(image: np.ndarray, bbox: BBox, words: list[Word], line_h: float) -> BBox | None:
    """The relative box round the ink inside the relative `bbox` of `image` that no word
    covers, rules, box outlines and specks left out (pieces under 0.4 of a line height);
    None when there is none: an empty answer box is not worth reading."""
    h, w = image.shape[:2]
    x0, y0 = max(int(bbox[0] * w), 0), max(int(bbox[1] * h), 0)
    x1, y1 = min(int(bbox[2] * w), w), min(int(bbox[3] * h), h)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    grey = image[y0:y1, x0:x1]
    if grey.ndim == 3:
        grey = cv2.cvtColor(grey, cv2.COLOR_BGR2GRAY)
    ink = _text_ink(grey)
    for word in words:
        a0, b0, a1, b1 = word.bbox
        m = 0.2 * (b1 - b0)
        ink[max(int((b0 - m) * h) - y0, 0) : max(int((b1 + m) * h) - y0, 0),
            max(int((a0 - m) * w) - x0, 0) : max(int((a1 + m) * w) - x0, 0)] = 0  # fmt: skip
    _, stats = preprocess.components(ink)
    min_h = 0.4 * line_h * h
    kept = [s for s in stats[1:] if s[3] >= min_h and s[4] >= 0.5 * min_h]
    if not kept:
        return None
    ux0 = min(s[0] for s in kept)
    uy0 = min(s[1] for s in kept)
    ux1 = max(s[0] + s[2] for s in kept)
    uy1 = max(s[1] + s[3] for s in kept)
    pad = 0.5 * line_h * h
    return (float(max(x0 + ux0 - pad, 0) / w), float(max(y0 + uy0 - pad, 0) / h),
            float(min(x0 + ux1 + pad, w) / w), float(min(y0 + uy1 + pad, h) / h))
