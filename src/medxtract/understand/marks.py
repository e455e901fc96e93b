"""Marks drawn on the page rather than printed as text: a ticked or crossed box beside an
option, a circle round the chosen answer ("Yes  No", "0 1 2 3 PRN").

Read from the page image (OpenCV) only where a field's value is a row of options with no
check-box glyph, and decided relatively: the one option whose box holds more ink, or the
one option with a ring of ink round it, is the answer; a tie is no answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from medxtract.understand.structure import Tok

Box = tuple[float, float, float, float]


@dataclass
class Option:
    toks: list[Tok]
    marked: bool

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.toks)


@dataclass
class MarkReader:
    """Looks at page images on demand; `image_for(page_number)` gives the grey image whose
    frame the words' boxes are relative to (None: no image)."""

    image_for: Callable[[int], np.ndarray | None]
    sizes: dict[int, tuple[int, int]]  # page number -> (width, height) of the words' frame
    _ink: dict[int, np.ndarray | None] = field(default_factory=dict)

    def ink(self, page: int) -> np.ndarray | None:
        if page not in self._ink:
            grey = self.image_for(page)
            if grey is None:
                self._ink[page] = None
            else:
                if grey.ndim == 3:
                    grey = cv2.cvtColor(grey, cv2.COLOR_BGR2GRAY)
                _, ink = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
                self._ink[page] = ink
        return self._ink[page]

    def ink_in(self, page: int, boxes: list[Box]) -> list[float] | None:
        """Share of inked pixels in each box (in the words' frame); None without an image."""
        ink = self.ink(page)
        if ink is None:
            return None
        w, h = self.sizes[page]
        sx, sy = ink.shape[1] / max(w, 1), ink.shape[0] / max(h, 1)
        crops = [_crop(ink, *_scale(b, sx, sy)) for b in boxes]
        return [float(c.mean()) if c.size else 0.0 for c in crops]

    def box_fills(self, page: int, cells: list[Box], h: float) -> list[float] | None:
        """The fill of the drawn box in each cell (in the words' frame), scaled so a clear
        tick or cross scores about 1; None without an image or where a cell holds no box.
        A box's own outline and a fax's specks weigh nothing here, unlike raw ink."""
        ink = self.ink(page)
        if ink is None:
            return None
        w, hh = self.sizes[page]
        sx, sy = ink.shape[1] / max(w, 1), ink.shape[0] / max(hh, 1)
        fills = []
        for cell in cells:
            found = _boxes(_crop(ink, *_scale(cell, sx, sy)), h * sy, corners=True)
            if not found:
                return None
            fills.append(min(1.0, max(f for _x, f in found) / 0.12))
        return fills

    def choose(self, page: int, options: list[list[Tok]]) -> list[Option] | None:
        """Which options are marked, by a drawn box or a circle; None when the image says
        nothing (no boxes, no rings, or every option looks the same)."""
        ink = self.ink(page)
        if ink is None or len(options) < 2:
            return None
        w, h = self.sizes[page]
        sx, sy = ink.shape[1] / max(w, 1), ink.shape[0] / max(h, 1)
        boxes = [_scale(_union([t.box for t in o]), sx, sy) for o in options]
        text_h = float(np.median([b[3] - b[1] for b in boxes]))
        paired = _row_box_fills(ink, boxes, text_h)
        for score in (_box_fill, _ring):
            found = paired if score is _box_fill and paired else [
                score(ink, b, text_h) for b in boxes
            ]
            values = [v for v in found if v is not None]
            if len(values) < len(found):
                continue
            best = max(values)
            rest = sorted(values)[-2] if len(values) > 1 else 0.0
            if best >= 0.5 and best - rest >= 0.3:
                return [Option(o, v == best) for o, v in zip(options, values, strict=True)]
        return None


def _row_box_fills(ink: np.ndarray, words: list[Box], h: float) -> list[float | None]:
    """Fills of the drawn boxes along a row of options, paired with the options in order
    when there is one box per option. A second reader's word boxes are estimated from its
    line box and may sit over the neighbour's box; the order of the boxes does not move."""
    x0, x1 = words[0][0] - 5.0 * h, words[-1][2]
    y0 = min(b[1] for b in words) - 0.6 * h
    y1 = max(b[3] for b in words) + 0.6 * h
    found = sorted(_boxes(_crop(ink, x0, y0, x1, y1), h, corners=True))
    if len(found) != len(words):
        return []
    return [min(1.0, fill / 0.12) for _, fill in found]


def _union(boxes: list[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))  # fmt: skip


def _scale(b: Box, sx: float, sy: float) -> Box:
    return (b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy)


def _crop(ink: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    hh, ww = ink.shape
    a, b = max(0, int(y0)), min(hh, int(y1))
    c, d = max(0, int(x0)), min(ww, int(x1))
    return ink[a:b, c:d] if b > a and d > c else np.zeros((0, 0), np.uint8)


def _box_fill(ink: np.ndarray, word: Box, h: float) -> float | None:
    """A square outline just left of the option word; its fill (ink inside the border),
    scaled so a clear tick or cross scores about 1. None when no box is there."""
    left = _crop(ink, word[0] - 3.0 * h, word[1] - 0.6 * h, word[0] - 0.05 * h,
                 word[3] + 0.6 * h)
    # Rightmost box left of the word: the one that belongs to it.
    best = max(_boxes(left, h, corners=False), default=None)
    if best is None:
        # A line reader's word boxes are cut from its line box and can swallow a box
        # glyph at their start: the leftmost box in the word's first letters.
        start = _crop(ink, word[0] - 0.05 * h, word[1] - 0.6 * h, word[0] + 1.2 * h,
                      word[3] + 0.6 * h)
        best = min(_boxes(start, h, corners=True), default=None)
    return None if best is None else min(1.0, best[1] / 0.12)


def _boxes(region: np.ndarray, h: float, corners: bool) -> list[tuple[int, float]]:
    """(x, fill) of each drawn square outline in `region`; with `corners` (among letters),
    only outlines with inked corners."""
    if region.size == 0:
        return []
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for c in contours:
        x, y, bw, bh = cv2.boundingRect(c)
        if not (0.5 * h <= bw <= 2.2 * h and 0.5 * h <= bh <= 2.2 * h):
            continue
        if not 0.7 <= bw / max(bh, 1) <= 1.4:
            continue
        border = max(2, int(0.18 * min(bw, bh)))
        inner = region[y + border : y + bh - border, x + border : x + bw - border]
        if inner.size == 0:
            continue
        frame = region[y : y + bh, x : x + bw]
        edge = (frame.sum() - inner.sum()) / max(1, frame.size - inner.size)
        if edge < 0.3 or (corners and not _square_corners(frame, border)):
            continue  # not an outline: a letter or a blot
        found.append((x, float(_inside(frame, border).mean())))
    return found


def _inside(frame: np.ndarray, border: int) -> np.ndarray:
    """What lies inside a box's outline: found from its ruled rows and columns, so a speck
    that touches the outline (and widens its bounding box) does not move it."""

    def span(fill: np.ndarray) -> tuple[int, int]:
        half = len(fill) // 2
        near = [i for i in range(half) if fill[i] > 0.6]
        far = [i for i in range(half, len(fill)) if fill[i] > 0.6]
        return (max(near) + 2 if near else border), (min(far) - 1 if far else len(fill) - border)

    top, bottom = span(frame.mean(axis=1))
    left, right = span(frame.mean(axis=0))
    inner = frame[top:bottom, left:right]
    return inner if inner.size else frame[border:-border, border:-border]


def _square_corners(frame: np.ndarray, border: int) -> bool:
    """Corners inked: a drawn box, not a round letter such as O."""
    corners = (frame[:border, :border], frame[:border, -border:],
               frame[-border:, :border], frame[-border:, -border:])  # fmt: skip
    # Three will do: a tick that overshoots the box lifts one corner of its outline.
    return sum(bool(c.size) and c.mean() > 0.25 for c in corners) >= 3


def _ring(ink: np.ndarray, word: Box, h: float) -> float | None:
    """How surely a ring of ink runs round the word: above and below it across its width,
    and beside it at its middle."""
    inner, outer = 0.2 * h, 0.75 * h
    x0, y0, x1, y1 = word
    top = _crop(ink, x0, y0 - outer, x1, y0 - inner)
    bottom = _crop(ink, x0, y1 + inner, x1, y1 + outer)
    left = _crop(ink, x0 - outer - 0.4 * h, y0, x0 - inner, y1)
    right = _crop(ink, x1 + inner, y0, x1 + outer + 0.4 * h, y1)
    if min(a.size for a in (top, bottom, left, right)) == 0:
        return None

    def cols(a: np.ndarray) -> float:
        return float((a.max(axis=0) > 0).mean())

    def rows(a: np.ndarray) -> float:
        return float((a.max(axis=1) > 0).mean())

    # A ruled line (a cell's border) runs on past the word; a circle's top and bottom don't.
    for y0_, y1_ in ((y0 - outer, y0 - inner), (y1 + inner, y1 + outer)):
        beyond = [_crop(ink, x0 - 3.0 * h, y0_, x0 - 1.5 * h, y1_),
                  _crop(ink, x1 + 1.5 * h, y0_, x1 + 3.0 * h, y1_)]
        if all(b.size and cols(b) > 0.6 for b in beyond):
            return 0.0
    return min(cols(top), cols(bottom), rows(left), rows(right))
