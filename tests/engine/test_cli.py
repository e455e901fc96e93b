"""The CLI as a user runs it: a real subprocess, real files, exit codes and outputs."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from medxtract.errors import ExitCode

BIN = [sys.executable, "-m", "medxtract.cli"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*BIN, *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, seed_dir: Path) -> dict[str, Path]:
    from .test_ingest import pdf_bytes, png_header

    d = tmp_path_factory.mktemp("bad")
    files = {
        "empty": (d / "empty.pdf", b""),
        "truncated": (d / "truncated.pdf", (seed_dir / "pre_2.pdf").read_bytes()[:20000]),
        "encrypted": (d / "encrypted.pdf", pdf_bytes(["x"], encrypt=True)),
        "text": (d / "text.pdf", b"just some text\n"),
        "zero": (d / "zero.png", png_header(0, 0)),
    }
    for path, data in files.values():
        path.write_bytes(data)
    return {k: p for k, (p, _) in files.items()}


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("empty", ExitCode.EMPTY_INPUT),
        ("truncated", ExitCode.CORRUPT_INPUT),
        ("encrypted", ExitCode.ENCRYPTED_INPUT),
        ("text", ExitCode.UNSUPPORTED_INPUT),
        ("zero", ExitCode.INVALID_IMAGE),
    ],
)
def test_bad_input_one_line_error_and_distinct_exit_code(bad_files, kind, code):
    proc = run("extract", bad_files[kind])
    assert proc.returncode == code
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and str(bad_files[kind]) in errors[0]
    assert "Traceback" not in proc.stderr


def test_batch_with_bad_files_still_writes_the_good_one(bad_files, seed_dir, tmp_path):
    good = tmp_path / "good.pdf"
    shutil.copy(seed_dir / "pre_2.pdf", good)
    out = tmp_path / "out.jsonl"
    proc = run(
        "extract", good, *bad_files.values(), "--format", "jsonl", "-o", out, "--workers", "2"
    )
    assert proc.returncode == ExitCode.OTHER_ERROR  # several different failures
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 6
    assert rows[0]["document_type"] == "prescription"
    assert rows[0]["fields"]["patient_name"]["value"] == "Virat Kohli"
    assert all("error" in r for r in rows[1:])
    assert "6 documents, 1 page, 5 failed" in proc.stderr


def test_csv_output_of_a_folder(seed_dir, tmp_path):
    proc = run("extract", seed_dir, "--format", "csv", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 4
    assert {r["document_type"] for r in rows} == {"prescription", "patient_details"}


def test_eval_prints_core_and_overall(seed_dir):
    proc = run("eval", seed_dir, "--json", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["core"] == 1.0 and report["overall"] >= 0.95
    assert "prescription.medicines" in report["per_field"]


def test_specs_lists_and_validates(tmp_path):
    proc = run("specs")
    assert proc.returncode == 0 and "prescription" in proc.stdout
    (tmp_path / "bad.yaml").write_text("name: x\nkeywords: [a]\nfields:\n  f:\n    rule: nope\n")
    proc = run("specs", "--specs", tmp_path)
    assert proc.returncode == ExitCode.SPEC_ERROR and "bad.yaml:5" in proc.stderr


def test_unknown_type_is_refused(seed_dir):
    proc = run("extract", seed_dir / "pre_1.pdf", "--type", "invoice")
    assert proc.returncode == ExitCode.UNKNOWN_TYPE and "known: auto" in proc.stderr


def test_schema_is_json_schema(tmp_path: Path):
    proc = run("schema")
    schema = json.loads(proc.stdout)
    assert "fields" in schema["properties"] and "FieldResult" in json.dumps(schema)
    assert schema["$id"].endswith(schema["version"])
    assert schema["properties"]["schema_version"]["default"] == schema["version"]
    proc = run("schema", "--output", tmp_path / "result.schema.json")
    assert proc.returncode == 0 and proc.stdout == ""
    assert json.loads((tmp_path / "result.schema.json").read_text()) == schema
    proc = run("schema", "-o", tmp_path / "missing" / "result.schema.json")
    assert proc.returncode == ExitCode.OTHER_ERROR and "cannot write" in proc.stderr


def test_committed_schema_is_the_models():
    """docs/result.schema.json is what clients read: it must say what results hold."""
    from medxtract.result import schema_text

    committed = Path(__file__).resolve().parents[2] / "docs" / "result.schema.json"
    assert committed.read_text(encoding="utf-8") == schema_text(), (
        "docs/result.schema.json is out of date with medxtract.result: regenerate it with "
        "`medxtract schema -o docs/result.schema.json` (and raise SCHEMA_VERSION if a "
        "field's meaning changed)"
    )


def test_explain_tells_how_each_field_was_chosen_and_text_shows_the_words(seed_dir):
    proc = run("extract", seed_dir / "pre_2.pdf", "--explain", "-f", "text")
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr
    assert "patient_name" in err and "label 'Name:' right" in err
    # The candidates that lost: the prescriber's block also has a "Name:" the patient took.
    assert "also weighed: label 'Name:' right" in err and "went to patient_name" in err
    out = proc.stdout
    assert out.startswith("=== ") and "--- page 1" in out and "Omeprazole" in out
