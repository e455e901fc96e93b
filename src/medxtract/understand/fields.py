"""Document stage: apply a spec's rules to the pages and build typed fields with provenance."""

from __future__ import annotations

from medxtract.config import Settings
from medxtract.document import Document, Word, union_bbox
from medxtract.result import FieldResult
from medxtract.understand.rules import Found, PageView, locate
from medxtract.understand.specs.schema import DocumentSpec, FieldSpec
from medxtract.understand.values import normalise

# Flags that always send a field to a person, whatever its confidence.
REVIEW_FLAGS = {"invalid", "ambiguous_date", "missing", "label_not_found", "corrected"}


def extract_fields(doc: Document, spec: DocumentSpec, settings: Settings) -> dict[str, FieldResult]:
    views = [PageView(page, spec) for page in doc.pages]
    return {name: _field(views, fspec, settings) for name, fspec in spec.fields.items()}


def _field(views: list[PageView], fspec: FieldSpec, settings: Settings) -> FieldResult:
    found: Found | None = None
    for view in views:
        if fspec.page is not None and view.page.number != fspec.page:
            continue
        attempt = locate(view, fspec)
        if attempt.lines:
            found = attempt
            break
        if attempt.label_found and found is None:
            found = attempt
    if found is None:
        return FieldResult(confidence=0.0, flags=[] if fspec.optional else ["label_not_found"])
    if not found.lines:
        # The label is there with nothing by it: a blank on the form.
        return FieldResult(
            confidence=0.9 * found.label_score,
            page=found.page,
            flags=[] if fspec.optional else ["missing"],
        )
    words: list[Word] = [w for line in found.lines for w in line]
    texts = [" ".join(w.text for w in line) for line in found.lines]
    value, flags = normalise(texts, fspec, settings.date_order)
    ocr_conf = sum(w.confidence for w in words) / len(words)
    confidence = ocr_conf * found.label_score * (0.5 if "invalid" in flags else 1.0)
    if value is None and not flags and not fspec.optional:
        flags = ["missing"]
    return FieldResult(
        value=value,
        confidence=round(min(max(confidence, 0.0), 1.0), 3),
        page=found.page,
        bbox=union_bbox([w.bbox for w in words]),
        source=words[0].source,
        raw="\n".join(texts),
        flags=flags,
    )


def needs_review(fields: dict[str, FieldResult], threshold: float) -> list[str]:
    return [
        name
        for name, f in fields.items()
        if (f.value is not None and f.confidence < threshold) or REVIEW_FLAGS & set(f.flags)
    ]
