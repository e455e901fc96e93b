"""End to end over HTTP on each database: upload the seed samples, poll, review, export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from PIL import Image

from medxtract.result import SCHEMA_VERSION

from .conftest import SEED, wait_job

BACKENDS = ["sqlite", pytest.param("mariadb", marks=pytest.mark.db),
            pytest.param("postgresql", marks=pytest.mark.db)]


def _truth(name: str) -> dict:
    return json.loads((SEED / f"{name}.truth.json").read_text())


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_seed_documents_end_to_end(client, settings, database):
    names = ["pre_1", "pre_2", "pd_1", "pd_2"]
    uploaded = {}
    for name in names:
        r = client.post("/v1/documents", files={"file": (f"{name}.pdf", (SEED / f"{name}.pdf")
                                                         .read_bytes(), "application/pdf")})
        assert r.status_code == 202, r.text
        body = r.json()
        assert set(body) == {"document_id", "job_id", "status", "duplicate"}
        assert body["status"] == "queued" and body["duplicate"] is False
        uploaded[name] = body

    # the same bytes again: not re-extracted
    again = client.post("/v1/documents", files={"file": ("other-name.pdf",
                                                         (SEED / "pre_1.pdf").read_bytes())})
    assert again.status_code == 200, again.text
    assert again.json()["duplicate"] is True
    assert again.json()["document_id"] == uploaded["pre_1"]["document_id"]
    assert again.json()["job_id"] == uploaded["pre_1"]["job_id"]

    for name, body in uploaded.items():
        job = wait_job(client, body["job_id"])
        assert job["status"] == "done", job
        assert job["progress"] == 1.0 and job["document_id"] == body["document_id"]
        doc = client.get(f"/v1/documents/{body['document_id']}").json()
        truth = _truth(name)
        assert doc["status"] == "pending_review"
        assert doc["document_type"] == truth["document_type"]
        assert doc["pages"] == (2 if name.startswith("pd") else 1)
        fields = doc["result"]["fields"]
        assert set(truth["fields"]) <= set(fields)
        for f in fields.values():
            assert 0.0 <= f["confidence"] <= 1.0
            if f["value"] is not None and f["bbox"] is not None:
                assert all(0.0 <= c <= 1.0 for c in f["bbox"])
        png = client.get(f"/v1/documents/{body['document_id']}/pages/1")
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
        assert png.headers["content-type"] == "image/png"
        # The stored page is the original page, the frame the result's boxes are in.
        info = doc["result"]["page_info"][0]
        assert doc["result"]["schema_version"] == SCHEMA_VERSION
        assert Image.open(io.BytesIO(png.content)).size == (info["original_width"],
                                                            info["original_height"])
        assert client.get(f"/v1/documents/{body['document_id']}/pages/9").status_code == 404

    # uploads are deleted after extraction (retain_uploads is off)
    assert not list((settings.service.storage_dir / "uploads").glob("*"))

    page = client.get("/v1/review-queue").json()
    queue = page["items"]
    assert page["count"] == len(queue) == 4
    assert {q["document_id"] for q in queue} == {b["document_id"] for b in uploaded.values()}
    confs = [q["min_confidence"] for q in queue]
    assert confs == sorted(confs)

    # review a prescription with one corrected value
    pre = uploaded["pre_1"]["document_id"]
    review = {"fields": {"patient_name": "Maria Sharapova-Corrected"}, "reviewer": "alice"}
    r = client.put(f"/v1/documents/{pre}/review", json=review)
    assert r.status_code == 200, r.text
    rv = r.json()
    assert rv["document_id"] == pre and rv["document_type"] == "prescription"
    assert [c["field"] for c in rv["corrections"]] == ["patient_name"]
    assert rv["corrections"][0]["new_value"] == "Maria Sharapova-Corrected"
    # the audit trail names the authenticated caller (this API key), not the typed "alice"
    assert rv["corrections"][0]["reviewer"].startswith("key:")
    # approving twice: same record, no duplicate correction
    r2 = client.put(f"/v1/documents/{pre}/review", json=review)
    assert r2.status_code == 200
    assert r2.json()["record_id"] == rv["record_id"]
    assert len(r2.json()["corrections"]) == 1
    assert client.get(f"/v1/documents/{pre}").json()["status"] == "approved"

    # approve a patient record unchanged, reject the other prescription
    pd = uploaded["pd_1"]["document_id"]
    r = client.put(f"/v1/documents/{pd}/review", json={"fields": {}, "reviewer": "bob"})
    assert r.status_code == 200 and r.json()["corrections"] == []
    rej = uploaded["pre_2"]["document_id"]
    r = client.post(f"/v1/documents/{rej}/reject", json={"reason": "blurred", "reviewer": "bob"})
    assert r.json() == {"document_id": rej, "status": "rejected"}
    assert client.put(f"/v1/documents/{rej}/review",
                      json={"fields": {}, "reviewer": "bob"}).status_code == 409
    queue = client.get("/v1/review-queue").json()["items"]
    assert [q["document_id"] for q in queue] == [uploaded["pd_2"]["document_id"]]

    # records: filter, find the correction in the audit trail, CSV, FHIR
    recs = client.get("/v1/records", params={"q": "sharapova-corr"}).json()["items"]
    assert len(recs) == 1 and recs[0]["id"] == rv["record_id"]
    assert recs[0]["patient_name"] == "Maria Sharapova-Corrected"
    assert recs[0]["fields"]["patient_name"] == "Maria Sharapova-Corrected"
    by_type = client.get("/v1/records", params={"document_type": "patient_details"}).json()
    assert by_type["count"] == 1 and len(by_type["items"]) == 1
    assert client.get("/v1/records", params={"date_to": "2000-01-01"}).json() == {
        "count": 0, "items": []}
    # limit/offset page through the list; count stays the total
    first = client.get("/v1/records", params={"limit": 1}).json()
    second = client.get("/v1/records", params={"limit": 1, "offset": 1}).json()
    assert first["count"] == second["count"] == 2
    assert first["items"][0]["id"] != second["items"][0]["id"]
    detail = client.get(f"/v1/records/{rv['record_id']}").json()
    assert detail["corrections"][0]["old_value"] != "Maria Sharapova-Corrected"
    assert detail["corrections"][0]["field"] == "patient_name"

    r = client.get("/v1/records", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["patient_name"] for row in rows} >= {"Maria Sharapova-Corrected"}

    for rec in client.get("/v1/records").json()["items"]:
        bundle = client.get(f"/v1/records/{rec['id']}/fhir").json()
        assert bundle["resourceType"] == "Bundle"
        kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
        assert "Patient" in kinds
        if rec["document_type"] == "prescription":
            assert "MedicationRequest" in kinds
        elif rec["fields"].get("insurance_company"):
            assert "Coverage" in kinds

    # typed columns were filled
    from sqlalchemy import select

    from medxtract.service.db import session_scope
    from medxtract.service.models import PrescriptionMedicine, PrescriptionRecord

    with session_scope(database) as s:
        p = s.execute(select(PrescriptionRecord)).scalar_one()
        assert p.patient_name == "Maria Sharapova-Corrected"
        assert s.execute(select(PrescriptionMedicine)).scalars().all()

    metrics = client.get("/metrics").text
    assert "medxtract_documents" in metrics and "medxtract_queue_depth" in metrics


def test_wait_true_answers_at_once(client):
    r = client.post("/v1/documents?wait=true",
                    files={"file": ("x.pdf", (SEED / "pre_2.pdf").read_bytes())},
                    data={"document_type": "prescription"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "done" and body["duplicate"] is False
    assert body["result"]["document_type"] == "prescription"
    assert "patient_name" in body["result"]["fields"]
    # duplicate with wait: the stored result
    again = client.post("/v1/documents?wait=true",
                        files={"file": ("y.pdf", (SEED / "pre_2.pdf").read_bytes())})
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["result"]["sha256"] == body["result"]["sha256"]
    assert "x.pdf" not in json.dumps(body["result"])
