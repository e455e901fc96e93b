"""OCR engines behind one protocol, so another engine can plug in later."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from medxtract.document import Line


class OcrEngine(Protocol):
    name: str

    def recognize(self, image: np.ndarray) -> list[Line]:
        """Read a greyscale uint8 image; words carry boxes relative to the image (0..1)."""
        ...


def get_engine(lang: str = "eng") -> OcrEngine:
    from medxtract.read.engines.tesseract import TesseractEngine

    return TesseractEngine.shared(lang)
