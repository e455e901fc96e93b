"""Document type detection: which spec's keywords the document's text carries."""

from __future__ import annotations

from rapidfuzz.fuzz import partial_ratio

from medxtract.understand.labels import norm
from medxtract.understand.specs.schema import DocumentSpec


def keyword_score(text: str, spec: DocumentSpec) -> float:
    """Share of a spec's keywords found in the text (fuzzy, so OCR slips still count)."""
    haystack = norm(text)
    tokens = {norm(t) for t in text.split()}

    def present(key: str) -> bool:
        key = norm(key)
        return key in tokens if len(key) <= 3 else partial_ratio(key, haystack) >= 88

    # A keyword may list synonyms as "Directions|Sig"; any one of them counts.
    found = sum(any(present(k) for k in kw.split("|")) for kw in spec.keywords)
    return found / len(spec.keywords)


def classify(text: str, specs: dict[str, DocumentSpec], threshold: float) -> tuple[str, float]:
    """Best type and its confidence, or ('unknown', score) when nothing scores high enough."""
    if not specs or not text.strip():
        return "unknown", 0.0
    scores = sorted(((keyword_score(text, s), name) for name, s in specs.items()), reverse=True)
    best, name = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    if best < threshold:
        return "unknown", round(1.0 - best, 3)
    # Confidence grows with the keyword share and with the margin over the next type.
    confidence = min(1.0, 0.5 * best / 0.6 + 0.5 * (best - runner_up) / max(best, 1e-6))
    return name, round(confidence, 3)
