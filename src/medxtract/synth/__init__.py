"""Synthetic medical forms with ground truth, for measuring extraction on unseen layouts.

`generate()` writes NAME.pdf + NAME.truth.json pairs (truth format: samples/README.md);
`generate_one()` builds a single document in memory.

Variants: `clean` (born-digital text), `scan` and `photo` (image-only PDFs), and `overlay`:
the blank form scanned, with the values typed over the page image as a text layer, as
when someone fills in a scanned form in a PDF editor (ingest reads those pages as "mixed").
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from medxtract.synth import degrade, layout_patient_details, layout_prescription, writer
from medxtract.synth.style import TypedText

KINDS = ("prescription", "patient_details")
VARIANTS = ("clean", "scan", "photo", "overlay")

Builder = Callable[[random.Random, list[TypedText] | None], tuple[bytes, dict[str, Any]]]
_BUILDERS: dict[str, Builder] = {
    "prescription": layout_prescription.build,
    "patient_details": layout_patient_details.build,
}


def generate_one(kind: str, variant: str, rng: random.Random) -> tuple[bytes, dict[str, Any]]:
    """One document as (pdf_bytes, truth_dict); all randomness comes from `rng`."""
    if kind not in _BUILDERS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    if variant == "overlay":
        return _overlay(kind, rng)
    pdf_bytes, truth = _BUILDERS[kind](rng, None)
    if variant == "clean":
        return pdf_bytes, truth
    nrng = np.random.default_rng(rng.getrandbits(64))
    if variant == "scan":
        dpi = rng.choice((200, 240, 300))
        pages = [degrade.scan(p, nrng) for p in writer.rasterise(pdf_bytes, dpi)]
    else:
        # Photos: long side about 1800-3000 px (page plus the table around it).
        dpi = rng.uniform(1650, 2600) / (max(_page_size(pdf_bytes)) / 72.0)
        pages = [degrade.photo(p, nrng) for p in writer.rasterise(pdf_bytes, dpi)]
    return writer.image_pdf(pages, dpi, rng.randint(60, 85)), truth


def generate(
    out_dir: Path,
    count: int,
    *,
    seed: int = 0,
    kinds: Iterable[str] = KINDS,
    variants: Iterable[str] = VARIANTS,
) -> list[Path]:
    """Write `count` documents per (kind, variant), e.g. prescription-scan-0003.pdf plus
    prescription-scan-0003.truth.json; returns the PDF paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for kind in kinds:
        for variant in variants:
            for i in range(count):
                # A string seed per document: stable across runs and independent of which
                # other kinds/variants/counts were asked for.
                rng = random.Random(f"{seed}:{kind}:{variant}:{i}")
                pdf_bytes, truth = generate_one(kind, variant, rng)
                paths.append(
                    writer.write_pair(out_dir, f"{kind}-{variant}-{i:04d}", pdf_bytes, truth)
                )
    return paths


def _overlay(kind: str, rng: random.Random) -> tuple[bytes, dict[str, Any]]:
    """The blank form (labels, rules, headings) scanned; the values typed over it."""
    typed: list[TypedText] = []
    blank, truth = _BUILDERS[kind](rng, typed)
    nrng = np.random.default_rng(rng.getrandbits(64))
    dpi = rng.choice((200, 240, 300))
    pw, ph = _page_size(blank)
    k = dpi / 72.0
    pages: list[np.ndarray] = []
    placed: list[TypedText] = []
    for i, gray in enumerate(writer.rasterise(blank, dpi)):
        image, m = degrade.scan_with_transform(gray, nrng)
        pages.append(image)
        # Whoever typed the values put them on the field as it shows on the skewed scan:
        # move each baseline start as the scan moved the paper (the text stays level).
        for t in typed:
            if t.page == i:
                x, y = m @ np.array([t.x * k, (ph - t.y) * k, 1.0])
                placed.append(replace(t, x=float(x) / k, y=ph - float(y) / k))
    return writer.overlay_pdf(pages, rng.randint(60, 85), (pw, ph), placed), truth


def _page_size(pdf_bytes: bytes) -> tuple[float, float]:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(pdf_bytes)
    try:
        return pdf[0].get_size()
    finally:
        pdf.close()


__all__ = ["KINDS", "VARIANTS", "generate", "generate_one"]
