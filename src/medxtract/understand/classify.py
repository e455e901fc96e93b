"""Document type from evidence: how many of a type's fields were found with valid values,
whether its required fields are there, and no title of a look-alike document (a lab report,
an invoice, a discharge summary...). A title alone never decides."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from medxtract.document import Document
from medxtract.logs import decision
from medxtract.understand.finder import Found
from medxtract.understand.labels import Vocabulary, match_entry, tokens
from medxtract.understand.marks import MarkReader
from medxtract.understand.specs.schema import DocumentSpec


@dataclass
class TypeScore:
    name: str
    score: float
    found: dict[str, Found]
    why: str


def _valid(f: Found | None) -> bool:
    return f is not None and f.value is not None and "invalid" not in f.flags


@lru_cache(maxsize=256)
def _vocabulary(entries: tuple[str, ...]) -> Vocabulary:
    """A spec's exclusion or evidence words, tokenised once, not per document."""
    return Vocabulary(list(entries))


def _excluded(doc: Document, spec: DocumentSpec) -> str | None:
    """A look-alike's title: a short line in the top third of the first page."""
    if not spec.exclude or not doc.pages:
        return None
    vocab = _vocabulary(tuple(spec.exclude))
    page = doc.pages[0]
    for line in page.lines:
        if line.bbox[1] > 0.35 or len(line.words) > 7:
            continue
        words = tokens(line.text)
        # The title holds the look-alike's name ("Pharmacy Receipt", "Clinic Visit Note").
        if words and any(match_entry(words, e).score >= 0.99 for e in vocab.entries):
            return line.text
    return None


def score_type(doc: Document, spec: DocumentSpec, found: dict[str, Found]) -> TypeScore:
    valid = [n for n in spec.fields if _valid(found.get(n))]
    missing = [n for n in spec.required if n not in valid]
    excluded = _excluded(doc, spec)
    if excluded:
        return TypeScore(spec.name, 0.0, found, "title of another kind of document")
    if missing and (spec.without_required is None or len(valid) < spec.without_required):
        return TypeScore(spec.name, 0.0, found, f"required field(s) missing: {len(missing)}")
    if len(valid) < spec.min_fields:
        return TypeScore(spec.name, 0.0, found, f"only {len(valid)} field(s) with values")
    weight = {n: 2.0 if n in spec.required or n in spec.core else 1.0 for n in spec.fields}
    got = sum(weight[n] * min(1.0, found[n].confidence + 0.2) for n in valid)
    # A type's evidence saturates well before every field is found: forms differ.
    need = sum(sorted(weight.values(), reverse=True)[: spec.min_fields + 2])
    score = min(1.0, 0.4 + 0.6 * got / need)
    text = tokens(doc.text)
    ev = _vocabulary(tuple(spec.evidence))
    hits = sum(1 for e in ev.entries if all(w in text for w in e))
    score = min(1.0, score + 0.03 * hits)
    if missing:
        score *= 0.8  # plenty else was found; the missing field goes to review
    return TypeScore(spec.name, score, found, f"{len(valid)} valid field(s), {hits} evidence")


def classify(
    doc: Document,
    specs: dict[str, DocumentSpec],
    date_order: str,
    threshold: float,
    marks: MarkReader | None = None,
) -> tuple[str, float, dict[str, Found], list[TypeScore]]:
    from medxtract.understand.fields import find

    if not specs or not doc.text.strip():
        why = "no document types loaded" if not specs else "no text on any page"
        decision("type.chosen", logging.INFO, type="unknown", confidence=0.0, why=why)
        return "unknown", 0.0, {}, []
    scores = [score_type(doc, s, find(doc, s, date_order, marks)) for s in specs.values()]
    scores.sort(key=lambda t: -t.score)
    for ts in scores:  # the why holds counts only, never the document's words
        decision("type.score", type=ts.name, score=ts.score, why=ts.why)
    best = scores[0]
    runner = scores[1].score if len(scores) > 1 else 0.0
    if best.score < threshold:
        confidence = round(1.0 - best.score, 3)
        decision("type.chosen", logging.INFO, type="unknown", confidence=confidence,
                 best=best.name, best_score=best.score, best_why=best.why,
                 threshold=threshold, why="best type score below the threshold")
        return "unknown", confidence, {}, scores
    confidence = best.score * (1.0 - 0.5 * runner)
    decision("type.chosen", logging.INFO, type=best.name, confidence=confidence,
             score=best.score, runner_up_score=runner, threshold=threshold,
             why="highest type score")
    return best.name, round(confidence, 3), best.found, scores
