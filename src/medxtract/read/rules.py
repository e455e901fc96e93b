"""A page's ruling lines (table borders, box sides, fill-in lines): from a PDF's vector paths
where it draws them, else found in the page image with OpenCV. Each rule is a box relative
to the page (0..1, top-left origin) that is long one way and thin the other; the form's
structure (understand.structure) reads cells and the lines between values from them."""

from __future__ import annotations

import ctypes

import cv2
import numpy as np
import pypdfium2.raw as pdfium_c

from medxtract.document import BBox

MIN_RULE_PT = 12.0  # shorter strokes are ticks, box glyphs or letters, not rules
MAX_PATHS = 4000  # a drawing, not a form: its strokes say nothing of fields


def from_pdf(page, pw: float, ph: float) -> list[BBox]:
    """Horizontal and vertical straight strokes of the page's stroked paths, rectangle
    sides included; curves, tiny boxes (check boxes) and shading left out. Paths inside a
    form XObject are not read: their points would need the XObject's matrix too."""
    rules: list[BBox] = []
    objs = page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=1)
    for n, obj in enumerate(objs):
        if n >= MAX_PATHS:
            return []
        left, bottom, right, top = obj.get_bounds()
        if right - left < MIN_RULE_PT and top - bottom < MIN_RULE_PT:
            continue
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDFPath_GetDrawMode(obj.raw, fill, stroke)
        if not stroke.value:
            continue  # a shaded area: no line on paper, as a scan of it shows none
        a, b, c, d, e, f = obj.get_matrix().get()
        prev: tuple[float, float] | None = None
        start: tuple[float, float] | None = None
        for i in range(pdfium_c.FPDFPath_CountSegments(obj.raw)):
            seg = pdfium_c.FPDFPath_GetPathSegment(obj.raw, i)
            x, y = ctypes.c_float(), ctypes.c_float()
            pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
            point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
            kind = pdfium_c.FPDFPathSegment_GetType(seg)
            if kind == pdfium_c.FPDF_SEGMENT_LINETO and prev is not None:
                rules += _straight(prev, point, pw, ph)
            if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
                start = point
            elif pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None:
                rules += _straight(point, start, pw, ph)
            prev = point
    return _merged(rules)


def _straight(p: tuple[float, float], q: tuple[float, float], pw: float, ph: float) -> list[BBox]:
    """A segment as a rule box (page-relative) if it runs straight across or down."""
    (x0, y0), (x1, y1) = p, q
    dx, dy = abs(x1 - x0), abs(y1 - y0)
    if max(dx, dy) < MIN_RULE_PT or min(dx, dy) > 0.5:
        return []
    box = (min(x0, x1) / pw, (ph - max(y0, y1)) / ph, max(x0, x1) / pw, (ph - min(y0, y1)) / ph)
    return [tuple(min(1.0, max(0.0, v)) for v in box)]  # type: ignore[list-item]


def from_image(grey: np.ndarray) -> list[BBox]:
    """Long thin runs of ink across and down the image: what survives an opening with a
    line-shaped kernel longer than any letter."""
    if min(grey.shape[:2]) < 100:
        return []
    # At half size: rules are long, and the page's work costs a quarter.
    grey = cv2.resize(grey, (grey.shape[1] // 2, grey.shape[0] // 2), interpolation=cv2.INTER_AREA)
    h, w = grey.shape[:2]
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                15, 15)
    rules: list[BBox] = []
    for across in (True, False):
        length = max(30, (w if across else h) // 30)
        kernel = np.ones((1, length) if across else (length, 1), np.uint8)
        lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
        # Broken strokes (a fax, a faint scan) close up along their own direction.
        lines = cv2.dilate(lines, np.ones((1, 5) if across else (5, 1), np.uint8))
        n, _labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
        for x, y, bw, bh, _area in stats[1:n]:
            thick = bh if across else bw
            if thick > max(3, (h if across else w) // 300):
                continue  # a filled block or a photo's dark edge, not a stroke
            rules.append((float(x / w), float(y / h), float((x + bw) / w), float((y + bh) / h)))
    return _merged(rules)


def _merged(rules: list[BBox]) -> list[BBox]:
    """Rules in reading order, duplicates (a box's side shared with its neighbour) once."""
    seen: dict[tuple[int, ...], BBox] = {}
    for r in rules:
        seen.setdefault(tuple(round(v * 500) for v in r), r)
    return sorted(seen.values(), key=lambda r: (r[1], r[0]))
