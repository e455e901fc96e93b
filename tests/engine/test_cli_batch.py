"""CLI batches keep their work: results are flushed per document, Ctrl-C exits 130 with valid
output, and --resume finishes the rest. Real subprocesses, real signals, real OCR."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from medxtract.errors import ExitCode

BIN = [sys.executable, "-m", "medxtract.cli"]


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*BIN, *map(str, args)], capture_output=True, timeout=300, input=stdin
    )


def _distinct_copies(src: Path, folder: Path, n: int) -> list[Path]:
    """n documents with different sha256s: the same PDF with a distinct comment after %%EOF."""
    folder.mkdir()
    data = src.read_bytes()
    paths = []
    for i in range(n):
        p = folder / f"doc_{i:02d}.pdf"
        p.write_bytes(data + f"\n%copy {i}\n".encode())
        paths.append(p)
    return paths


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _rows(out: Path, fmt: str) -> list[dict]:
    text = out.read_text()
    return json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]


@pytest.mark.parametrize(("workers", "fmt"), [(1, "jsonl"), (2, "jsonl"), (2, "json")])
def test_sigint_keeps_finished_documents_and_resume_finishes(seed_dir, tmp_path, workers, fmt):
    docs = _distinct_copies(seed_dir / "pre_2.pdf", tmp_path / "in", 14)
    out = tmp_path / f"out.{fmt}"
    proc = subprocess.Popen(
        [*BIN, "extract", str(tmp_path / "in"), "-f", fmt, "-o", str(out),
         "--workers", str(workers)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            children |= _children(proc.pid)
            if out.exists() and out.read_text().count('"sha256":') >= 2:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the batch finished before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert b"Traceback" not in stderr and b"--resume" in stderr
    rows = _rows(out, fmt)  # valid JSON: whole records only (and a closed array)
    assert 2 <= len(rows) < len(docs)
    assert all(r["document_type"] == "prescription" for r in rows)
    assert not [c for c in children if _alive(c)], "pool workers outlived the batch"

    again = run("extract", tmp_path / "in", "-f", fmt, "-o", out, "--resume")
    assert again.returncode == 0, again.stderr
    assert f"{len(rows)} documents already done".encode() in again.stderr
    final = _rows(out, fmt)
    assert final[: len(rows)] == rows  # the earlier results are kept as they were
    assert len(final) == len(docs)
    assert len({r["sha256"] for r in final}) == len(docs)
    assert {r["source"] for r in final} == {str(p) for p in docs}


def test_resume_csv_appends_only_missing_rows(seed_dir, tmp_path):
    docs = _distinct_copies(seed_dir / "pre_2.pdf", tmp_path / "in", 3)
    out = tmp_path / "out.csv"
    first = run("extract", docs[0], "-f", "csv", "-o", out, "-t", "prescription")
    assert first.returncode == 0, first.stderr
    again = run("extract", *docs, "-f", "CSV", "-o", out, "-t", "PRESCRIPTION", "--resume")
    assert again.returncode == 0, again.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["source"] for r in rows] == [str(p) for p in docs]
    assert {r["patient_name"] for r in rows} == {"Virat Kohli"}
    # a different column set (another --type) cannot be continued
    other = run("extract", *docs, "-f", "csv", "-o", out, "--resume")
    assert other.returncode == ExitCode.BAD_ARGS and b"cannot resume" in other.stderr


def test_resume_json_array_and_torn_jsonl_line(seed_dir, tmp_path):
    docs = _distinct_copies(seed_dir / "pre_2.pdf", tmp_path / "in", 2)
    out = tmp_path / "out.json"
    assert run("extract", docs[0], "-o", out).returncode == 0
    assert run("extract", *docs, "-o", out, "--resume").returncode == 0
    assert [r["source"] for r in json.loads(out.read_text())] == [str(p) for p in docs]
    # a line cut short by a kill is dropped and its document done again
    jl = tmp_path / "out.jsonl"
    assert run("extract", *docs, "-f", "jsonl", "-o", jl).returncode == 0
    whole = jl.read_text().splitlines(keepends=True)
    jl.write_text(whole[0] + whole[1][:40])
    assert run("extract", *docs, "-f", "jsonl", "-o", jl, "--resume").returncode == 0
    assert [json.loads(x)["source"] for x in jl.read_text().splitlines()] == [
        str(p) for p in docs
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_page_progress_hook(seed_dir, workers):
    from medxtract.batch import extract_many
    from medxtract.config import EngineSettings

    calls: list[tuple[str, int, int]] = []
    paths = [seed_dir / "pd_1.pdf", seed_dir / "pre_2.pdf"]
    outcomes = list(extract_many(paths, "auto", EngineSettings(_env_file=None), workers,
                                 on_page=lambda p, i, n: calls.append((p.name, i, n))))
    assert all(o.result is not None for o in outcomes)
    assert calls == [("pd_1.pdf", 1, 2), ("pd_1.pdf", 2, 2), ("pre_2.pdf", 1, 1)]


def test_cli_conventions(seed_dir, tmp_path):
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith(b"medxtract ")
    helptext = run("extract", "--help").stdout.decode()
    assert "json|jsonl|csv" in helptext and "patient_details" in helptext
    # --type is checked once, before any work, with one message
    proc = run("extract", seed_dir, "--type", "invoice", "-w", "2")
    assert proc.returncode == ExitCode.UNKNOWN_TYPE
    assert proc.stderr.decode().count("unknown document type") == 1
    assert proc.stdout == b""
    # stdin in, stdout out; counts in English; -q silences the summary
    data = (seed_dir / "pre_2.pdf").read_bytes()
    proc = run("extract", "-", "-f", "jsonl", "-o", "-", stdin=data)
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    assert row["source"] == "-" and row["fields"]["patient_name"]["value"] == "Virat Kohli"
    assert b"1 document, 1 page, 0 failed" in proc.stderr
    boxes = [f["bbox"] for f in row["fields"].values() if f["bbox"]]
    assert boxes and all(round(c, 4) == c for b in boxes for c in b)
    quiet = run("-q", "extract", "-", "-f", "jsonl", stdin=data)
    assert quiet.returncode == 0 and quiet.stderr == b""
    # "no documents found" names the path and the accepted kinds
    (tmp_path / "notes.txt").write_text("x")
    proc = run("extract", tmp_path)
    assert proc.returncode == ExitCode.NOT_FOUND
    assert str(tmp_path).encode() in proc.stderr and b".pdf" in proc.stderr


def test_csv_cells_are_guarded_against_formulas():
    from medxtract.output import csv_text, safe_cell

    text = csv_text(["a", "b", "c", "d"], [["=HYPERLINK(\"x\")", "@SUM(A1)", -3, "\tx"]])
    row = next(csv.reader(io.StringIO(text.splitlines()[1])))
    assert row == ["'=HYPERLINK(\"x\")", "'@SUM(A1)", "-3", "'\tx"]
    assert [safe_cell(v) for v in ("+1", "-x", "\rx", "ok")] == ["'+1", "'-x", "'\rx", "ok"]
    assert safe_cell([{"name": "=cmd", "strength": "1 mg"}]) == "'=cmd 1 mg"


def test_synth_choices_are_enums_in_help_and_any_case(tmp_path):
    from medxtract.cli.synth_cmd import Kind, Split, Variant
    from medxtract.synth import ALL_KINDS, SPLITS, VARIANTS

    assert tuple(Kind) == ALL_KINDS and tuple(Variant) == VARIANTS
    assert set(Split) == set(SPLITS)
    wide = {**os.environ, "COLUMNS": "200"}  # no wrapping inside the choices
    helptext = subprocess.run([*BIN, "synth", "--help"], capture_output=True, text=True,
                              env=wide, timeout=60).stdout
    assert "prescription|patient_details" in helptext and "clean|scan|photo|overlay" in helptext
    assert "dev|heldout" in helptext
    proc = run("synth", tmp_path, "--count", "1", "--kind", "PRESCRIPTION", "--variant", "Clean")
    assert proc.returncode == 0, proc.stderr
    assert b"Wrote 1 document " in proc.stdout
    assert [p.name for p in tmp_path.glob("*.pdf")] == ["prescription-clean-0000.pdf"]
    bad = run("synth", tmp_path, "--kind", "invoice")
    assert bad.returncode == ExitCode.BAD_ARGS and b"invoice" in bad.stderr
