"""Golden tests through real OCR: the real samples, and generated documents of held-out
form families and wordings (never looked at while the finder was written), plus near-miss
documents that must come back `unknown`."""

from __future__ import annotations

from pathlib import Path

import pytest

import medxtract
from medxtract.evaluate import EvalReport, evaluate_folder
from medxtract.synth import generate

HELD_OUT_SEED = 31337
OTHER = Path(__file__).resolve().parents[2] / "samples" / "other"


def evaluate(folder: Path, workers: int = 2) -> EvalReport:
    """Score a folder of NAME.pdf + NAME.truth.json pairs as `medxtract eval` does."""
    report = evaluate_folder(folder, workers)
    assert not report.failures, report.failures
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
def test_generated_sample_layouts_at_least_95_percent(tmp_path: Path, variant: str):
    # The seed samples' own layouts and wordings; photos too: tilted, keystoned, shadowed
    # pages on a table, some turned whole.
    generate(tmp_path, 3, seed=HELD_OUT_SEED, variants=(variant,), split="seed")
    report = evaluate(tmp_path)
    assert report.type_detection.accuracy == 1.0
    assert report.overall.accuracy >= 0.95, report.misses


# Floors a little under what was measured on held-out families and wordings (README,
# "Accuracy", reports the figures; the gap to the targets is open work). They guard
# against regressions only.
HELD_OUT_FLOOR = {"clean": 0.40, "scan": 0.40}


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["clean", "scan"])
def test_held_out_families_and_wordings(tmp_path: Path, variant: str):
    generate(tmp_path, 2, seed=HELD_OUT_SEED, variants=(variant,), split="heldout")
    report = evaluate(tmp_path)
    assert report.overall.accuracy >= HELD_OUT_FLOOR[variant]
    assert report.silent.silent_rate <= 0.25


@pytest.mark.slow
def test_near_miss_documents_are_unknown(tmp_path: Path):
    # Dev negatives (lab report, invoice, discharge summary, visit note, vaccination card,
    # blank forms of every dev family); the held-out ones are reported in the README.
    generate(tmp_path, 8, seed=HELD_OUT_SEED, kinds=("negative",), variants=("clean", "scan"),
             split="dev")
    report = evaluate(tmp_path)
    assert report.type_detection.total == 16
    assert report.type_detection.accuracy == 1.0


def test_real_documents_of_other_layouts(tmp_path: Path):
    """Three real documents nobody here designed (one filled only in PDF form fields)."""
    report = evaluate(OTHER)
    # Two of three typed: the form-field fill's names are placeholders made of label words
    # ("My first name, ... My long Family Name"), no person's name; it was typed before only
    # through an unlabelled "name" that was no name either ("My gender identity").
    assert report.type_detection.right >= 2
    assert report.core.accuracy >= 0.5, report.misses


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
