"""Document stage: run the finder for a spec and build typed fields with provenance."""

from __future__ import annotations

from medxtract.document import Document
from medxtract.result import FieldResult, ItemRegion
from medxtract.understand.calibrate import probability
from medxtract.understand.finder import Finder, Found
from medxtract.understand.marks import MarkReader
from medxtract.understand.specs.schema import DocumentSpec

# Flags that always send a field to a person, whatever its confidence.
REVIEW_FLAGS = {"invalid", "ambiguous_date", "missing", "label_not_found", "corrected",
                "unknown_drug", "partial_date", "ambiguous"}  # fmt: skip


def find(
    doc: Document, spec: DocumentSpec, date_order: str, marks: MarkReader | None = None
) -> dict[str, Found]:
    return Finder(spec, date_order, marks).find(doc)


def to_results(found: dict[str, Found], spec: DocumentSpec) -> dict[str, FieldResult]:
    out: dict[str, FieldResult] = {}
    for name, fspec in spec.fields.items():
        f = found.get(name)
        if f is None:
            out[name] = FieldResult(flags=[] if fspec.optional else ["label_not_found"])
            continue
        flags = list(f.flags)
        if f.value is None and not fspec.optional and not flags:
            flags.append("missing" if f.label_bbox is not None else "label_not_found")
        confidence = (probability(fspec.type, f.features, f.confidence, f"{spec.name}.{name}")
                      if f.features else 0.0)
        out[name] = FieldResult(
            value=f.value,
            confidence=round(confidence, 3),
            page=f.page,
            bbox=f.bbox,
            label_bbox=f.label_bbox,
            item_bboxes=f.item_bboxes or None,
            items=[ItemRegion(**it) for it in f.items] or None,
            label_confidence=(round(min(1.0, f.features.get("label", 0.0)), 3)
                              if f.label_bbox is not None else None),
            source=f.source,
            engine=f.engine,
            raw=f.raw,
            flags=flags,
            why=f.why or None,
            weighed=f.weighed or None,
            evidence=f.features or None,
        )
    return out


def extract_fields(doc: Document, spec: DocumentSpec, date_order: str) -> dict[str, FieldResult]:
    return to_results(find(doc, spec, date_order), spec)


def needs_review(fields: dict[str, FieldResult], threshold: float) -> list[str]:
    """Fields a person should look at: a value not sure enough, a blank we are not sure is
    blank (nothing found is never sure), or a failed check."""
    return [
        name
        for name, f in fields.items()
        if f.confidence < threshold or REVIEW_FLAGS & set(f.flags)
    ]
