"""Unseen wordings, end to end, on dev documents: each document is read with the label
wordings it was drawn with taken out of the fields' vocabularies, so every label it prints
is one the specs do not have. The gap to a plain `medxtract eval` of the same folder is
what a wording costs the finder when no entry says it; documents stay dev documents, so
their errors may be looked at.

    medxtract synth DIR --split dev --count 4 --seed S --variant clean
    python scripts/unseen_wordings.py DIR [--misses]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from medxtract.config import EngineSettings
from medxtract.document import Document
from medxtract.evaluate import EvalReport, load_truth, truth_pairs
from medxtract.pipeline import SourceDocument, _fields, read_pages_serially
from medxtract.understand.fields import needs_review
from medxtract.understand.labels import label_tokens, tokens
from medxtract.understand.specs import load_specs
from medxtract.understand.specs.schema import DocumentSpec


def said(wording: str) -> set[tuple[str, ...]]:
    """The bags of words one drawn wording prints ("Surname|First name": two labels)."""
    parts = re.sub(r"\{.*?\}", "", wording).split("|")
    return {tuple(sorted(label_tokens(p))) for p in parts if label_tokens(p)}


def without(specs: dict[str, DocumentSpec], wordings: dict[str, str]) -> dict[str, DocumentSpec]:
    """The specs with each field's entries that say its drawn wording taken out."""
    out = {}
    for name, spec in specs.items():
        fields = {}
        for fname, f in spec.fields.items():
            gone = said(wordings[fname]) if fname in wordings else set()
            kept = [e for e in f.labels if tuple(sorted(tokens(e))) not in gone]
            fields[fname] = f.model_copy(update={"labels": kept})
        out[name] = spec.model_copy(update={"fields": fields})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args()
    settings = EngineSettings()
    specs = load_specs()
    report = EvalReport()
    for pdf, truth_path in truth_pairs(args.folder):
        truth = load_truth(truth_path)
        wordings = (truth.get("meta") or {}).get("wordings")
        if wordings is None:
            continue  # not a dev document of this generator
        src = SourceDocument(pdf.read_bytes(), settings)
        document = Document(pages=list(read_pages_serially(src, settings)))
        doc_type, _conf, fields = _fields(document, src, "auto", without(specs, wordings),
                                          settings)
        spec = specs.get(truth["document_type"])
        report.add_document(str(pdf), truth, doc_type, {n: f.value for n, f in fields.items()},
                            set(spec.core) if spec else set(),
                            set(needs_review(fields, settings.review_threshold)))
    o, c = report.overall, report.core
    print(f"unseen wordings: all fields {o.right}/{o.total} = {o.accuracy:.1%}; "
          f"core {c.right}/{c.total} = {c.accuracy:.1%}; type {report.type_detection.right}/"
          f"{report.type_detection.total}")
    if args.misses:
        for source, name, got, want in report.misses:
            print(f"  miss {Path(source).name} {name}: got {got!r}, truth {want!r}")


if __name__ == "__main__":
    main()
