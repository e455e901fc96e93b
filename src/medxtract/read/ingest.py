"""Ingest: bytes in, pages out, each either text-layer words or an image to OCR.

Decides per page whether the born-digital text layer can be trusted, and extracts a
scanned page's embedded image at its native resolution instead of re-rendering it.
"""

from __future__ import annotations

import contextlib
import io
import math
import statistics
from dataclasses import dataclass, field

import numpy as np
import pillow_heif
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import ExifTags, Image, ImageOps, ImageSequence

from medxtract import geometry
from medxtract.config import EngineSettings
from medxtract.document import BBox, Line, Word
from medxtract.errors import (
    CorruptInputError,
    EmptyInputError,
    EncryptedInputError,
    InputTooLargeError,
    InvalidImageError,
    UnsupportedInputError,
)
from medxtract.read import rules
from medxtract.read.forms import form_words
from medxtract.read.limits import check_document
from medxtract.read.sniff import sniff

# A text layer with fewer characters than this is a scanner's stray OCR or a stamp.
MIN_TEXT_CHARS = 40
# An image covering this share of the page means the content is (also) in pixels.
IMAGE_COVER = 0.5

Image.MAX_IMAGE_PIXELS = None  # we check sizes ourselves, with a clear error
# HEIC/HEIF photos open like any image; pillow-heif applies their EXIF orientation itself.
pillow_heif.register_heif_opener()


@dataclass
class RawPage:
    number: int
    image: np.ndarray | None = None  # greyscale uint8, when the page must be OCR'd
    text_lines: list[Line] = field(default_factory=list)
    rules: list[BBox] = field(default_factory=list)  # a text-layer page's drawn rules
    source: str = "ocr"  # text_layer | ocr | mixed
    # The original page: a PDF page rendered at settings.dpi, an image file decoded in full
    # (EXIF turn applied). Its (width, height) in pixels, and where `image`'s pixels lie on
    # it (geometry's frame): an embedded scan placed on its page, a JPEG decoded reduced.
    size: tuple[int, int] = (0, 0)
    to_page: np.ndarray = field(default_factory=geometry.identity)

    def __post_init__(self) -> None:
        if self.size == (0, 0) and self.image is not None:  # the image is the page
            self.size = (self.image.shape[1], self.image.shape[0])


class SourceDocument:
    """An opened input; pages are loaded one at a time so workers can share the work."""

    def __init__(self, data: bytes, settings: EngineSettings) -> None:
        self.settings = settings
        if not data:
            raise EmptyInputError("the file is empty (0 bytes)")
        if len(data) > settings.max_upload_bytes:
            raise InputTooLargeError(
                f"the file is {len(data) / 1e6:.1f} MB; the limit is "
                f"{settings.max_upload_bytes / 1e6:.0f} MB"
            )
        self.kind = sniff(data)
        if self.kind is None:
            raise UnsupportedInputError(
                "not a PDF or image (PNG, JPEG, TIFF, BMP, WebP, HEIC): content not recognised"
            )
        check_document(data, self.kind, settings)  # before anything is decoded
        self._data = data
        self._pdf: pdfium.PdfDocument | None = None
        self._frames: list[Image.Image] = []
        self._full_size: tuple[int, int] | None = None  # a JPEG decoded reduced, in full
        if self.kind == "pdf":
            self._open_pdf()
        else:
            self._open_image()
        if self.page_count == 0:
            raise EmptyInputError("the document has no pages")
        if self.page_count > settings.max_pages:
            raise InputTooLargeError(
                f"the document has {self.page_count} pages; the limit is {settings.max_pages}"
            )

    # --- opening ---
    def _open_pdf(self) -> None:
        try:
            self._pdf = pdfium.PdfDocument(self._data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise EncryptedInputError("the PDF is encrypted (password protected)") from exc
            raise CorruptInputError(f"the PDF is damaged or truncated ({exc})") from exc
        # Needed to read filled form widgets and to draw them when rendering; a broken
        # form still leaves the page content readable.
        with contextlib.suppress(pdfium.PdfiumError):
            self._pdf.init_forms()
        self.page_count = len(self._pdf)

    def _open_image(self) -> None:
        if self.kind == "png" and len(self._data) >= 24:
            # PIL refuses a 0x0 PNG with a vague message; read the header ourselves.
            self._check_pixels(int.from_bytes(self._data[16:20]), int.from_bytes(self._data[20:24]))
        try:
            img: Image.Image = Image.open(io.BytesIO(self._data))
            self._check_pixels(img.width, img.height)
            full = img.size
            img = _draft_for_ocr(img)  # a phone's 12 Mpx JPEG need not be decoded in full
            if img.size != full:
                quarter = img.getexif().get(ExifTags.Base.Orientation) in (5, 6, 7, 8)
                self._full_size = full[::-1] if quarter else full
            self._frames = [ImageOps.exif_transpose(f.copy()) for f in ImageSequence.Iterator(img)]
        except (OSError, SyntaxError, ValueError) as exc:
            raise InvalidImageError(f"the image cannot be decoded ({exc})") from exc
        self.page_count = len(self._frames)

    def _check_pixels(self, w: int, h: int) -> None:
        if w <= 0 or h <= 0:
            raise InvalidImageError(f"the image is {w}x{h} pixels: nothing to read")
        if w * h > self.settings.max_pixels:
            raise InputTooLargeError(
                f"a page image is {w}x{h} = {w * h / 1e6:.0f} Mpx; the limit is "
                f"{self.settings.max_pixels / 1e6:.0f} Mpx"
            )

    # --- pages ---
    def load_page(self, index: int) -> RawPage:
        if self._pdf is None:
            image = _grey(self._frames[index])
            decoded = (image.shape[1], image.shape[0])
            full = self._full_size or decoded
            to_page = geometry.scaling(decoded, full)
            return RawPage(number=index + 1, image=image, size=full, to_page=to_page)
        return self._load_pdf_page(self._pdf, index)

    def _load_pdf_page(self, pdf: pdfium.PdfDocument, index: int) -> RawPage:
        try:
            page = pdf[index]
        except pdfium.PdfiumError as exc:
            raise CorruptInputError(f"page {index + 1} cannot be read ({exc})") from exc
        pw, ph = page.get_size()
        if pw <= 0 or ph <= 0:
            raise CorruptInputError(f"page {index + 1} has no size")
        images = [o for o in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2)]
        cover = max((_area(o.get_bounds(), pw, ph) for o in images), default=0.0)
        filled = form_words(pdf, page, pw, ph)
        lines = group_lines(_under_values(_text_layer_words(page, pw, ph), filled) + filled)
        n_chars = sum(len(line.text) for line in lines)
        size = self._render_size(pw, ph)
        if n_chars >= MIN_TEXT_CHARS and cover < IMAGE_COVER:
            return RawPage(number=index + 1, text_lines=lines, source="text_layer", size=size,
                           rules=rules.from_pdf(page, pw, ph))
        image, to_page = self._page_image(page, images, cover, pw, ph)
        raw = RawPage(number=index + 1, image=image, size=size, to_page=to_page)
        if filled or (n_chars and _typed(page)):
            # A typed overlay or filled form on a scan: OCR it and merge the layer in.
            raw.text_lines, raw.source = lines, "mixed"
        # Else no layer, or a scanner's invisible OCR layer: our own OCR reads the page.
        return raw

    def render(self, index: int) -> np.ndarray:
        """The original page as pixels whatever its source: a PDF page rendered at
        settings.dpi (typed overlays and form values drawn), an image as decoded."""
        if self._pdf is None:
            return _grey(self._frames[index])
        page = self._pdf[index]
        pw, ph = page.get_size()
        return self._page_image(page, [], 0.0, pw, ph)[0]

    def _page_image(
        self, page, images, cover: float, pw: float, ph: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The page's pixels and where they lie on the page rendered at settings.dpi."""
        dpi = self.settings.dpi / 72
        if len(images) == 1 and cover > 0.9 and page.get_rotation() == 0:
            obj = images[0]
            w, h = obj.get_px_size()
            self._check_pixels(w, h)
            try:
                if obj.get_filters() == ["DCTDecode"]:
                    image = _jpeg_grey(bytes(obj.get_data(decode_simple=False)))
                else:
                    image = _grey(obj.get_bitmap(render=False).to_pil())
                return image, _placement(obj, image.shape, pw, ph, dpi)
            except (pdfium.PdfiumError, OSError, ValueError):
                pass  # odd colour spaces or masks: fall back to rendering the page
        self._check_pixels(int(pw * dpi), int(ph * dpi))
        bitmap = page.render(scale=dpi, grayscale=True, may_draw_forms=True)
        image = _grey(bitmap.to_pil())
        return image, geometry.scaling((image.shape[1], image.shape[0]), self._render_size(pw, ph))

    def _render_size(self, pw: float, ph: float) -> tuple[int, int]:
        """Pixels of a page of `pw` x `ph` points rendered at settings.dpi (as pypdfium2
        sizes its bitmap): the original page's frame."""
        scale = self.settings.dpi / 72
        return math.ceil(pw * scale), math.ceil(ph * scale)


def _placement(obj, shape: tuple[int, ...], pw: float, ph: float, dpi: float) -> np.ndarray:
    """Where an image object's pixels (decoded as `shape`) lie on its page rendered at
    `dpi` (pixels per point). PDF draws an image's unit square through the object's matrix,
    its first row of pixels at the top (v = 1); pages count y upwards from the bottom."""
    h, w = shape[:2]
    a, b, c, d, e, f = obj.get_matrix().get()
    unit = np.diag([1 / w, -1 / h, 1.0]) + np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]])
    place = np.array([[a, c, e], [b, d, f], [0, 0, 1]], np.float64)
    to_pixels = np.array([[dpi, 0, 0], [0, -dpi, ph * dpi], [0, 0, 1]], np.float64)
    matrix: np.ndarray = to_pixels @ place @ unit
    left, bottom, right, top = obj.get_bounds()
    corners = geometry.map_points(matrix, np.array([[0, 0], [w, h]]))
    expected = np.array([[left, ph - top], [right, ph - bottom]]) * dpi
    if np.abs(np.sort(corners, axis=0) - expected).max() > 2 * dpi:
        # Not placed by its own matrix alone (drawn inside a form XObject): its bounds.
        return np.array([[(right - left) * dpi / w, 0, left * dpi],
                         [0, (top - bottom) * dpi / h, (ph - top) * dpi], [0, 0, 1]])  # fmt: skip
    return matrix


def _under_values(layer: list[Word], filled: list[Word]) -> list[Word]:
    """Drop the blanks ('____', '.....') a filled value is written over: they would split
    the value's words apart when the line is read left to right."""

    def blank_under(w: Word) -> bool:
        if w.text.strip("_.") or not filled:
            return False
        return any(
            min(w.bbox[2], f.bbox[2]) > max(w.bbox[0], f.bbox[0])
            and min(w.bbox[3], f.bbox[3]) > max(w.bbox[1], f.bbox[1])
            for f in filled
        )

    return [w for w in layer if not blank_under(w)]


def _typed(page: pdfium.PdfPage) -> bool:
    """Some text on the page is drawn visibly (typed over the image), not only the
    invisible text a scanner's OCR lays under its picture."""
    invisible = pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE
    return any(
        pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) != invisible
        for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,), max_depth=2)
    )


def _area(bounds: tuple[float, float, float, float], pw: float, ph: float) -> float:
    left, bottom, right, top = bounds
    w = max(0.0, min(right, pw) - max(left, 0.0))
    h = max(0.0, min(top, ph) - max(bottom, 0.0))
    return (w * h) / (pw * ph)


def _jpeg_grey(data: bytes) -> np.ndarray:
    return _grey(_draft_for_ocr(Image.open(io.BytesIO(data))))


def _draft_for_ocr(img: Image.Image) -> Image.Image:
    """Have a JPEG decode straight to grey at a reduced scale (libjpeg's DCT scaling):
    several times faster than a full-size colour decode we would shrink anyway."""
    from medxtract.read.preprocess import TARGET_LONG_SIDE

    if img.format == "JPEG":
        ratio = 0.9 * TARGET_LONG_SIDE / max(img.size)
        img.draft("L", (int(img.width * ratio), int(img.height * ratio)))
    return img


def _grey(img: Image.Image) -> np.ndarray:
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
    if img.mode == "RGB":
        img = img.convert("L")
    return np.asarray(img, dtype=np.uint8)


def _text_layer_words(page: pdfium.PdfPage, pw: float, ph: float) -> list[Word]:
    """Words from the text layer, via pdfium's text runs (few calls, so it stays fast)."""
    textpage = page.get_textpage()
    runs: list[tuple[str, float, float, float, float]] = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = textpage.get_text_bounded(left, bottom, right, top).strip()
        if text:
            runs.append((text, left, ph - top, right, ph - bottom))
    return _runs_to_words(runs, pw, ph)


def _runs_to_words(runs, pw: float, ph: float) -> list[Word]:
    """Split runs into words, boxes by character share."""
    words: list[Word] = []
    for text, x0, y0, x1, y1 in runs:
        n = max(len(text), 1)
        pos = 0
        for token in text.split():
            start = text.index(token, pos)
            pos = start + len(token)
            wx0 = x0 + (x1 - x0) * start / n
            wx1 = x0 + (x1 - x0) * pos / n
            words.append(
                Word(
                    text=token,
                    confidence=1.0,
                    bbox=(wx0 / pw, y0 / ph, wx1 / pw, y1 / ph),
                    source="text_layer",
                )
            )
    return words


def group_lines(words: list[Word]) -> list[Line]:
    """Words chained left to right into lines: a word joins the line whose course, followed
    from its last word, passes within half a line height of the word's centre.

    Following each line's own slope keeps a tilted line whole where the page curls (lines
    tilt more towards the bottom of a rescan) or one skew angle does not fit the page; a
    level page groups exactly as by height alone."""
    runs: list[_Run] = []
    for w in sorted(words, key=lambda w: (w.bbox[0], w.bbox[1])):
        cy, hgt, cx = _cy(w), w.bbox[3] - w.bbox[1], (w.bbox[0] + w.bbox[2]) / 2
        best, best_dy = None, 0.0
        for run in runs:
            last = run.words[-1]
            if last.bbox[0] >= w.bbox[0]:
                continue
            reach = 0.5 * max(hgt, last.bbox[3] - last.bbox[1])
            if abs(cy - _cy(last)) > reach + MAX_SLOPE * (cx - run.last_x):
                continue  # cannot be within reach whatever the run's slope
            dy = abs(cy - run.course(cx))
            if dy < reach and (best is None or dy < best_dy):
                best, best_dy = run, dy
        if best is None:
            runs.append(_Run(w))
        else:
            best.add(w)
    runs.sort(key=lambda r: (_cy(r.words[0]), r.words[0].bbox[0]))
    out = []
    for run in runs:
        out.extend(_split_on_gaps(run.words))
    return out


# A line's course is taken as level until it has this many words spanning this many of
# its letter heights, and its slope (page-relative units) is capped.
SLOPE_WORDS = 3
SLOPE_SPAN = 5.0
MAX_SLOPE = 0.12


def _cy(w: Word) -> float:
    return (w.bbox[1] + w.bbox[3]) / 2


class _Run:
    """A line being built, with running sums for a least-squares fit of its word centres
    (two words' centres alone differ by a descender)."""

    def __init__(self, first: Word) -> None:
        self.words: list[Word] = []
        self.n = self.sx = self.sy = self.sxx = self.sxy = self.sh = 0.0
        self.first_x = self.last_x = (first.bbox[0] + first.bbox[2]) / 2
        self.add(first)

    def add(self, w: Word) -> None:
        x, y = (w.bbox[0] + w.bbox[2]) / 2, _cy(w)
        self.words.append(w)
        self.n += 1
        self.sx, self.sy = self.sx + x, self.sy + y
        self.sxx, self.sxy = self.sxx + x * x, self.sxy + x * y
        self.sh += w.bbox[3] - w.bbox[1]
        self.last_x = x

    def course(self, x: float) -> float:
        """Where the line's centre runs at `x`: from its last word along its slope."""
        y = _cy(self.words[-1])
        if self.n < SLOPE_WORDS or self.last_x - self.first_x <= SLOPE_SPAN * self.sh / self.n:
            return y
        denom = self.n * self.sxx - self.sx * self.sx
        slope = (self.n * self.sxy - self.sx * self.sy) / denom if denom > 0 else 0.0
        return y + max(-MAX_SLOPE, min(MAX_SLOPE, slope)) * (x - self.last_x)


def _split_on_gaps(words: list[Word]) -> list[Line]:
    """A wide horizontal gap separates two columns: make them two lines, as OCR does."""
    # A hyphen or a dot is only a few pixels tall, and six of those is less than a space:
    # after one, measure the gap against the line's letter height instead.
    letters = [w for w in words if any(c.isalnum() for c in w.text)] or words
    typical = statistics.median(w.bbox[3] - w.bbox[1] for w in letters)
    parts: list[list[Word]] = [[words[0]]]
    for prev, w in zip(words, words[1:], strict=False):
        own = prev.bbox[3] - prev.bbox[1]
        height = max(own if any(c.isalnum() for c in prev.text) else typical, 1e-6)
        # A filled form value belongs to the label before it, however far away its box.
        joins_label = w.source == "form_field" and prev.source != "form_field"
        if w.bbox[0] - prev.bbox[2] > 6 * height and not joins_label:
            parts.append([w])
        else:
            parts[-1].append(w)
    return [Line(words=p) for p in parts]
