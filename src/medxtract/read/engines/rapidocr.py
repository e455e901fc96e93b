"""The only module that talks to RapidOCR (PP-OCR models on onnxruntime).

Its models come from its own wheel (no download at run time). Like Tesseract it runs
single-threaded, one engine per worker process. A call past its time limit is cancelled
inside onnxruntime (RunOptions.terminate), not abandoned in a thread.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import cv2
import numpy as np

from medxtract.document import Line, Word
from medxtract.errors import OcrEngineError, OcrTimeoutError

try:
    import onnxruntime as ort
    import rapidocr
    from rapidocr import RapidOCR
    from rapidocr.ch_ppocr_rec import TextRecInput
except ImportError as exc:  # pragma: no cover - both are hard dependencies
    raise OcrEngineError(f"RapidOCR is not installed: {exc}") from exc

_PARAMS = {
    "Global.log_level": "error",
    "Global.use_cls": False,  # pages reach it upright; lines are cropped from upright pages
    # One line per run: batches pad every line to the widest and measured several times
    # slower per line on one thread.
    "Rec.rec_batch_num": 1,
    # Detection at most 1280 px on the long side: a 200 dpi page (2200 px) at full size
    # took ~550 MB more at peak, past a worker's memory cap. Lines are still read from
    # the full-size page.
    "Det.limit_type": "max",
    "Det.limit_side_len": 1280,
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
}
_LABEL_COLON = re.compile(r"(?<=[A-Za-z]):(?=[A-Za-z0-9])")
_MODELS = Path(rapidocr.__file__).parent / "models"


class _Cancellable:
    """An onnxruntime session whose runs a timer can stop (RunOptions.terminate)."""

    def __init__(self, session: ort.InferenceSession) -> None:
        self._session = session
        self.options = ort.RunOptions()

    def run(self, names, feeds, run_options=None):
        return self._session.run(names, feeds, run_options=self.options)

    def __getattr__(self, name: str):
        return getattr(self._session, name)


class RapidOcrEngine:
    name = "rapidocr"
    _instances: dict[int, RapidOcrEngine] = {}

    def __init__(self) -> None:
        det, rec = sorted(_MODELS.glob("*_det_*.onnx")), sorted(_MODELS.glob("*_rec_*.onnx"))
        if not det or not rec:
            raise OcrEngineError(f"RapidOCR's models are missing from {_MODELS}")
        # Explicit paths: RapidOCR then never looks for (or downloads) other models.
        paths = {"Det.model_path": str(det[-1]), "Rec.model_path": str(rec[-1])}
        try:
            self._ocr = RapidOCR(params={**_PARAMS, **paths})
            parts = (self._ocr._load_det_model(), self._ocr._load_rec_model())
            self._rec = parts[1]
        except Exception as exc:  # noqa: BLE001 - any load failure is an engine error
            raise OcrEngineError(f"cannot load RapidOCR: {exc}") from exc
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        self._sessions = []
        for part in parts:
            wrapped = _Cancellable(part.session.session)
            part.session.session = wrapped
            self._sessions.append(wrapped)
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> RapidOcrEngine:
        """One engine per process and thread (loading the models costs ~0.3 s)."""
        key = threading.get_ident()
        if key not in cls._instances:
            cls._instances[key] = cls()
        return cls._instances[key]

    def recognize(self, image: np.ndarray, timeout_s: float | None = None) -> list[Line]:
        """Detect and read every text line of a page (greyscale uint8)."""
        h, w = image.shape[:2]
        out = self._run(timeout_s, lambda: self._ocr(image, use_det=True, use_cls=False))
        if out.boxes is None or out.txts is None:
            return []
        lines = []
        for quad, text, score in zip(out.boxes, out.txts, out.scores, strict=False):
            xs, ys = quad[:, 0], quad[:, 1]
            box = (xs.min() / w, ys.min() / h, xs.max() / w, ys.max() / h)
            words = split_words(text, float(score), box)
            if words:
                lines.append(Line(words=words))
        return lines

    def read_lines(
        self, crops: list[np.ndarray], timeout_s: float | None = None
    ) -> list[tuple[str, float]]:
        """The recognizer alone on cropped text lines: (text, confidence) for each."""
        if not crops:
            return []
        bgr = [cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) if c.ndim == 2 else c for c in crops]
        out = self._run(timeout_s, lambda: self._rec(TextRecInput(img=bgr)))
        return [(t, float(s)) for t, s in zip(out.txts or (), out.scores, strict=False)]

    def _run(self, timeout_s: float | None, call):
        with self._lock:
            for s in self._sessions:
                s.options.terminate = False
            timer = None
            if timeout_s:
                timer = threading.Timer(timeout_s, self._cancel)
                timer.daemon = True
                timer.start()
            try:
                return call()
            except Exception as exc:  # noqa: BLE001 - map every failure to ours
                if any(s.options.terminate for s in self._sessions):
                    message = f"RapidOCR ran out of time (limit {timeout_s:g} s)"
                    raise OcrTimeoutError(message) from exc
                raise OcrEngineError(f"RapidOCR failed: {type(exc).__name__}") from exc
            finally:
                if timer is not None:
                    timer.cancel()

    def _cancel(self) -> None:
        for s in self._sessions:
            s.options.terminate = True


def split_words(text: str, confidence: float, box: tuple[float, float, float, float]):
    """A line's text as words, boxes shared out along the line by character count."""
    # RapidOCR often drops the space after a label's colon ("Patient:Joel"): put it back.
    text = _LABEL_COLON.sub(": ", text)
    x0, y0, x1, y1 = box
    n = max(len(text), 1)
    words, pos = [], 0
    for token in text.split():
        start = text.index(token, pos)
        pos = start + len(token)
        bbox = (x0 + (x1 - x0) * start / n, y0, x0 + (x1 - x0) * pos / n, y1)
        conf = min(max(confidence, 0.0), 1.0)
        words.append(Word(text=token, confidence=conf, bbox=bbox, engine="rapidocr"))
    return words
