"""Page stages: one raw page in, one `Page` of words out (clean-up, OCR, merge).

Each stage takes and returns a `PageWork`, so the orchestrator runs them in a row and a
worker process can run the whole list for any one page.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from medxtract import geometry
from medxtract.config import EngineSettings
from medxtract.document import BBox, Line, Page, Word
from medxtract.errors import OcrTimeoutError
from medxtract.logs import context, decision
from medxtract.read import cascade, preprocess, rules
from medxtract.read.engines import OcrEngine, get_engine
from medxtract.read.ingest import RawPage, group_lines

if TYPE_CHECKING:
    from medxtract.read.engines.tesseract import TesseractEngine

# Below this mean word confidence a page may be upside down: read it turned too.
ORIENTATION_RETRY_CONF = 0.6
# Below minus this upright score a page is turned before OCR, with no second reading.
UPSIDE_DOWN_SURE = 0.3
# Below this upright score, Tesseract's orientation detection (OSD) decides before OCR.
OSD_BELOW = 0.1
# OSD confidence at which its answer is taken. Measured at OCR scale on 12 generated
# scans and hand-filled pages turned 4 ways: 48 of 48 right, confidence 6.4-27; sparse
# test pages of 6 lines: right at 1.2-2.3.
OSD_SURE = 1.0


@dataclass
class PageWork:
    raw: RawPage
    settings: EngineSettings
    image: np.ndarray | None = None
    # Where each pixel of the raw image lies on `image` (geometry's frame): every crop,
    # scale, turn and deskew applied so far, composed.
    from_raw: np.ndarray = field(default_factory=geometry.identity)
    unrotated: tuple[int, int] = (0, 0)  # (h, w) of the image before deskew
    words: list[Word] = field(default_factory=list)
    rules: list[BBox] = field(default_factory=list)
    rotation: int = 0
    skew: float = 0.0
    upright: float = 1.0  # preprocess.upright_score of the image OCR gets
    # `image` shrunk (preprocess.analysis_copy) and turned and deskewed with it: the checks
    # measure this rather than shrink the full page each.
    small: np.ndarray | None = None
    osd_done: bool = False
    stats: cascade.CascadeStats = field(default_factory=cascade.CascadeStats)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def engine(self) -> TesseractEngine:
        # Tesseract itself, not any OcrEngine: only it tells a page's orientation (OSD).
        from medxtract.read.engines.tesseract import TesseractEngine

        return TesseractEngine.shared(self.settings.ocr_lang, self.settings.tessdata_dir)

    @property
    def may_turn(self) -> bool:
        """A mixed page is never turned: its text layer says which way is up."""
        return self.raw.source != "mixed"


Stage = Callable[[PageWork], PageWork]


def clean_image(work: PageWork) -> PageWork:
    if work.raw.image is None:
        return work
    image, work.from_raw, how = _flat_page(work.raw.image, work.raw.source)
    decision("page.cleanup", bilevel_repair=how == "bilevel", sheet_found=how == "cropped")
    work.small = preprocess.analysis_copy(image)
    # A mixed page is deskewed like any scan, though never turned: Tesseract's words on a
    # tilted page sit at drifting heights, and regrouping them into lines would split a
    # label across lines. merge_text_layer moves the text-layer words by the same rotation.
    if work.may_turn and preprocess.is_sideways(image, work.small):
        # The line-profile test says sideways; Tesseract's OSD, when it is sure, says
        # which way (or that the page is upright after all: sparse pages fool the test).
        degrees, conf = work.engine.orientation(image)
        work.osd_done = conf >= OSD_SURE
        work.rotation = (360 - degrees) % 360 if work.osd_done else 90
        decision("page.orientation", check="sideways", osd_degrees=degrees, osd_confidence=conf,
                 osd_sure=OSD_SURE, turn=work.rotation)
        image = _turn(work, image, work.rotation)
    work.unrotated = image.shape[:2]
    work.skew = preprocess.estimate_skew(image)
    decision("page.deskew", angle=work.skew)
    work.from_raw = preprocess.rotate_matrix(image.shape, work.skew) @ work.from_raw
    shared, shape = work.small is image, image.shape
    image = preprocess.rotate(image, work.skew)
    work.small = image if shared else preprocess.rotate_copy(work.small, work.skew, shape)
    if work.may_turn and not work.osd_done:
        work.upright = preprocess.upright_score(image, work.small)
        turned = work.upright < -UPSIDE_DOWN_SURE
        decision("page.orientation", check="upright", upright_score=work.upright,
                 upside_down_below=-UPSIDE_DOWN_SURE, turn=180 if turned else 0)
        if turned:
            image, work.upright = _turn(work, image, 180), -work.upright
            work.rotation = (work.rotation + 180) % 360
    work.image = image
    return work


def _turn(work: PageWork, image: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    """The image turned, the turn recorded in `work.from_raw` (its small copy turned too)."""
    work.from_raw = preprocess.turn_matrix(image.shape, degrees_clockwise) @ work.from_raw
    turned = preprocess.turn(image, degrees_clockwise)
    if work.small is image:  # a page no larger than the copy is its own copy
        work.small = turned
    elif work.small is not None:
        work.small = preprocess.turn(work.small, degrees_clockwise)
    return turned


def ocr(work: PageWork) -> PageWork:
    if work.image is None:
        return work
    if preprocess.is_blank(work.image, work.small):
        decision("page.ocr", blank=True)
        return work  # nothing on the page: no words, and no engine time spent
    s = work.settings
    if s.ocr_engine == "rapidocr":
        if work.may_turn and not work.osd_done:
            _orient(work, "rapidocr reads upright text only")
        work.words = _words(_engine("rapidocr", s), work.image, s.ocr_timeout_s)
        _ocr_decision(work)
        return work
    tesseract = work.engine
    osd_turned = False
    if work.may_turn and work.upright < OSD_BELOW and not work.osd_done:
        # The line shapes are not sure: ask Tesseract's OSD before reading.
        osd_turned = _orient(work, f"upright score {work.upright:.2f} < {OSD_BELOW}")
        work.osd_done = True
    lines = _lines(tesseract, work.image, s.ocr_timeout_s)
    mean = _mean_conf(_flat(lines))
    if osd_turned and mean < ORIENTATION_RETRY_CONF:
        # OSD can be wrong on a photo: a turn that reads badly is checked by reading the
        # page the other way too (only then), and the better reading kept.
        back = _turn(work, work.image, 180)
        back_lines = _lines(tesseract, back, s.ocr_timeout_s)
        back_mean = _mean_conf(_flat(back_lines))
        keep_back = back_mean > mean
        decision("page.orientation", check="osd turn read back", turned_confidence=mean,
                 unturned_confidence=back_mean, turn=0 if keep_back else 180)
        if keep_back:
            work.image, work.rotation, lines = back, (work.rotation + 180) % 360, back_lines
            mean = back_mean
        else:
            _turn(work, back, 180)  # undo: the matrix and the small copy go with the image
    unsure = mean < ORIENTATION_RETRY_CONF and not work.osd_done
    # Reads badly: maybe upside down after all. OSD says so or not; only then read again.
    if unsure and work.may_turn and _orient(work, f"mean confidence {mean:.2f} < "
                                                  f"{ORIENTATION_RETRY_CONF}"):
        lines = _lines(tesseract, work.image, s.ocr_timeout_s)
    if s.ocr_engine == "auto":
        lines = _cascade(work, lines)
    work.words = _flat(lines)
    _ocr_decision(work)
    return work


def _ocr_decision(work: PageWork) -> None:
    """Which engine read the page's words, how many, how surely."""
    engines = sorted({w.engine or "none" for w in work.words})
    per_engine = {f"words_{e}": sum(w.engine == e for w in work.words) for e in engines}
    decision("page.ocr", engine=work.settings.ocr_engine, words=len(work.words),
             mean_confidence=_mean_conf(work.words), **per_engine)


def _orient(work: PageWork, why: str) -> bool:
    """Turn the image when Tesseract's OSD is sure it is upside down; True if turned."""
    if work.image is None:
        return False
    degrees, conf = work.engine.orientation(work.image)
    turn = degrees == 180 and conf >= OSD_SURE
    decision("page.orientation", check="osd", why=why, osd_degrees=degrees,
             osd_confidence=conf, osd_sure=OSD_SURE, turn=180 if turn else 0)
    if turn:
        work.image = _turn(work, work.image, 180)
        work.rotation = (work.rotation + 180) % 360
        return True
    return False


def _cascade(work: PageWork, lines: list[Line]) -> list[Line]:
    """Weak lines re-read by RapidOCR's recognizer; the whole page only when unusable."""
    image = work.image
    if image is None:  # ocr() cascades only a page it has read
        return lines
    start = time.perf_counter()
    rapid = _engine("rapidocr", work.settings)
    timeout = work.settings.ocr_timeout_s
    if cascade.unusable(_flat(lines)):
        try:
            whole = [
                Line(words=ws)
                for line in rapid.recognize(image, timeout)
                if (ws := [w for w in line.words if _is_text(w, image.shape[0])])
            ]
        except OcrTimeoutError:
            whole = []
        work.stats.whole_page = True
        new, old = cascade.reading_score(_flat(whole)), cascade.reading_score(_flat(lines))
        decision("cascade.whole_page", tesseract_score=old, rapidocr_score=new,
                 kept="rapidocr" if new > old else "tesseract")
        if new > old:
            work.timings["cascade"] = (time.perf_counter() - start) * 1000
            work.stats.lines, work.stats.replaced = len(lines), len(whole)
            return whole
    lines, stats = cascade.refine_lines(image, lines, rapid, timeout)
    found, stats.searched = cascade.recover_missed(image, lines, rapid, timeout, work.small)
    lines += found
    stats.recovered = len(found)
    stats.whole_page = work.stats.whole_page
    work.stats = stats
    work.timings["cascade"] = (time.perf_counter() - start) * 1000
    decision("page.cascade", lines=stats.lines, reread=stats.reread, replaced=stats.replaced,
             searched=stats.searched, recovered=stats.recovered)
    return lines


def merge_text_layer(work: PageWork) -> PageWork:
    """Merge a typed overlay's words with OCR's: where both read a spot, the typed word wins."""
    if work.image is None:
        work.words = [w for line in work.raw.text_lines for w in line.words]
        return work
    layer = [
        w
        for line in work.raw.text_lines
        for w in _deskew_line(
            _onto_scan(line, work.raw), work.unrotated, work.image.shape[:2], work.skew
        )
    ]
    # The typed text is exact; OCR of the same spot (often a digit fused with the line it was
    # typed on) gives way to it.
    work.words = [o for o in work.words if not any(_overlaps(o.bbox, w.bbox) for w in layer)]
    work.words += layer
    return work


def _onto_scan(line: Line, raw: RawPage) -> Line:
    """A text-layer line (boxes relative to the page) on the scan's pixels, which need not
    fill the page exactly; before the deskew the clean-up has only scaled them."""
    if raw.image is None:
        return line
    onto_scan = np.linalg.inv(raw.to_page)
    scan = (raw.image.shape[1], raw.image.shape[0])
    return Line(words=[
        w.model_copy(update={"bbox": geometry.map_box(onto_scan, w.bbox, raw.size, scan)})
        for w in line.words
    ])  # fmt: skip


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


def find_rules(work: PageWork) -> PageWork:
    """The page's ruling lines in the words' frame: drawn in the PDF, else seen in the image
    OCR read (after its clean-up, so they lie where its words lie)."""
    work.rules = rules.from_image(work.image) if work.image is not None else work.raw.rules
    return work


PAGE_STAGES: list[Stage] = [clean_image, ocr, merge_text_layer, find_rules]


def read_page(raw: RawPage, settings: EngineSettings) -> Page:
    with context(page=raw.number):
        return _read_page(raw, settings)


def _read_page(raw: RawPage, settings: EngineSettings) -> Page:
    work = PageWork(raw=raw, settings=settings)
    status, error = "ok", None
    # The text layer's size, not its text: enough of it means no OCR (ingest decides).
    decision("page.source", source=raw.source, image=raw.image is not None,
             text_layer_chars=sum(len(line.text) for line in raw.text_lines),
             form_field_words=sum(w.source == "form_field" for line in raw.text_lines
                                  for w in line.words))
    for stage in PAGE_STAGES:
        start = time.perf_counter()
        try:
            work = stage(work)
        except OcrTimeoutError as exc:
            # This page is reported as timed out; the document's other pages go on.
            status, error, work.words = "timeout", exc.message, []
            decision("page.timeout", logging.INFO, stage=stage.__name__,
                     limit_s=settings.ocr_timeout_s)
            if stage is ocr:
                work = merge_text_layer(work)  # what the text layer holds is still known
            break
        finally:
            work.timings[stage.__name__] = (time.perf_counter() - start) * 1000
    h, w = work.image.shape[:2] if work.image is not None else raw.size[::-1]
    # Engine image -> original page: undo the clean-up, then place the raw image on its page.
    transform = raw.to_page @ np.linalg.inv(work.from_raw)
    return Page(
        number=raw.number,
        width=w,
        height=h,
        original_width=raw.size[0],
        original_height=raw.size[1],
        transform=(transform / transform[2, 2]).tolist(),
        source=raw.source,
        rotation=work.rotation,
        skew=work.skew,
        status=status,
        error=error,
        lines=group_lines(work.words),
        rules=work.rules,
        timings=work.timings,
        ocr_stats=dataclasses.asdict(work.stats),
        image=work.image,
    )


def reread_whole(page: Page, settings: EngineSettings) -> Page | None:
    """The page as RapidOCR reads all of it, in the same image frame (the orchestrator asks
    for this when Tesseract's reading, cascade and all, left the document's fields poor);
    None when there is no image to read, or the page is blank or runs out of time."""
    if page.image is None or page.source != "ocr" or page.status != "ok" or not page.words:
        return None
    start = time.perf_counter()
    try:
        lines = _lines(_engine("rapidocr", settings), page.image, settings.ocr_timeout_s)
    except OcrTimeoutError:
        return None
    stats = {**page.ocr_stats, "whole_page": True, "replaced": len(lines)}
    timings = {**page.timings, "second_reading": (time.perf_counter() - start) * 1000}
    return page.model_copy(update={"lines": group_lines(_flat(lines)), "ocr_stats": stats,
                                   "timings": timings})


def _flat_page(raw: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray, str]:
    """The page at OCR scale with even light; a photographed sheet is cut off its background
    and its keystone undone (a mixed page keeps its geometry, to match its text layer).
    Also where the raw image's pixels lie on it (geometry's frame), and how: "bilevel" (a
    fax repaired), "cropped" (a sheet found) or "whole"."""
    if source != "mixed" and preprocess.is_bilevel(raw):
        image, how = preprocess.repair_bilevel(preprocess.rescale(raw)), "bilevel"
    else:
        corners = None if source == "mixed" else preprocess.find_page(raw)
        if corners is not None:
            flat, from_raw = preprocess.crop_page(raw, corners)
            return preprocess.flatten_illumination(flat), from_raw, "cropped"
        image, how = preprocess.flatten_illumination(preprocess.rescale(raw)), "whole"
    # Only scaled (rescale, and the fax repair's own factor): the sizes say by how much.
    size = (image.shape[1], image.shape[0])
    return image, geometry.scaling((raw.shape[1], raw.shape[0]), size), how


def _engine(name: str, settings: EngineSettings) -> OcrEngine:
    return get_engine(settings.ocr_lang, name, settings.tessdata_dir)


def _lines(engine: OcrEngine, image: np.ndarray, timeout_s: float | None) -> list[Line]:
    """The engine's lines, with the junk it reads in rules and specks dropped."""
    height = image.shape[0]
    lines = []
    for line in engine.recognize(image, timeout_s):
        words = [w for w in line.words if _is_text(w, height)]
        if words:
            lines.append(Line(words=words))
    return lines


def _words(engine: OcrEngine, image: np.ndarray, timeout_s: float | None = None) -> list[Word]:
    return _flat(_lines(engine, image, timeout_s))


def _flat(lines: list[Line]) -> list[Word]:
    return [w for line in lines for w in line.words]


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


def _covered(box: BBox, words: list[Word]) -> float:
    """The share of `box` that the boxes of `words` cover (they do not overlap each other)."""
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1e-9)
    inter = 0.0
    for w in words:
        ix = min(box[2], w.bbox[2]) - max(box[0], w.bbox[0])
        iy = min(box[3], w.bbox[3]) - max(box[1], w.bbox[1])
        if ix > 0 and iy > 0:
            inter += ix * iy
    return inter / area


def _overlaps(a, b) -> bool:
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    return ix > 0 and iy > 0 and ix * iy > 0.3 * (a[2] - a[0]) * (a[3] - a[1])


def reread_regions(
    page: Page, regions: list[tuple[BBox, float]], settings: EngineSettings
) -> Page | None:
    """The page with what RapidOCR's detector and recognizer find in `regions` (relative
    boxes of its image, each with the relative height of a line there) where ink is that
    no word of the page covers: values a field's label points at that neither reading saw
    (a small hand-written number in a box). None when nothing new was found, the page has
    no image or was not OCR'd."""
    if page.image is None or page.source != "ocr" or page.status != "ok":
        return None
    h, w = page.image.shape[:2]
    near = list(page.words)
    found: list[Word] = []
    start = time.perf_counter()
    inked = [b for region, line_h in regions
             if (b := cascade.unread_ink(page.image, region, near, line_h)) is not None]
    if not inked:
        return None
    engine = _engine("rapidocr", settings)
    for box in inked:
        x0, y0 = max(int(box[0] * w), 0), max(int(box[1] * h), 0)
        x1, y1 = min(int(box[2] * w), w), min(int(box[3] * h), h)
        if x1 - x0 < 8 or y1 - y0 < 8:
            continue
        try:
            lines = engine.recognize(page.image[y0:y1, x0:x1], settings.ocr_timeout_s)
        except OcrTimeoutError:
            continue
        sx, sy = (x1 - x0) / w, (y1 - y0) / h
        for line in lines:
            words = [
                wd.model_copy(update={"bbox": (x0 / w + wd.bbox[0] * sx, y0 / h + wd.bbox[1] * sy,
                                               x0 / w + wd.bbox[2] * sx, y0 / h + wd.bbox[3] * sy)})
                for wd in line.words
            ]
            # Ink a word already covers is that word again, read from a closer crop.
            words = [wd for wd in words if _is_text(wd, h) and _covered(wd.bbox, near) < 0.3]
            words = cascade.trim_echoes(words, near)
            if words and not cascade.echoes(words, near):
                found += words
                near += words
    if not found:
        return None
    stats = {**page.ocr_stats, "blank_regions": len(inked), "blank_words": len(found)}
    timings = {**page.timings, "blank_reading": (time.perf_counter() - start) * 1000}
    return page.model_copy(update={"lines": group_lines(list(page.words) + found),
                                   "ocr_stats": stats, "timings": timings})
