"""Rasterise born-digital PDFs and wrap degraded rasters as image-only PDFs."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2
from PIL import Image

# Pillow stamps "now" into the PDF by default; a fixed time keeps seeded output byte-identical.
_FIXED_TIME = time.gmtime(1_704_067_200)  # 2024-01-01


def rasterise(pdf_bytes: bytes, dpi: float) -> list[np.ndarray]:
    """Each page as an 8-bit grayscale array at `dpi`."""
    pdf = pypdfium2.PdfDocument(pdf_bytes)
    try:
        pages = []
        for page in pdf:
            bitmap = page.render(scale=dpi / 72.0, grayscale=True)
            pages.append(np.array(bitmap.to_pil().convert("L")))
        return pages
    finally:
        pdf.close()


def image_pdf(pages: list[np.ndarray], dpi: float, quality: int) -> bytes:
    """One full-page JPEG per page, no text layer (what a scanner or phone app saves)."""
    images = [Image.fromarray(p) for p in pages]
    buf = io.BytesIO()
    images[0].save(
        buf,
        "PDF",
        resolution=float(dpi),
        quality=int(quality),
        save_all=True,
        append_images=images[1:],
        creationDate=_FIXED_TIME,
        modDate=_FIXED_TIME,
    )
    return buf.getvalue()


def write_pair(out_dir: Path, stem: str, pdf_bytes: bytes, truth: dict[str, Any]) -> Path:
    """Write STEM.pdf and STEM.truth.json; returns the PDF path."""
    pdf_path = out_dir / f"{stem}.pdf"
    pdf_path.write_bytes(pdf_bytes)
    (out_dir / f"{stem}.truth.json").write_text(
        json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return pdf_path
