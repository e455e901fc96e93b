"""Honest confidence: the chance a field is right, from what the finder saw.

A logistic model over the evidence (OCR confidence of the value and of the page, how well
the label said the field, how well it passed its type check, a close rival, flags): one
per field where fitted, else per type, else shared. Its weights are fitted on the
generator's *dev* families only (`scripts/calibrate.py`, method in calfit.py, judged
leave-one-family-out) and stored as data beside this module; the held-out sets measure it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

# Feature names in model order; each a number in about 0..1.
FEATURES = (
    "bias",
    "has_value",
    "ocr_mean",
    "ocr_min",
    "label",
    "right",
    "below",
    "above",
    "free",
    "blank",
    "not_found",
    "plausibility",
    "rival",
    "flagged",
    "composite",
    "items",
    "known_share",
    "text_layer",
    "lines",
    # How the document as a whole was read (carries across layouts: a hard page is hard
    # whatever the form): mean OCR confidence of its words, share of them read poorly.
    "page_ocr",
    "page_low",
)


NOT_FOUND_CAP = 0.5


def features(**given: float) -> dict[str, float]:
    out = {name: 0.0 for name in FEATURES}
    out["bias"] = 1.0
    for k, v in given.items():
        if k not in out:
            raise KeyError(f"unknown calibration feature {k!r}")
        out[k] = float(v)
    return out


def reading(models: Iterable[Any]) -> dict[str, float]:
    """The document-level evidence: OCR quality over every page (text-layer words count as
    sure), for `features(**reading(models))` at the finder's call sites."""
    confs = [w.confidence if w.source == "ocr" else 1.0
             for m in models for line in m.page.lines for w in line.words]
    if not confs:
        return {"page_ocr": 0.0, "page_low": 1.0}
    return {"page_ocr": sum(confs) / len(confs),
            "page_low": sum(c < 0.6 for c in confs) / len(confs)}


@lru_cache
def _weights() -> dict[str, dict[str, float]] | None:
    try:
        text = (resources.files("medxtract.understand") / "calibration.json").read_text("utf-8")
    except FileNotFoundError:
        return None
    data: dict[str, Any] = json.loads(text)
    return data["weights"]


def probability(field_type: str, feats: dict[str, float], fallback: float,
                key: str | None = None) -> float:
    """P(right) from the fitted model for this field ("document_type.field" `key`), else
    its type, else the shared one; the finder's own score when no model is bundled."""
    weights = _weights()
    if not weights:
        return fallback
    w = (weights.get(key) if key else None) or weights.get(field_type) or weights.get("*")
    if w is None:
        return fallback
    z = sum(w.get(name, 0.0) * value for name, value in feats.items())
    return cap(feats, 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))))


def cap(feats: dict[str, float], p: float) -> float:
    """Nothing found is never sure, whatever the fit learnt: the form may print the field
    where the finder missed it."""
    return min(p, NOT_FOUND_CAP) if feats.get("not_found") else p
