"""Golden tests through real Tesseract: the four real samples and generated documents.

The generated set uses a seed that was never used while the rules were written."""

from __future__ import annotations

from pathlib import Path

import pytest

import medxtract
from medxtract.config import Settings
from medxtract.evaluate import EvalReport, load_truth, truth_pairs
from medxtract.synth import generate
from medxtract.understand.specs import load_specs

HELD_OUT_SEED = 31337


def evaluate(folder: Path, workers: int = 2) -> EvalReport:
    from medxtract.batch import extract_many

    specs = load_specs()
    pairs = truth_pairs(folder)
    report = EvalReport()
    outcomes = extract_many([d for d, _ in pairs], "auto", Settings(), workers)
    for outcome, (_doc, truth_path) in zip(outcomes, pairs, strict=True):
        truth = load_truth(truth_path)
        assert outcome.result is not None, outcome.error
        core = set(specs[truth["document_type"]].core)
        report.add_document(
            str(outcome.path), truth, outcome.result.document_type, outcome.result.values(), core
        )
    return report


@pytest.fixture(scope="module")
def seed_report(seed_dir: Path) -> EvalReport:
    return evaluate(seed_dir)


def test_seed_samples_core_fields_all_right(seed_report: EvalReport):
    assert seed_report.type_detection.accuracy == 1.0
    assert seed_report.core.accuracy == 1.0, seed_report.misses


def test_seed_samples_all_fields_at_least_95_percent(seed_report: EvalReport):
    assert seed_report.overall.accuracy >= 0.95, seed_report.misses


def test_seed_result_carries_provenance(seed_dir: Path):
    result = medxtract.extract(seed_dir / "pd_1.pdf")
    assert result.document_type == "patient_details" and result.pages == 2
    name = result.fields["patient_name"]
    assert name.page == 1 and name.source == "ocr" and 0.5 < name.confidence <= 1
    assert result.fields["insurance_company"].page == 2
    assert len(result.sha256) == 64
    exported = result.export()
    assert set(exported["fields"]["phone"]) >= {"value", "confidence", "page", "bbox", "source"}


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["clean", "scan", "photo"])
def test_generated_documents_at_least_95_percent(tmp_path: Path, variant: str):
    # Photos too: tilted, keystoned, shadowed pages on a table, some turned whole.
    generate(tmp_path, 3, seed=HELD_OUT_SEED, variants=(variant,))
    report = evaluate(tmp_path)
    assert report.type_detection.accuracy == 1.0
    assert report.overall.accuracy >= 0.95, report.misses


def test_a_document_of_neither_type_is_unknown_with_no_fields():
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i, line in enumerate(
        [
            "CORNER GROCERY",
            "Receipt #4411",
            "Milk 2.49",
            "Bread 3.10",
            "TOTAL 5.59",
            "Thank you for shopping",
        ]
    ):
        c.drawString(72, 760 - 20 * i, line)
    c.save()
    result = medxtract.extract(buf.getvalue())
    assert result.document_type == "unknown"
    assert result.fields == {}
