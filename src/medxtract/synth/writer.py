"""Rasterise born-digital PDFs and wrap degraded rasters as image-only PDFs (or, for the
overlay variant, as page images with typed text over them)."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pypdfium2
from PIL import Image

if TYPE_CHECKING:
    from medxtract.synth.style import TypedText

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


def image_pdf(pages: list[np.ndarray], dpi: float, quality: int, bilevel: bool = False) -> bytes:
    """One full-page JPEG per page, no text layer (what a scanner or phone app saves);
    `bilevel` pages (a fax) are stored as 1-bit images instead."""
    images = [Image.fromarray(p) for p in pages]
    if bilevel:
        images = [im.convert("1", dither=Image.Dither.NONE) for im in images]
    buf = io.BytesIO()
    extra = {} if bilevel else {"quality": int(quality)}  # 1-bit pages go CCITT G4
    images[0].save(
        buf,
        "PDF",
        resolution=float(dpi),
        **extra,
        save_all=True,
        append_images=images[1:],
        creationDate=_FIXED_TIME,
        modDate=_FIXED_TIME,
    )
    return buf.getvalue()


def overlay_pdf(
    pages: list[np.ndarray],
    quality: int,
    page_size: tuple[float, float],
    typed: Iterable[TypedText],
) -> bytes:
    """Each page a full-page JPEG with `typed` drawn over it as real, visible PDF text: a
    scanned blank form filled in with a PDF editor. Pages keep the form's size in points."""
    from reportlab import rl_config
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    typed = list(typed)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=page_size, invariant=1)
    saved = rl_config.useA85
    rl_config.useA85 = 0  # embed the JPEG as it is (plain DCTDecode), as editors do
    try:
        for i, page in enumerate(pages):
            jpeg = io.BytesIO()
            Image.fromarray(page).save(jpeg, "JPEG", quality=int(quality))
            c.drawImage(ImageReader(jpeg), 0, 0, width=page_size[0], height=page_size[1])
            c.setFillGray(0)
            for t in typed:
                if t.page == i:
                    c.setFont(t.font, t.size)
                    c.drawString(t.x, t.y, t.text)
            c.showPage()
        c.save()
    finally:
        rl_config.useA85 = saved
    return buf.getvalue()


def heic(pages: list[np.ndarray], quality: int) -> bytes:
    """Pages as an iPhone-style HEIC (one image per page), via pillow-heif."""
    import pillow_heif

    images = [Image.fromarray(p) for p in pages]
    heif = pillow_heif.from_pillow(images[0])
    for im in images[1:]:
        heif.add_from_pillow(im)
    buf = io.BytesIO()
    # ultrafast: the look of a phone HEIC at a fraction of the default encoding time
    heif.save(buf, quality=int(quality), enc_params={"preset": "ultrafast"})
    return buf.getvalue()


def write_pair(
    out_dir: Path, stem: str, pdf_bytes: bytes, truth: dict[str, Any], suffix: str = ".pdf"
) -> Path:
    """Write STEM.pdf (or STEM + suffix) and STEM.truth.json; returns the document's path."""
    pdf_path = out_dir / f"{stem}{suffix}"
    pdf_path.write_bytes(pdf_bytes)
    (out_dir / f"{stem}.truth.json").write_text(
        json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return pdf_path
