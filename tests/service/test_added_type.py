"""A document type added from a spec folder (not one of the two shipped) goes through upload,
review with corrections, records search, CSV, JSON and FHIR export over HTTP, on each database;
every step takes the field types from the spec."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from medxtract.ui.fields import Editor, editor_for, spec_fields

from .conftest import API_KEY, wait_job

BACKENDS = ["sqlite", pytest.param("mariadb", marks=pytest.mark.db),
            pytest.param("postgresql", marks=pytest.mark.db)]

SPEC = """\
name: lab_report
title: Laboratory report
evidence: ["Laboratory Report", "Specimen", "Glucose"]
required: [patient]
fields:
  patient: {type: name, labels: ["Patient"], fhir: Patient.name}
  collected: {type: date, labels: ["Collected"]}
  glucose: {type: number, labels: ["Glucose (mg/dL)", "Glucose"]}
  fasting: {type: bool, labels: ["Fasting"]}
  repeats: {type: int, labels: ["Repeats"]}
  result: {type: choice, labels: ["Result"], choices: [NORMAL, ABNORMAL]}
  specimen_id: {type: identifier, labels: ["Specimen ID"]}
"""
ROWS = [("Patient:", "Ada Lovelace"), ("Collected:", "2024-03-05"), ("Specimen ID:", "LAB-7731"),
        ("Glucose (mg/dL):", "98.5"), ("Fasting:", "Yes"), ("Repeats:", "2"),
        ("Result:", "NORMAL")]


def lab_pdf() -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, 720, "Laboratory Report")
    c.setFont("Helvetica", 12)
    for i, (label, value) in enumerate(ROWS):
        c.drawString(72, 680 - 28 * i, f"{label} {value}")
    c.save()
    return buf.getvalue()


@pytest.fixture
def lab_client(database, tmp_path):
    from fastapi.testclient import TestClient

    from medxtract.service.api.app import create_app

    from .conftest import make_settings

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "lab_report.yaml").write_text(SPEC)
    settings = make_settings(database, tmp_path, specs_dir=specs)
    with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as c:
        yield c


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_added_type_end_to_end(lab_client: object, database: str) -> None:
    client = lab_client
    types = client.get("/v1/document-types").json()
    assert types["count"] == len(types["items"]) == 3
    lab = next(t for t in types["items"] if t["name"] == "lab_report")
    fields = {f["name"]: f for f in lab["fields"]}
    assert {n: f["type"] for n, f in fields.items()} == {
        "patient": "name", "collected": "date", "glucose": "number", "fasting": "bool",
        "repeats": "int", "result": "choice", "specimen_id": "identifier"}
    assert fields["glucose"]["label"] == "Glucose" and fields["patient"]["required"]
    assert fields["result"]["choices"] == ["NORMAL", "ABNORMAL"]
    # the review UI's editors follow the spec types it reads from the service
    specs = spec_fields(types["items"], "lab_report")
    editors = {n: editor_for(s["type"], None) for n, s in specs.items()}
    assert editors == {"patient": Editor.TEXT, "collected": Editor.DATE,
                       "glucose": Editor.NUMBER, "fasting": Editor.BOOL, "repeats": Editor.INT,
                       "result": Editor.CHOICE, "specimen_id": Editor.TEXT}

    up = client.post("/v1/documents", files={"file": ("lab.pdf", lab_pdf(), "application/pdf")})
    assert up.status_code == 202, up.text
    assert wait_job(client, up.json()["job_id"])["status"] == "done"
    doc_id = up.json()["document_id"]
    doc = client.get(f"/v1/documents/{doc_id}").json()
    assert doc["document_type"] == "lab_report"
    extracted = {n: f["value"] for n, f in doc["result"]["fields"].items()}
    assert extracted["patient"] == "Ada Lovelace" and extracted["glucose"] == 98.5
    assert extracted["fasting"] is True and extracted["repeats"] == 2

    # a value that does not fit its spec type is refused, naming the field only
    bad = client.put(f"/v1/documents/{doc_id}/review",
                     json={"fields": {"glucose": "high"}, "reviewer": "carol"})
    assert bad.status_code == 422 and "glucose" in bad.text and "high" not in bad.text
    bad = client.put(f"/v1/documents/{doc_id}/review",
                     json={"fields": {"result": "borderline"}, "reviewer": "carol"})
    assert bad.status_code == 422 and "NORMAL" in bad.text
    review = {"fields": {"specimen_id": "LAB-7731", "glucose": "99.1", "result": "abnormal",
                         "repeats": "3", "fasting": "no"}, "reviewer": "carol"}
    r = client.put(f"/v1/documents/{doc_id}/review", json=review)
    assert r.status_code == 200, r.text
    assert r.json()["document_type"] == "lab_report"
    corrected = {c["field"]: c["new_value"] for c in r.json()["corrections"]}
    assert corrected["glucose"] == 99.1 and corrected["result"] == "ABNORMAL"
    assert corrected["repeats"] == 3 and corrected["fasting"] is False

    # search by the type's name field, filter by the added type
    found = client.get("/v1/records", params={"q": "ada love"}).json()
    assert found["count"] == 1
    rec = found["items"][0]
    assert rec["patient_name"] == "Ada Lovelace" and rec["document_type"] == "lab_report"
    assert rec["fields"] == {"patient": "Ada Lovelace", "collected": "2024-03-05",
                             "glucose": 99.1, "fasting": False, "repeats": 3,
                             "result": "ABNORMAL", "specimen_id": "LAB-7731"}
    assert client.get("/v1/records", params={"document_type": "lab_report"}).json()["count"] == 1
    assert client.get("/v1/records", params={"document_type": "prescription"}).json()[
        "count"] == 0

    csv_text = client.get("/v1/records", params={"format": "csv", "q": "ada"}).text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == 1
    assert {k: rows[0][k] for k in ("glucose", "fasting", "repeats", "specimen_id")} == {
        "glucose": "99.1", "fasting": "no", "repeats": "3", "specimen_id": "LAB-7731"}

    bundle = client.get(f"/v1/records/{rec['id']}/fhir").json()
    patient = next(e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Patient")
    assert patient["name"][0]["family"] == "Lovelace" and patient["name"][0]["given"] == ["Ada"]


def test_spec_folder_types_in_cli_csv(tmp_path: Path) -> None:
    import subprocess
    import sys

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "lab_report.yaml").write_text(SPEC)
    pdf = tmp_path / "lab.pdf"
    pdf.write_bytes(lab_pdf())
    proc = subprocess.run(
        [sys.executable, "-m", "medxtract.cli", "extract", str(pdf), "--specs", str(specs),
         "-t", "LAB_REPORT", "-f", "csv"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    header, row = list(csv.reader(io.StringIO(proc.stdout)))
    assert header[7:] == ["patient", "collected", "glucose", "fasting", "repeats", "result",
                          "specimen_id"]
    assert row[7:11] == ["Ada Lovelace", "2024-03-05", "98.5", "yes"]


def test_added_type_in_the_review_ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The review page of a real `medxtract serve` gives the added type's fields the editors
    their spec types call for, and an approval stores typed values."""
    import contextlib
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx
    from streamlit.testing.v1 import AppTest

    from medxtract.cli.ui_cmd import service_command
    from medxtract.ui.client import ApiClient

    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "lab_report.yaml").write_text(SPEC)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDXTRACT_")}
    env.update(MEDXTRACT_DATABASE_URL=f"sqlite:///{tmp_path / 'ui.db'}",
               MEDXTRACT_STORAGE_DIR=str(tmp_path / "storage"), MEDXTRACT_API_KEYS=API_KEY,
               MEDXTRACT_SPECS_DIR=str(specs))
    url = f"http://127.0.0.1:{port}"
    # The review UI needs a signed-in reviewer (made as an operator makes one).
    subprocess.run([sys.executable, "-m", "medxtract.cli", "db", "create-reviewer", "rita",
                    "--password-stdin"], input="correct horse battery\n", env=env, cwd=tmp_path,
                   check=True, capture_output=True, text=True, timeout=120)
    with (tmp_path / "serve.log").open("wb") as log:
        proc = subprocess.Popen(service_command(port, "127.0.0.1"), env=env, cwd=tmp_path,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).is_success:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        client = ApiClient(url, API_KEY)
        up = client.upload("lab.pdf", lab_pdf(), "auto", "application/pdf")
        while client.job(up.job_id)["status"] not in ("done", "failed"):
            time.sleep(0.3)
        monkeypatch.setenv("MEDXTRACT_API_URL", url)
        monkeypatch.setenv("MEDXTRACT_API_KEY", API_KEY)
        at = AppTest.from_string(
            "from medxtract.ui import common\nfrom medxtract.ui.views import review\n"
            "common.guarded(review.render)()\n", default_timeout=60)
        from datetime import datetime

        from medxtract.ui import common

        got = ApiClient(url).sign_in("rita", "correct horse battery")
        at.session_state[common.AUTH] = {
            "token": got["token"], "identity": got["identity"],
            "expires": datetime.fromisoformat(got["expires_at"]).timestamp(),
        }
        at.session_state["review_doc"] = up.document_id
        at.run()
        assert not at.exception and not at.error
        def named(widgets, name: str) -> list:  # a label may carry the review mark "⚠ "
            return [w for w in widgets if w.label.removeprefix("⚠ ").startswith(name)]

        assert named(at.date_input, "Collected")
        glucose = named(at.number_input, "Glucose")[0]
        assert glucose.value == 98.5
        assert named(at.number_input, "Repeats")
        result = named(at.radio, "Result")[0]
        assert list(result.options)[:2] == ["NORMAL", "ABNORMAL"]
        fasting = named(at.radio, "Fasting")[0]
        glucose.set_value(101.5)
        result.set_value("ABNORMAL")
        fasting.set_value(False)
        at.button(key=f"approve:{up.document_id}").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        (record,) = client.records(q="Lovelace")
        assert record["fields"]["glucose"] == 101.5
        assert record["fields"]["result"] == "ABNORMAL" and record["fields"]["fasting"] is False
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        with contextlib.suppress(ProcessLookupError):  # pool workers the service left
            os.killpg(proc.pid, signal.SIGKILL)
