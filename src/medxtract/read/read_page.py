"""Page stages: one raw page in, one `Page` of words out (clean-up, OCR, merge).

Each stage takes and returns a `PageWork`, so the orchestrator runs them in a row and a
worker process can run the whole list for any one page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from medxtract.config import Settings
from medxtract.document import Line, Page, Word
from medxtract.read import preprocess
from medxtract.read.engines import OcrEngine, get_engine
from medxtract.read.ingest import RawPage, group_lines

# Below this mean word confidence a page may be upside down: read it turned too.
ORIENTATION_RETRY_CONF = 0.6
# Below minus this upright score a page is turned before OCR, with no second reading.
UPSIDE_DOWN_SURE = 0.3


@dataclass
class PageWork:
    raw: RawPage
    settings: Settings
    image: np.ndarray | None = None
    unrotated: tuple[int, int] = (0, 0)  # (h, w) of the image before deskew
    words: list[Word] = field(default_factory=list)
    rotation: int = 0
    skew: float = 0.0
    upright: float = 1.0  # preprocess.upright_score of the image OCR gets
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def engine(self) -> OcrEngine:
        return get_engine(self.settings.ocr_lang)

    @property
    def may_turn(self) -> bool:
        """A mixed page is never turned: its text layer says which way is up."""
        return self.raw.source != "mixed"


Stage = Callable[[PageWork], PageWork]


def clean_image(work: PageWork) -> PageWork:
    if work.raw.image is None:
        return work
    image = _flat_page(work.raw)
    # A mixed page is deskewed like any scan, though never turned: Tesseract's words on a
    # tilted page sit at drifting heights, and regrouping them into lines would split a
    # label across lines. merge_text_layer moves the text-layer words by the same rotation.
    if work.may_turn and preprocess.is_sideways(image):
        work.rotation = 90
        image = preprocess.turn(image, 90)
    work.unrotated = image.shape[:2]
    work.skew = preprocess.estimate_skew(image)
    image = preprocess.rotate(image, work.skew)
    if work.may_turn:
        work.upright = preprocess.upright_score(image)
        if work.upright < -UPSIDE_DOWN_SURE:
            image, work.upright = preprocess.turn(image, 180), -work.upright
            work.rotation = (work.rotation + 180) % 360
    work.image = image
    return work


def ocr(work: PageWork) -> PageWork:
    if work.image is None:
        return work
    words = _words(work.engine, work.image)
    unsure = _mean_conf(words) < ORIENTATION_RETRY_CONF or work.upright < 0
    if unsure and work.may_turn:
        # Maybe upside down: text reads badly, or the line shapes lean that way. Read the
        # page the other way too and keep the better reading.
        turned = preprocess.turn(work.image, 180)
        retry = _words(work.engine, turned)
        if _mean_conf(retry) > _mean_conf(words):
            work.image, words = turned, retry
            work.rotation = (work.rotation + 180) % 360
    work.words = words
    return work


def merge_text_layer(work: PageWork) -> PageWork:
    """Merge a typed overlay's words with OCR's: where both read a spot, the typed word wins."""
    if work.image is None:
        work.words = [w for line in work.raw.text_lines for w in line.words]
        return work
    layer = [
        w
        for line in work.raw.text_lines
        for w in _deskew_line(line, work.unrotated, work.image.shape[:2], work.skew)
    ]
    # The typed text is exact; OCR of the same spot (often a digit fused with the line it was
    # typed on) gives way to it.
    work.words = [o for o in work.words if not any(_overlaps(o.bbox, w.bbox) for w in layer)]
    work.words += layer
    return work


def _deskew_line(
    line: Line, before: tuple[int, int], after: tuple[int, int], angle: float
) -> list[Word]:
    """A text-layer line moved as `preprocess.rotate` moved the page image: turned `angle`
    degrees counter-clockwise about the centre onto a canvas of size `after` (h, w).

    Typed text is level on the page whatever the scan's tilt, and each entry was placed by
    its start: a run of words shifts with the point where it starts, keeping its spacing and
    sizes in pixels. Turning each word about the page centre would tilt the run with the
    scan and let its words drift apart in height; a wide gap starts a new run (a line can
    hold two entries, one per column)."""
    if after == before and abs(angle) < 0.05:
        return line.words
    (h, w), (nh, nw) = before, after
    a = np.deg2rad(angle)  # counter-clockwise on screen, where y points down
    out: list[Word] = []
    shift_x = shift_y = 0.0
    for i, word in enumerate(line.words):
        x0, y0, x1, y1 = word.bbox
        prev = line.words[i - 1].bbox if i else None
        if prev is None or (x0 - prev[2]) * w > 2 * (y1 - y0) * h:
            # A new run: move its start as the rotation moves that point.
            px, py = x0 * w - w / 2, (y0 + y1) / 2 * h - h / 2
            shift_x = nw / 2 + px * np.cos(a) + py * np.sin(a) - x0 * w
            shift_y = nh / 2 - px * np.sin(a) + py * np.cos(a) - (y0 + y1) / 2 * h
        box = (
            (x0 * w + shift_x) / nw,
            (y0 * h + shift_y) / nh,
            (x1 * w + shift_x) / nw,
            (y1 * h + shift_y) / nh,
        )
        out.append(word.model_copy(update={"bbox": tuple(float(v) for v in box)}))
    return out


PAGE_STAGES: list[Stage] = [clean_image, ocr, merge_text_layer]


def read_page(raw: RawPage, settings: Settings) -> Page:
    work = PageWork(raw=raw, settings=settings)
    for stage in PAGE_STAGES:
        start = time.perf_counter()
        work = stage(work)
        work.timings[stage.__name__] = (time.perf_counter() - start) * 1000
    h, w = work.image.shape[:2] if work.image is not None else raw.size[::-1]
    page = Page(
        number=raw.number,
        width=w,
        height=h,
        source=raw.source,  # type: ignore[arg-type]
        rotation=work.rotation,
        skew=work.skew,
        lines=group_lines(work.words),
        timings=work.timings,
    )
    return page


def page_image(raw: RawPage, rotation: int = 0, skew: float | None = None) -> np.ndarray | None:
    """The image exactly as OCR saw it, for drawing boxes on (the review UI)."""
    if raw.image is None:
        return None
    image = _flat_page(raw)
    if raw.source != "mixed":
        image = preprocess.turn(image, rotation)
    return preprocess.rotate(image, preprocess.estimate_skew(image) if skew is None else skew)


def _flat_page(raw: RawPage) -> np.ndarray:
    """The page at OCR scale with even light; a photographed sheet is cut off its background
    and its keystone undone (a mixed page keeps its geometry, to match its text layer)."""
    corners = None if raw.source == "mixed" else preprocess.find_page(raw.image)
    if corners is None:
        image = preprocess.rescale(raw.image)
    else:
        image = preprocess.crop_page(raw.image, corners)
    return preprocess.flatten_illumination(image)


def _words(engine: OcrEngine, image: np.ndarray) -> list[Word]:
    height = image.shape[0]
    return [w for line in engine.recognize(image) for w in line.words if _is_text(w, height)]


# Letters at OCR scale are 10+ px tall; a weak "word" flatter than this is a rule line.
MIN_WORD_PX = 6


def _is_text(word: Word, image_height: int) -> bool:
    # Tesseract reads specks, shadows and rule lines as short low-confidence junk; drop it.
    flat = (word.bbox[3] - word.bbox[1]) * image_height < MIN_WORD_PX
    if flat and word.confidence < 0.6:
        return False
    if word.confidence < 0.6 and len(word.text) == 1 and not word.text.isdigit():
        return False
    if word.confidence < 0.25 and len(word.text) <= 2:
        return False
    if not any(c.isalnum() for c in word.text):
        # Keep real punctuation such as a dash; drop rule lines read as '=' or '—'.
        narrow = (word.bbox[2] - word.bbox[0]) < 0.03
        return word.confidence > 0.5 and len(word.text) <= 2 and narrow
    return word.confidence > 0.1


def _mean_conf(words: list[Word]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def _overlaps(a, b) -> bool:
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    return ix > 0 and iy > 0 and ix * iy > 0.3 * (a[2] - a[0]) * (a[3] - a[1])
