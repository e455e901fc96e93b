"""Synthetic medical forms with ground truth, for measuring extraction on unseen layouts.

`generate()` writes NAME.pdf (NAME.heic for the heic variant) + NAME.truth.json pairs
(truth format: samples/README.md, plus a "meta" key the evaluation ignores);
`generate_one()` builds a single document in memory.

Families (layouts, see manifest.FAMILIES and docs/synth.md) vary internally; wordings come
from a bank in which about a quarter are held out. Variants: `clean` (born-digital text),
`scan`, `photo`, `overlay` (the blank form scanned, values typed over it as a text layer),
`fax` (1-bit, ~200 dpi, transmit header), `handwriting` (values in handwriting faces, then
scanned), `curl` (page curl, re-scanned) and `heic` (an iPhone-like photo as HEIC).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from medxtract.synth import (
    degrade,
    layout_patient_details,
    layout_prescription,
    manifest,
    negatives,
    pd_boxed_intake,
    pd_captions_under,
    pd_insurance_claim,
    pd_new_patient,
    pd_registration_grid,
    people,
    rx_clinic_pad,
    rx_discharge_table,
    rx_eprescription,
    rx_hospital_chart,
    rx_us_card,
    writer,
)
from medxtract.synth.manifest import FAMILIES, Words
from medxtract.synth.style import Hand, TypedText

KINDS = ("prescription", "patient_details")
ALL_KINDS = (*KINDS, "negative")
VARIANTS = ("clean", "scan", "photo", "overlay", "fax", "handwriting", "curl", "heic")
# "seed": the seed samples' own layouts and wordings only (what the generator made before it
# had families), for regression tests whose rules were written on those samples.
SPLITS = ("all", "dev", "heldout", "seed")

Builder = Callable[..., tuple[bytes, dict[str, Any]]]
_FORMS: dict[str, Builder] = {
    "rx_sample": layout_prescription.build,
    "rx_clinic_pad": rx_clinic_pad.build,
    "rx_discharge_table": rx_discharge_table.build,
    "rx_eprescription": rx_eprescription.build,
    "rx_us_card": rx_us_card.build,
    "rx_hospital_chart": rx_hospital_chart.build,
    "pd_sample": layout_patient_details.build,
    "pd_boxed_intake": pd_boxed_intake.build,
    "pd_captions_under": pd_captions_under.build,
    "pd_new_patient": pd_new_patient.build,
    "pd_registration_grid": pd_registration_grid.build,
    "pd_insurance_claim": pd_insurance_claim.build,
}
# The families the seed samples were copied from (what the generator made before families).
SAMPLE_FAMILIES = {"prescription": "rx_sample", "patient_details": "pd_sample"}


def suffix(variant: str) -> str:
    return ".heic" if variant == "heic" else ".pdf"


def pick_family(kind: str, rng: random.Random, split: str = "all") -> str:
    """A family of `kind` a `split` document may use."""
    allowed = manifest.families(kind, split)
    if split == "heldout" and (kind == "negative" or rng.random() < 0.5):
        # Half the held-out documents use a held-out family, half held-out wordings
        # (negatives draw on few wordings, so theirs all come from held-out families).
        allowed = [f for f in allowed if FAMILIES[f][1]] or allowed
    return rng.choice(allowed)


def generate_one(
    kind: str,
    variant: str,
    rng: random.Random,
    *,
    family: str | None = None,
    split: str = "all",
) -> tuple[bytes, dict[str, Any]]:
    """One document as (file bytes, truth dict); all randomness comes from `rng`.

    kind: prescription | patient_details | negative; family: a manifest family id (default:
    drawn among those `split` allows); split: all | dev | heldout | seed."""
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {ALL_KINDS}")
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; expected one of {VARIANTS}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    if split == "all":
        # Half dev-like, half held-out-like documents (a family given decides for itself).
        split = (
            "heldout"
            if (family and FAMILIES.get(family, ("", False))[1])
            else (rng.choice(("dev", "heldout")))
        )
    if split == "seed":
        sample = SAMPLE_FAMILIES.get(kind) or rng.choice(sorted(SAMPLE_FAMILIES.values()))
        allowed = (
            {sample} if kind != "negative" else {f"blank_{f}" for f in SAMPLE_FAMILIES.values()}
        )
        if family is not None and family not in allowed:
            raise ValueError(f"split 'seed' has only the families {sorted(allowed)}")
        family = family or (sample if kind != "negative" else f"blank_{sample}")
    if family is None:
        family = pick_family(kind, rng, split)
    elif FAMILIES.get(family, ("",))[0] != kind:
        raise ValueError(f"family {family!r} is not a {kind} family; see synth.manifest")
    held_family = FAMILIES[family][1]
    if split == "dev" and held_family:
        raise ValueError(f"family {family!r} is held out; it has no dev documents")
    mode = "dev" if split == "dev" else "any" if held_family else "heldout"
    words = Words(rng, mode)
    builder = _builder(family)
    hand = Hand(rng) if variant == "handwriting" else None

    # No wording bank for "seed" documents: the sample families use their own wordings.
    data, truth = _render(builder, variant, rng, None if split == "seed" else words, hand)
    truth = dict(truth)
    truth["meta"] = {
        "family": family,
        "variant": variant,
        "split": split
        if split == "seed"
        else "heldout"
        if held_family or words.used_heldout
        else "dev",
        "kind": kind,
    }
    if truth["meta"]["split"] == "dev":
        # The label wordings drawn, so a dev document can be read with them left out of
        # the vocabularies (scripts/unseen_wordings.py); held-out documents never say theirs.
        truth["meta"]["wordings"] = dict(words.chosen)
    return data, truth


def _builder(family: str) -> Builder:
    if family in negatives.BUILDERS:
        return negatives.BUILDERS[family]
    if family.startswith("blank_"):
        form = _FORMS[family.removeprefix("blank_")]

        def blank(
            rng: random.Random, typed: list[TypedText] | None = None, **kw: Any
        ) -> tuple[bytes, dict[str, Any]]:
            # The form as printed: its values go to a list nobody types in (nor does the
            # overlay variant, whose `typed` stays empty).
            pdf, _ = form(rng, [], **kw)
            return pdf, dict(negatives.UNKNOWN)

        return blank
    return _FORMS[family]


def _render(
    builder: Builder, variant: str, rng: random.Random, words: Words | None, hand: Hand | None
) -> tuple[bytes, dict[str, Any]]:
    if variant == "overlay":
        return _overlay(builder, rng, words)
    pdf_bytes, truth = builder(rng, None, words=words, hand=hand)
    if variant == "clean":
        return pdf_bytes, truth
    nrng = np.random.default_rng(rng.getrandbits(64))
    dpi: float
    if variant in ("scan", "handwriting", "curl"):
        dpi = rng.choice((200, 240, 300))
        pages = writer.rasterise(pdf_bytes, dpi)
        if variant == "curl":
            pages = [degrade.curl(p, nrng) for p in pages]
        pages = [degrade.scan(p, nrng) for p in pages]
        return writer.image_pdf(pages, dpi, rng.randint(60, 85)), truth
    if variant == "fax":
        dpi = rng.choice((196, 200, 204))
        pages = writer.rasterise(pdf_bytes, dpi)
        sender, when = people.phone(rng), f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}"
        to = rng.choice(("PHARMACY", "Records Dept", people.phone(rng), "Intake"))
        out = []
        for i, p in enumerate(pages):
            header = (
                f"FROM: {sender}   TO: {to}   {when}/2025 {rng.randint(7, 18):02d}:"
                f"{rng.randint(0, 59):02d}   PAGE {i + 1}/{len(pages)}"
            )
            out.append(degrade.fax(p, nrng, header))
        return writer.image_pdf(out, dpi, 75, bilevel=True), truth
    # Photos: long side about 1800-3000 px (page plus the table around it).
    dpi = rng.uniform(1650, 2600) / (max(_page_size(pdf_bytes)) / 72.0)
    pages = [degrade.photo(p, nrng) for p in writer.rasterise(pdf_bytes, dpi)]
    if variant == "heic":
        return writer.heic(pages, rng.randint(55, 80)), truth
    return writer.image_pdf(pages, dpi, rng.randint(60, 85)), truth


def generate(
    out_dir: Path,
    count: int,
    *,
    seed: int = 0,
    kinds: Iterable[str] = KINDS,
    variants: Iterable[str] = VARIANTS,
    family: str | None = None,
    split: str = "all",
    negatives: bool = False,
) -> list[Path]:
    """Write `count` documents per (kind, variant), e.g. prescription-scan-0003.pdf plus
    prescription-scan-0003.truth.json; returns the document paths. `negatives` adds the
    kind "negative" (near-miss documents and blank forms, truth: unknown type)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    kinds = list(kinds)
    if negatives and "negative" not in kinds:
        kinds.append("negative")
    if family is not None:
        if family not in FAMILIES:
            raise ValueError(f"unknown family {family!r}; see synth.manifest.FAMILIES")
        kinds = [FAMILIES[family][0]]  # a family belongs to one kind
    paths: list[Path] = []
    for kind in kinds:
        for variant in variants:
            for i in range(count):
                # A string seed per document: stable across runs and independent of which
                # other kinds/variants/counts were asked for.
                rng = random.Random(f"{seed}:{kind}:{variant}:{split}:{family}:{i}")
                data, truth = generate_one(kind, variant, rng, family=family, split=split)
                stem = f"{kind}-{variant}-{i:04d}"
                paths.append(writer.write_pair(out_dir, stem, data, truth, suffix(variant)))
    return paths


def _overlay(
    builder: Builder, rng: random.Random, words: Words | None
) -> tuple[bytes, dict[str, Any]]:
    """The blank form (labels, rules, headings) scanned; the values typed over it."""
    typed: list[TypedText] = []
    blank, truth = builder(rng, typed, words=words, hand=None)
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


__all__ = [
    "ALL_KINDS",
    "KINDS",
    "SAMPLE_FAMILIES",
    "SPLITS",
    "VARIANTS",
    "generate",
    "generate_one",
    "suffix",
]
