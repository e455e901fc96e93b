"""Synthetic medical forms with ground truth, for measuring extraction on unseen layouts.

`generate()` writes NAME.pdf + NAME.truth.json pairs (truth format: samples/README.md);
`generate_one()` builds a single document in memory.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from medxtract.synth import degrade, layout_patient_details, layout_prescription, writer

KINDS = ("prescription", "patient_details")
VARIANTS = ("clean", "scan", "photo")

_BUILDERS: dict[str, Callable[[random.Random], tuple[bytes, dict[str, Any]]]] = {
    "prescription": layout_prescription.build,
    "patient_details": layout_patient_details.build,
}


def generate_one(kind: str, variant: str, rng: random.Random) -> tuple[bytes, dict[str, Any]]:
    """One document as (pdf_bytes, truth_dict); all randomness comes from `rng`."""
    if kind not in _BUILDERS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    pdf_bytes, truth = _BUILDERS[kind](rng)
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


def _page_size(pdf_bytes: bytes) -> tuple[float, float]:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(pdf_bytes)
    try:
        return pdf[0].get_size()
    finally:
        pdf.close()


__all__ = ["KINDS", "VARIANTS", "generate", "generate_one"]
