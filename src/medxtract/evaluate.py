"""Compare predictions with truth files, by the rules in samples/README.md.

Each field is compared by its type in the document type's spec (date, phone, int, ...)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from medxtract.config import EngineSettings

EMPTY = {"", "n/a", "na", "none", "-"}
DOCUMENT_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".heic",
                     ".heif")


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in EMPTY)


def _text(value: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[.,;:]", "", str(value).casefold())).strip()


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"yes": True, "true": True, "no": False, "false": False}.get(str(value).strip().lower())


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _medicine_key(item: Any) -> tuple[str, str] | None:
    if not isinstance(item, dict):
        return None
    return (
        str(item.get("name", "")).casefold().strip(),
        re.sub(r"\s+", "", str(item.get("strength", "")).casefold()),
    )


def field_types(doc_type: str, specs_dir: Path | None = None) -> dict[str, str]:
    """{field: spec type} of a document type; empty for a type no spec defines."""
    from medxtract.understand.specs import load_specs

    spec = load_specs(specs_dir).get(doc_type)
    return {n: f.type for n, f in spec.fields.items()} if spec else {}


def values_equal(field_type: str, predicted: Any, truth: Any) -> bool:
    """One truth value (a list of strings in the truth means: any one of them)."""
    if isinstance(truth, list) and all(isinstance(t, str) for t in truth) and truth:
        return any(values_equal(field_type, predicted, t) for t in truth)
    if _is_empty(truth) or _is_empty(predicted):
        return _is_empty(truth) and _is_empty(predicted)
    if isinstance(truth, bool):
        return _bool(predicted) is truth
    if field_type == "date":
        return _date(predicted) is not None and _date(predicted) == _date(truth)
    if field_type == "phone":
        return re.sub(r"\D", "", str(predicted)) == re.sub(r"\D", "", str(truth))
    if field_type in ("int", "number"):
        return _number(predicted) is not None and _number(predicted) == _number(truth)
    if field_type == "medicines":
        if not isinstance(predicted, list) or len(predicted) != len(truth):
            return False
        return sorted(map(str, map(_medicine_key, predicted))) == sorted(
            map(str, map(_medicine_key, truth))
        )
    return _text(predicted) == _text(truth)


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass
class Calibration:
    """Whether the review flag tells right from wrong: a silent error is a wrong field that
    was not sent to review; a right field sent to review is extra work."""

    right: int = 0
    total: int = 0
    silent: int = 0
    flagged_right: int = 0

    def add(self, ok: bool, flagged: bool) -> None:
        self.total += 1
        self.right += ok
        self.silent += (not ok) and not flagged
        self.flagged_right += ok and flagged

    @property
    def silent_rate(self) -> float:
        return self.silent / self.total if self.total else 0.0

    @property
    def flagged_right_rate(self) -> float:
        return self.flagged_right / self.right if self.right else 0.0


@dataclass
class EvalReport:
    per_field: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    per_type: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    core: Tally = field(default_factory=Tally)
    overall: Tally = field(default_factory=Tally)
    type_detection: Tally = field(default_factory=Tally)
    misses: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    # (document type, variant) -> calibration of the review flag
    calibration: dict[tuple[str, str], Calibration] = field(
        default_factory=lambda: defaultdict(Calibration)
    )
    silent: Calibration = field(default_factory=Calibration)
    type_per_group: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    specs_dir: Path | None = None  # where the field types come from, beside the shipped specs

    def add_document(
        self,
        source: str,
        truth: dict,
        predicted_type: str,
        predicted: dict[str, Any],
        core_fields: set[str],
        review: set[str] | None = None,
    ) -> None:
        """`review`: the fields the result sends to a person (None: none)."""
        doc_type = truth["document_type"]
        variant = str((truth.get("meta") or {}).get("variant") or "-")
        types = field_types(doc_type, self.specs_dir)
        self.type_detection.add(predicted_type == doc_type)
        self.type_per_group[(doc_type, variant)].add(predicted_type == doc_type)
        for name, expected in truth["fields"].items():
            got = predicted.get(name)
            ok = predicted_type == doc_type and values_equal(
                types.get(name, "text"), got, expected
            )
            # A document typed wrongly goes to a person whole.
            flagged = predicted_type != doc_type or name in (review or set())
            self.calibration[(doc_type, variant)].add(ok, flagged)
            self.silent.add(ok, flagged)
            self.per_field[(doc_type, name)].add(ok)
            self.per_type[doc_type].add(ok)
            self.overall.add(ok)
            if name in core_fields:
                self.core.add(ok)
            if not ok:
                self.misses.append((source, name, got, expected))

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.accuracy,
            "core": self.core.accuracy,
            "type_detection": self.type_detection.accuracy,
            "silent_error_rate": self.silent.silent_rate,
            "flagged_right_rate": self.silent.flagged_right_rate,
            "per_group": {
                f"{t}/{v}": {
                    "accuracy": c.right / c.total if c.total else 0.0,
                    "fields": c.total,
                    "silent_error_rate": c.silent_rate,
                    "flagged_right_rate": c.flagged_right_rate,
                    "type_detection": self.type_per_group[(t, v)].accuracy,
                }
                for (t, v), c in sorted(self.calibration.items())
            },
            "per_type": {k: v.accuracy for k, v in self.per_type.items()},
            "per_field": {f"{t}.{n}": v.accuracy for (t, n), v in sorted(self.per_field.items())},
            "fields_right": self.overall.right,
            "fields_total": self.overall.total,
            "failures": [{"source": s, "error": e} for s, e in self.failures],
        }


def truth_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(document, truth) pairs: NAME.truth.json beside NAME.pdf (or an image)."""
    pairs = []
    for truth in sorted(folder.rglob("*.truth.json")):
        stem = truth.name[: -len(".truth.json")]
        doc = next(
            (
                truth.with_name(stem + s)
                for s in DOCUMENT_SUFFIXES
                if truth.with_name(stem + s).is_file()
            ),
            None,
        )
        if doc is not None:
            pairs.append((doc, truth))
    return pairs


def load_truth(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def score_outcomes(report: EvalReport, truths: list[Path], outcomes: Any, specs: dict) -> None:
    """Add each extraction outcome (in the order of `truths`) to the report."""
    for outcome, truth_path in zip(outcomes, truths, strict=True):
        truth = load_truth(truth_path)
        spec = specs.get(truth["document_type"])
        core = set(spec.core) if spec else set()
        if outcome.result is None:
            report.failures.append((str(outcome.path), str(outcome.error)))
            report.add_document(str(outcome.path), truth, "failed", {}, core)
            continue
        report.add_document(str(outcome.path), truth, outcome.result.document_type,
                            outcome.result.values(), core, set(outcome.result.needs_review))


def evaluate_folder(
    folder: Path, workers: int = 1, settings: EngineSettings | None = None
) -> EvalReport:
    """Extract every NAME.pdf beside a NAME.truth.json in `folder` and score it."""
    from medxtract.batch import extract_many
    from medxtract.understand.specs import load_specs

    settings = settings or EngineSettings()
    pairs = truth_pairs(folder)
    report = EvalReport(specs_dir=settings.specs_dir)
    outcomes = extract_many([d for d, _ in pairs], "auto", settings, workers)
    score_outcomes(report, [t for _, t in pairs], outcomes, load_specs(settings.specs_dir))
    return report
