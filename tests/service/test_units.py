"""Small pieces: sniffing, value normalisation, FHIR bundles, webhooks, compatibility routes."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from medxtract.errors import EmptyInputError, UnsupportedInputError
from medxtract.service import fhir, intake, typed
from medxtract.service.typed import FieldValueError

from .conftest import SEED, wait_job


def test_sniff_by_content_not_name():
    assert intake.sniff(b"%PDF-1.7 ...") == "application/pdf"
    assert intake.sniff(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert intake.sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert intake.sniff(b"II*\x00") == "image/tiff"
    assert intake.sniff(b"MM\x00*") == "image/tiff"
    with pytest.raises(UnsupportedInputError):
        intake.sniff(b"<html>")
    with pytest.raises(EmptyInputError):
        intake.sniff(b"")


def test_normalise_values_by_spec_type():
    assert typed.normalise("when", "2022-05-11", "date") == "2022-05-11"
    assert typed.normalise("has_insurance", "Yes", "bool") is True
    assert typed.normalise("refills", "2", "int") == 2
    assert typed.normalise("weight", "72.5", "number") == 72.5
    assert typed.normalise("measles", "not immune", "choice", ("IMMUNE", "NOT IMMUNE")) == (
        "NOT IMMUNE")
    assert typed.normalise("allergies", "N/A") is None
    assert typed.normalise("meds", [{"name": "Prednisone", "strength": "20 mg"}], "medicines") == [
        {"name": "Prednisone", "strength": "20 mg"}]
    # a field named like a date but typed text in its spec stays text
    assert typed.normalise("date", "yesterday", "text") == "yesterday"
    for name, bad, ftype in (("d", "yesterday", "date"), ("r", "two", "int"),
                             ("h", "maybe", "bool"), ("m", "Prednisone", "medicines"),
                             ("w", "heavy", "number"), ("p", {"a": 1}, "name")):
        with pytest.raises(FieldValueError) as err:
            typed.normalise(name, bad, ftype)
        assert str(bad) not in str(err.value)
    assert typed.column_value("95 kg", "number") == 95.0
    assert typed.column_value("not a date", "date") is None


def _record(doc_type: str, fields: dict) -> dict:
    return {"id": "r1", "document_id": "d1", "document_type": doc_type, "patient_name": "x",
            "fields": fields, "reviewer": "a", "verified_at": "2024-01-02T03:04:05"}


def _spec_fields(doc_type: str) -> dict:
    from medxtract.understand.specs import load_specs

    return load_specs()[doc_type].fields


def test_fhir_bundles_validate():
    truth = json.loads((SEED / "pd_1.truth.json").read_text())["fields"]
    b = fhir.bundle_for(_record("patient_details", truth), _spec_fields("patient_details"))
    kinds = [e["resource"]["resourceType"] for e in b["entry"]]
    assert kinds == ["Patient", "Coverage"]
    patient = b["entry"][0]["resource"]
    assert patient["birthDate"] == "1972-05-06" and patient["name"][0]["family"] == "Crawford"
    cov = b["entry"][1]["resource"]
    assert cov["beneficiary"]["reference"] == b["entry"][0]["fullUrl"]
    assert cov["subscriberId"] == "7115207313"

    truth = json.loads((SEED / "pre_1.truth.json").read_text())["fields"]
    truth["date"] = truth["date"][0]
    b = fhir.bundle_for(_record("prescription", truth), _spec_fields("prescription"))
    reqs = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] ==
            "MedicationRequest"]
    assert [r["medicationCodeableConcept"]["text"] for r in reqs] == [
        "Prednisone 20 mg", "Lialda 2.4 gram"]
    assert reqs[0]["dispenseRequest"]["numberOfRepeatsAllowed"] == 2
    assert reqs[0]["authoredOn"] == "2022-05-11"
    # the R4B models accept it back
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(b)


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((dict(self.headers), body))
        self.send_response(500 if len(_Hook.received) == 1 else 200)  # first try fails
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_signed_and_retried(database, tmp_path):
    from fastapi.testclient import TestClient

    from medxtract.service.api.app import create_app

    from .conftest import API_KEY, make_settings

    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    settings = make_settings(database, tmp_path, webhook_secret="s3cret",
                             callback_allow_http=True, callback_allow_hosts="127.0.0.1")
    try:
        with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as client:
            r = client.post("/v1/documents", files={"file": ("a.pdf",
                                                             (SEED / "pd_1.pdf").read_bytes())},
                            data={"callback_url": url})
            assert r.status_code == 202
            assert wait_job(client, r.json()["job_id"])["status"] == "done"
            deadline = time.monotonic() + 30
            while len(_Hook.received) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        server.shutdown()
    assert len(_Hook.received) == 2
    headers, body = _Hook.received[-1]
    ts = headers["X-Medxtract-Timestamp"]
    expected = "sha256=" + hmac.new(b"s3cret", ts.encode() + b"." + body,
                                     hashlib.sha256).hexdigest()
    assert headers["X-Medxtract-Signature"] == expected
    payload = json.loads(body)
    assert payload["status"] == "done" and payload["job_id"] == r.json()["job_id"]
    assert "fields" not in payload


class _Down(BaseHTTPRequestHandler):
    calls: list[float] = []

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        _Down.calls.append(time.monotonic())
        self.send_response(503)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_gives_up_after_its_attempts_backing_off(database, tmp_path):
    from medxtract.service.webhooks import deliver

    from .conftest import make_settings

    server = HTTPServer(("127.0.0.1", 0), _Down)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = make_settings(database, tmp_path, webhook_retries=3, callback_allow_http=True,
                             callback_allow_hosts="127.0.0.1")
    body = {"event": "job.done", "job_id": "j1", "document_id": "d1", "status": "done"}
    try:
        assert deliver(f"http://127.0.0.1:{server.server_port}/hook", body, settings) is False
    finally:
        server.shutdown()
    assert len(_Down.calls) == 3  # MEDXTRACT_WEBHOOK_RETRIES attempts, no more
    gaps = [b - a for a, b in zip(_Down.calls, _Down.calls[1:], strict=False)]
    assert 0.4 < gaps[0] < 1.5 and 1.8 < gaps[1] < 3.5  # 0.5 s, then 2 s


def test_student_project_endpoints(client):
    r = client.post("/extract_from_doc", data={"file_format": "prescription"},
                    files={"file": ("p.pdf", (SEED / "pre_2.pdf").read_bytes())})
    assert r.status_code == 200, r.text
    assert "patient_name" in r.json() and "medicines" in r.json()
    assert client.post("/extract_from_doc", data={"file_format": "receipt"},
                       files={"file": ("p.pdf", b"%PDF-1.4")}).status_code == 422

    r = client.post("/patient_details", data={"patient_name": "Kathy Crawford",
                                              "phone_number": "(737) 988-0851",
                                              "hepatitis_b_vaccination": "No",
                                              "medical_problems": "Migraine"})
    assert r.status_code == 200, r.text
    rec = client.get(f"/v1/records/{r.json()['record_id']}").json()
    assert rec["fields"]["phone"] == "(737) 988-0851"
    assert rec["fields"]["hepatitis_b_vaccinated"] is False
    r = client.post("/prescription", data={"patient_name": "Maria Sharapova",
                                           "medicines": "Prednisone 20 mg\nLialda 2.4 gram",
                                           "refills": "2"})
    assert r.status_code == 200, r.text
    recs = client.get("/v1/records", params={"document_type": "prescription"}).json()["items"]
    assert recs[0]["fields"]["refills"] == 2
    assert client.post("/prescription", data={"refills": "lots"}).status_code == 422
    assert client.post("/prescription", data={"nonsense": "x"}).status_code == 422


def test_no_patient_values_or_file_names_in_logs(client, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    r = client.post("/v1/documents?wait=true",
                    files={"file": ("Maria Sharapova rx.pdf", (SEED / "pre_1.pdf").read_bytes())})
    assert r.status_code == 200, r.text
    doc_id = r.json()["document_id"]
    client.put(f"/v1/documents/{doc_id}/review",
               json={"fields": {"patient_name": "Secret Person"}, "reviewer": "a"})
    text = "\n".join(rec.getMessage() for rec in caplog.records
                     if rec.name.startswith(("medxtract.service", "uvicorn", "celery")))
    assert doc_id in text  # ids are logged
    for secret in ("Sharapova", "Secret Person", "rx.pdf", "Prednisone"):
        assert secret not in text
