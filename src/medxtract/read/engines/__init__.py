"""OCR engines behind one protocol, so another engine can plug in later."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from medxtract.document import BBox, Line, Word


class OcrEngine(Protocol):
    name: str

    def recognize(self, image: np.ndarray, timeout_s: float | None = None) -> list[Line]:
        """Read a greyscale uint8 image; words carry boxes relative to the image (0..1).
        Past `timeout_s` the call is cancelled with OcrTimeoutError."""
        ...


def get_engine(
    lang: str = "eng", name: str = "tesseract", datapath: Path | None = None
) -> OcrEngine:
    """The shared engine `name`; Tesseract reads `lang` from `datapath` (None: the default
    models, see `tesseract.tessdata_path`)."""
    if name == "rapidocr":
        from medxtract.read.engines.rapidocr import RapidOcrEngine

        return RapidOcrEngine.shared()
    from medxtract.read.engines.tesseract import TesseractEngine

    return TesseractEngine.shared(lang, datapath)


def reread(page_image: np.ndarray, bbox: BBox, timeout_s: float | None = None) -> list[Word]:
    """RapidOCR's recognizer on one region of a page (a field's line or box), for a caller
    that found Tesseract's reading of it wanting. `page_image` is `Page.image` (the grey
    image OCR read) and `bbox` is relative to it, as every box in a Page is. Words come
    back with boxes relative to the page."""
    from medxtract.read.cascade import crop
    from medxtract.read.engines.rapidocr import RapidOcrEngine, split_words

    region = crop(page_image, bbox)
    if region is None:
        return []
    ((text, score),) = RapidOcrEngine.shared().read_lines([region], timeout_s) or [("", 0.0)]
    return split_words(text, score, bbox)
