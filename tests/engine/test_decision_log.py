"""The decision log: every engine decision with its score, and never a value or OCR text."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

import medxtract
from medxtract.config import Settings
from medxtract.document import Document
from medxtract.errors import ExitCode
from medxtract.logs import JsonFormatter, context, decision
from medxtract.understand.classify import classify
from medxtract.understand.specs import load_specs

from .conftest import make_page
from .test_cli import BIN, run
from .test_read_inputs import image_pdf, text_image


def decisions(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "medxtract.decisions"]


def events(records: list[logging.LogRecord], event: str) -> list[dict[str, Any]]:
    return [r.decision for r in records if r.event == event]  # type: ignore[attr-defined]


def strings(value: Any) -> list[str]:
    """Every string inside a value (a list of medicines holds dicts of strings)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def secrets(result, truth: dict[str, Any]) -> set[str]:
    """What must never reach a log: each value and raw reading (whole, by line and by
    word), the truth's values, and every line of OCR text of some length."""
    texts = [s for f in result.fields.values() for s in strings(f.value) + strings(f.raw)]
    texts += strings(truth["fields"])
    out = set()
    for text in texts:
        out |= {part.strip() for part in text.splitlines() if len(part.strip()) >= 4}
        out |= {w for w in re.findall(r"[\w'-]+", text) if len(w) >= 5}
    out |= {line.text for page in result.document.pages for line in page.lines
            if len(line.text) >= 8}
    return out


@pytest.mark.parametrize("name", ["pre_1", "pd_1"])
def test_a_seed_run_logs_each_decision_with_its_score_and_no_value(seed_dir, caplog, name):
    caplog.set_level(logging.DEBUG)
    result = medxtract.extract(seed_dir / f"{name}.pdf")
    records = decisions(caplog)
    doc = result.sha256[:12]
    assert records and all(r.decision["doc"] == doc for r in records)  # type: ignore[attr-defined]

    pages = range(1, result.pages + 1)
    for event in ("page.source", "page.cleanup", "page.deskew", "page.ocr"):
        assert sorted(d["page"] for d in events(records, event)) == list(pages), event
    for d in events(records, "page.ocr"):
        assert 0.0 < d["mean_confidence"] <= 1.0 and d["words"] > 0
        assert d["words"] == sum(v for k, v in d.items() if k.startswith("words_"))
    assert all(isinstance(d["angle"], float) for d in events(records, "page.deskew"))
    orientation = events(records, "page.orientation")
    assert orientation and all(d["turn"] in (0, 90, 180, 270) for d in orientation)
    for d in events(records, "cascade.line"):
        assert d["kept"] in ("tesseract", "rapidocr")
        assert 0.0 <= d["tesseract_score"] <= 1.0 and 0.0 <= d["rapidocr_score"] <= 1.0

    scores = events(records, "type.score")
    assert {d["type"] for d in scores} == set(load_specs())
    assert all(0.0 <= d["score"] <= 1.0 and d["why"] for d in scores)
    (chosen,) = events(records, "type.chosen")
    assert chosen["type"] == result.document_type
    assert chosen["confidence"] == pytest.approx(result.type_confidence, abs=1e-3)
    assert chosen["score"] == max(d["score"] for d in scores)

    # The finder's weighing, for every spec the classifier tried; the chosen spec's
    # found fields have a method and its scores: a label's score and the candidates weighed
    # (the winner among them), or the medicine lines read.
    weighed = {(d["type"], d["field"]): d for d in events(records, "field.weighed")}
    assert {t for t, _ in weighed} == set(load_specs())
    for field, f in result.fields.items():
        w = weighed[(result.document_type, field)]
        if f.value is None:
            continue
        assert w["method"] != "not found"
        if w["method"].startswith("label"):
            assert w["score"] > 0.0 and w["label_score"] > 0.0 and w["candidates"] >= 1
        elif w["method"] == "unlabelled":
            assert w["score"] > 0.0
        else:
            assert w["medicines"] >= 1
    results = {d["field"]: d for d in events(records, "field.result")}
    assert set(results) == set(result.fields)
    for field, f in result.fields.items():
        assert results[field]["confidence"] == f.confidence
        assert results[field]["flags"] == f.flags
        assert results[field]["review"] == (field in result.needs_review)
    medicines = result.fields.get("medicines")
    if medicines is not None and medicines.value:
        assert results["medicines"]["items"] == len(medicines.value)
    (summary,) = events(records, "document")
    assert summary["pages"] == result.pages and summary["needs_review"] == len(
        result.needs_review)

    truth = json.loads((seed_dir / f"{name}.truth.json").read_text())
    hidden = secrets(result, truth)
    assert len(hidden) > 10  # the check has something to look for
    logged = "\n".join(r.getMessage() + json.dumps(getattr(r, "decision", {}))
                       for r in caplog.records)
    # Whole words only: a field named insurance_company may be logged, the word Company not.
    leaks = {s for s in hidden if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", logged, re.I)}
    assert not leaks


def test_unknown_type_says_why_and_scores_every_spec(caplog):
    caplog.set_level(logging.DEBUG, logger="medxtract.decisions")
    specs = load_specs()
    page = make_page([[("Quarterly sales report", 50)], [("Revenue grew in the north", 50)]])
    assert classify(Document(pages=[page]), specs, "MDY", 0.5)[0] == "unknown"
    (chosen,) = events(decisions(caplog), "type.chosen")
    assert chosen["why"] == "best type score below the threshold"
    assert chosen["best_score"] < chosen["threshold"] == 0.5
    assert {d["type"] for d in events(decisions(caplog), "type.score")} == set(specs)

    caplog.clear()
    classify(Document(pages=[make_page([])]), specs, "MDY", 0.5)
    (chosen,) = events(decisions(caplog), "type.chosen")
    assert chosen["type"] == "unknown" and chosen["why"] == "no text on any page"


def test_a_timed_out_page_is_logged_at_info(caplog):
    caplog.set_level(logging.INFO, logger="medxtract.decisions")
    lines = [f"{i}. Amoxicillin {250 * i} mg, {i} times a day" for i in range(12)]
    settings = Settings(ocr_timeout_s=0.001, ocr_engine="tesseract")
    result = medxtract.extract(image_pdf([text_image(lines)]), settings=settings)
    assert result.page_info[0].status == "timeout"
    (timeout,) = events(decisions(caplog), "page.timeout")
    assert timeout["page"] == 1 and timeout["stage"] == "ocr" and timeout["limit_s"] == 0.001
    (summary,) = events(decisions(caplog), "document")
    assert summary["timed_out_pages"] == 1
    assert not events(decisions(caplog), "page.ocr")  # DEBUG: not logged at INFO


def test_json_lines_carry_the_event_its_fields_and_the_context(caplog):
    caplog.set_level(logging.DEBUG, logger="medxtract.decisions")
    with context(doc="abc123"), context(page=2):
        decision("page.deskew", angle=1.23456)
    decision("outside", flags=("invalid",), ok=True)
    first, second = (json.loads(JsonFormatter().format(r)) for r in decisions(caplog))
    assert first["event"] == "page.deskew" and first["level"] == "DEBUG"
    assert (first["doc"], first["page"], first["angle"]) == ("abc123", 2, 1.235)
    assert second == {**second, "event": "outside", "flags": ["invalid"], "ok": True}
    assert "doc" not in second  # the context ended with its block
    assert decisions(caplog)[0].getMessage() == "page.deskew doc=abc123 page=2 angle=1.235"
    plain = logging.LogRecord("x", logging.WARNING, __file__, 1, "disk %s", ("full",), None)
    assert json.loads(JsonFormatter().format(plain))["message"] == "disk full"
    assert json.loads(JsonFormatter().format(plain))["event"] == "log"


def test_cli_log_format_json_writes_one_object_a_line(seed_dir):
    proc = run("extract", seed_dir / "pre_2.pdf", "-v", "--log-format", "json")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stderr.splitlines() if line.strip()]
    assert lines and all("event" in line for line in lines)
    got = {line["event"] for line in lines}
    assert {"type.chosen", "document", "cli.info"} <= got
    assert "DEBUG" not in {line["level"] for line in lines}  # -v: INFO and up
    (out,) = json.loads(proc.stdout)
    (doc,) = [line for line in lines if line["event"] == "document"]
    assert doc["doc"] == out["sha256"][:12] and doc["type"] == out["document_type"]


def test_cli_errors_are_json_too_when_the_env_asks(tmp_path: Path):
    env = {**os.environ, "MEDXTRACT_LOG_FORMAT": "json"}
    proc = subprocess.run([*BIN, "extract", str(tmp_path / "missing.pdf")], capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == ExitCode.NOT_FOUND
    lines = [json.loads(x) for x in proc.stderr.splitlines() if x.strip()]
    (error,) = [line for line in lines if line["event"] == "cli.error"]
    assert error["level"] == "ERROR" and "missing.pdf" in error["message"]
    assert [line["event"] for line in lines] == ["cli.error", "cli.info"]  # and the summary
