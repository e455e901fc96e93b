"""Field boxes are on the page the user gave us, not on the engine's cropped, turned and
deskewed image: cut each value's box out of the ORIGINAL page (rendered here, apart from
the engine) and Tesseract (or, where it reads the crop badly, RapidOCR) reads the value's
printed text there. A box in the engine's frame fails this on every photo and deskewed
scan. Plus the transform's composition on its own, without OCR."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageOps
from rapidfuzz import fuzz
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

import medxtract
from medxtract import geometry
from medxtract.config import EngineSettings, get_settings
from medxtract.document import BBox, Line, Page, Word
from medxtract.read import preprocess
from medxtract.read.engines.rapidocr import RapidOcrEngine
from medxtract.read.engines.tesseract import TesseractEngine
from medxtract.read.ingest import RawPage, SourceDocument
from medxtract.read.read_page import read_page
from medxtract.result import ExtractionResult
from medxtract.synth import generate

from .conftest import SEED

GENERATED_SEED = 4242
# Born-digital, scanned, photographed (warped flat), typed over a scan (mixed pages), and a
# phone's HEIC photo (an image file, not a PDF; one image per page).
VARIANTS = ("clean", "scan", "photo", "overlay", "heic")
GENERATED = [f"{kind}-{v}-0000" for kind in ("prescription", "patient_details") for v in VARIANTS]
SEEDS = sorted(p.stem for p in SEED.glob("*.pdf"))
TURNED = "pre_2-turned"  # the photo of pre_2 turned a quarter, as a PNG: read upright
# Similarity (0-100, letters and digits only) between a value's printed text and what the
# engines read in its box on the original page.
MIN_SIMILARITY = 80
RAPID_DET_SIDE = 736  # RapidOCR's Det.limit_side_len (limit_type: min)


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("geometry")
    paths = {p.stem: p for p in SEED.glob("*.pdf")}
    paths |= {p.stem: p for p in generate(folder, 1, seed=GENERATED_SEED, variants=VARIANTS)}
    upright = Image.open(io.BytesIO(medxtract.render_page(SEED / "pre_2.pdf", 1)))
    paths[TURNED] = folder / f"{TURNED}.png"
    upright.rotate(90, expand=True).save(paths[TURNED])
    return paths


@pytest.fixture(scope="module")
def results(documents: dict[str, Path]) -> dict[str, ExtractionResult]:
    """Extracted once per document, on first use."""

    class Lazy(dict):
        def __missing__(self, name: str) -> ExtractionResult:
            self[name] = medxtract.extract(documents[name])
            return self[name]

    return Lazy()


@pytest.mark.parametrize(
    "name", [*SEEDS, TURNED, *(pytest.param(g, marks=pytest.mark.slow) for g in GENERATED)]
)
def test_every_value_box_holds_its_text_on_the_original_page(
    name: str, documents: dict[str, Path], results: dict[str, ExtractionResult]
) -> None:
    result = results[name]
    pages = {i.number: i for i in result.page_info}
    originals = {n: _original(documents[name], n) for n in pages}
    for n, image in originals.items():  # the frame the result says its boxes are in
        assert image.shape[::-1] == (pages[n].original_width, pages[n].original_height), name
    checked, skipped, wrong = 0, [], []
    for field, f in result.fields.items():
        if f.source == "form_field":
            skipped.append(f"{field}: a PDF form field's value (not printed on the page)")
            continue
        if f.bbox is None or f.page is None or not f.raw:
            skipped.append(f"{field}: no value box")
            continue
        # A list's items may run onto the next page: each item's box is on its own page.
        item_pages = [it.page for it in f.items] if f.items and f.item_bboxes and len(
            f.items) == len(f.item_bboxes) else []
        for k, (label, box, text) in enumerate(_boxes(field, f.bbox, f.item_bboxes, f.raw)):
            checked += 1
            read = []
            page = item_pages[k] if label != field and k < len(item_pages) else f.page
            for reading in _readings(originals[page], box, pages[page].rotation):
                read.append(reading)
                if _similarity(text, reading) >= MIN_SIMILARITY:
                    break
            else:
                wrong.append(f"{label}: printed {_norm(text)!r}, box reads {read!r}")
        for i, item in enumerate(f.items or []):  # each medicine's name and strength apart
            for part, box in (("name", item.name_bbox), ("strength", item.strength_bbox)):
                if box is None:
                    continue
                checked += 1
                text = f.value[i][part]
                read = []
                for reading in _readings(originals[item.page], box, pages[item.page].rotation):
                    read.append(reading)
                    if _similarity(text, reading) >= MIN_SIMILARITY:
                        break
                else:
                    wrong.append(f"{field}[{i}].{part}: value {text!r}, box reads {read!r}")
    assert checked >= 3, (name, skipped)  # a result with (almost) no boxes proves nothing
    assert not wrong, (name, wrong, "skipped:", skipped)


def _boxes(field: str, bbox: BBox, items: list[BBox] | None, raw: str):
    """(name, box, printed text) to check: a list field (medicines) item by item, when its
    printed text has one line per item."""
    lines = raw.split("\n")
    if items and len(items) == len(lines):
        return [(f"{field}[{i}]", b, t) for i, (b, t) in enumerate(zip(items, lines, strict=True))]
    return [(field, bbox, raw)]


def _original(path: Path, page: int) -> np.ndarray:
    """The page as the user has it: a PDF page rendered at the dpi the extraction used, an
    image file as decoded."""
    if path.suffix.lower() != ".pdf":
        image = Image.open(path)  # HEIC too: medxtract's ingest registered pillow-heif
        image.seek(page - 1)
        return np.asarray(ImageOps.exif_transpose(image).convert("L"))
    pdf = pdfium.PdfDocument(path)
    try:
        pdf.init_forms()
        scale = get_settings().engine.dpi / 72
        bitmap = pdf[page - 1].render(scale=scale, may_draw_forms=True)
        return np.asarray(bitmap.to_pil().convert("L"))
    finally:
        pdf.close()


def _readings(image: np.ndarray, box: BBox, turn: int) -> Iterator[str]:
    """What the real engines read in a relative box (with a margin of a third of its line
    height; a box narrower than three lines widened to that, as no engine reads a lone
    digit), turned as the engine turned the page: Tesseract on the crop with even light,
    then RapidOCR (where Tesseract alone reads a crop of a photo or of handwriting badly;
    the engine's own cascade uses both the same way)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    if turn in (90, 270):  # the text runs down the original page
        line_h = min(x1 - x0, 40)
        pad_x, pad_y = 4 + 0.3 * line_h, 4 + max(0.3 * line_h, (3 * line_h - (y1 - y0)) / 2)
    else:
        line_h = min(y1 - y0, 40)
        pad_x, pad_y = 4 + max(0.3 * line_h, (3 * line_h - (x1 - x0)) / 2), 4 + 0.3 * line_h
    top, left = max(0, int(y0 - pad_y)), max(0, int(x0 - pad_x))
    crop = image[top : int(y1 + pad_y) + 1, left : int(x1 + pad_x) + 1]
    if crop.size == 0:
        yield ""
        return
    crop = preprocess.turn(crop, turn)
    # Room around the text in the paper's own grey (a white frame on grey paper reads as '').
    flat = cv2.copyMakeBorder(preprocess.flatten_illumination(crop), 20, 20, 20, 20,
                              cv2.BORDER_REPLICATE)  # fmt: skip
    yield "\n".join(line.text for line in TesseractEngine.shared().recognize(flat))
    # RapidOCR's detector scales a short side up to 736 px (a 60x800 crop to 736x9800, a
    # third of a GB): give it that much paper around the crop instead.
    grow = [max(20, (RAPID_DET_SIDE - n + 1) // 2) for n in crop.shape[:2]]
    border = cv2.copyMakeBorder(crop, grow[0], grow[0], grow[1], grow[1], cv2.BORDER_REPLICATE)
    yield "\n".join(line.text for line in RapidOcrEngine.shared().recognize(border))


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _similarity(printed: str, read: str) -> float:
    """How well each printed line is found in what was read (in any order: engines order
    lines differently), weighted by length. A line is looked for in the reading (the margin
    may add a label's edge); a reading shorter than it is compared whole, so a stray
    letter cannot match."""
    got = _norm(read)
    lines = [n for line in printed.splitlines() if (n := _norm(line))]
    if not lines:
        return 100.0
    scores = [fuzz.ratio(want, got) if len(got) < len(want) else fuzz.partial_ratio(want, got)
              for want in lines]  # fmt: skip
    return sum(s * len(want) for s, want in zip(scores, lines, strict=True)) / sum(map(len, lines))


# --- the transform on its own ---


def _dot_image(w: int, h: int, at: tuple[float, float]) -> np.ndarray:
    image = np.full((h, w), 255, np.uint8)
    cv2.circle(image, (round(at[0]), round(at[1])), 6, 0, -1)
    return image


def _dot(image: np.ndarray) -> np.ndarray:
    """Centre of the dark dot (pixel centres at +0.5, as in geometry's frame)."""
    ys, xs = np.nonzero(image < 128)
    return np.array([xs.mean() + 0.5, ys.mean() + 0.5])


@pytest.mark.parametrize(("degrees", "target"), [(90, 1400), (180, 500), (270, 1400)])
def test_warp_turn_and_deskew_compose_to_where_the_point_went(degrees: int, target: int) -> None:
    """A dot on a photographed sheet goes through the real warp, turn and deskew; the
    composed homography, inverted, sends where it ended up back to where it started."""
    at = (410.0, 260.0)
    photo = _dot_image(1200, 900, at)
    corners = np.float32([[150, 100], [1050, 140], [1000, 820], [120, 780]])
    flat, warp = preprocess.crop_page(photo, corners, target=target)  # 500: shrunk first
    turned = preprocess.turn(flat, degrees)
    turn = preprocess.turn_matrix(flat.shape, degrees)
    final = preprocess.rotate(turned, 3.5)
    deskew = preprocess.rotate_matrix(turned.shape, 3.5)
    to_engine = deskew @ turn @ warp
    # Forwards: the composed matrix predicts where the dot is on the final image...
    assert np.abs(geometry.map_points(to_engine, np.array([at]))[0] - _dot(final)).max() < 1.5
    # ...and backwards (the result's transform) it lands on the original photo again.
    back = geometry.map_points(np.linalg.inv(to_engine), np.array([_dot(final)]))[0]
    assert np.abs(back - _dot(photo)).max() < 1.5


def test_box_maps_by_its_corners_clipped_and_rounded() -> None:
    quarter = preprocess.turn_matrix((200, 100), 90)  # a 100x200 image turned clockwise
    back = np.linalg.inv(quarter)  # from the turned 200x100 image to the original
    # The turned image's top-left quarter was the original's bottom-left.
    assert geometry.map_box(back, (0.0, 0.0, 0.5, 0.5), (200, 100), (100, 200)) == (
        0.0, 0.5, 0.5, 1.0,
    )  # fmt: skip
    shifted = np.array([[1.0, 0, -50], [0, 1, 0], [0, 0, 1]])
    assert geometry.map_box(shifted, (0.1, 0.1, 0.3333333, 0.2), (100, 100), (100, 100)) == (
        0.0, 0.1, 0.0, 0.2,
    )  # fmt: skip


def test_a_scan_placed_off_the_page_corner_is_placed_there() -> None:
    """A scan drawn 12 pt from the left and 20 pt from the bottom of its page (covering
    more than 90% of it, so its own pixels are read): the raw image's corners land where
    it is drawn on the page as rendered at settings.dpi."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(612, 792), invariant=1)
    scan = Image.fromarray(_dot_image(800, 1000, (100, 100)))
    c.drawImage(ImageReader(scan), 12, 20, 590, 760)
    c.showPage()
    c.save()
    settings = EngineSettings()
    raw = SourceDocument(buf.getvalue(), settings).load_page(0)
    assert raw.image is not None and raw.image.shape == (1000, 800)  # its own pixels
    k = settings.dpi / 72
    assert raw.size == (round(612 * k), round(792 * k))
    corners = geometry.map_points(raw.to_page, np.array([[0, 0], [800, 1000]]))
    top = 792 - 20 - 760  # points from the page's top to the image's
    assert corners == pytest.approx(np.array([[12, top], [602, top + 760]]) * k, abs=0.5)


def test_words_move_onto_the_original_page() -> None:
    turned = preprocess.turn_matrix((100, 200), 90)  # a 200x100 original read turned
    page = Page(
        number=1, width=100, height=200, original_width=200, original_height=100,
        transform=np.linalg.inv(turned).tolist(),
        lines=[Line(words=[Word(text="x", confidence=1.0, bbox=(0.0, 0.0, 0.5, 0.5))])],
    )  # fmt: skip
    moved = page.in_original_frame()
    assert (moved.width, moved.height) == (200, 100)
    # The engine image's top-left quarter was the original's bottom-left quarter.
    assert moved.words[0].bbox == page.to_original((0.0, 0.0, 0.5, 0.5)) == (0.0, 0.5, 0.5, 1.0)


def test_a_typed_layer_over_a_scan_smaller_than_its_page_comes_back_where_it_was() -> None:
    """A mixed page whose scan covers only part of the page: the text layer's words go
    onto the scan's pixels for merging, and the page's transform brings them back."""
    placed = np.array([[1.1, 0, 50], [0, 1.1, 100], [0, 0, 1]])  # 800x1000 scan, scaled, offset
    box = (0.3, 0.4, 0.5, 0.42)  # on the 1000x1250 page
    raw = RawPage(
        number=1, image=np.full((1000, 800), 255, np.uint8), source="mixed", size=(1000, 1250),
        to_page=placed, text_lines=[Line(words=[Word(text="Typed", confidence=1.0, bbox=box,
                                                     source="text_layer")])],
    )  # fmt: skip
    page = read_page(raw, EngineSettings(ocr_engine="tesseract"))
    (word,) = page.words
    assert word.bbox != pytest.approx(box, abs=0.01)  # the engine's frame is not the page's
    assert page.to_original(word.bbox) == pytest.approx(box, abs=0.001)
