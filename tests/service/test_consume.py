"""The service's consume folder (`MEDXTRACT_CONSUME_DIR`), run by the app's own lifespan:
files become jobs like uploads, are taken only once complete, end in done/ or failed/ with
the reason, and a restart recovers what was left in .processing/."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from medxtract.service.api.app import create_app
from medxtract.service.db import session_scope
from medxtract.service.models import Job

from .conftest import API_KEY, SEED, make_settings
from .test_celery import _multi_page_pdf

SETTLE_S = 1.0


def _wait_for(check, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def _jobs(settings) -> int:
    with session_scope(settings.service.database_url) as s:
        return int(s.execute(select(func.count()).select_from(Job)).scalar_one())


def _consumer_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "consume-folder"]


def test_consume_folder_feeds_the_job_path(database, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / ".processing").mkdir(parents=True)
    # left in the working state by a service that was killed: put back and done now
    (inbox / ".processing" / "crashed.pdf").write_bytes((SEED / "pre_2.pdf").read_bytes())
    (inbox / ".processing" / ".attempts.json").write_text('{"crashed.pdf": 1}')
    settings = make_settings(database, tmp_path, consume_dir=inbox, consume_settle_s=SETTLE_S)

    with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as client:
        assert _consumer_threads() == ["consume-folder"]
        (inbox / "notes.txt").write_text("not a document")

        # a scanner writing in two parts, the pause shorter than the settle time
        data = (SEED / "pre_1.pdf").read_bytes()
        scan = inbox / "scan.pdf"
        with scan.open("wb") as fh:
            fh.write(data[: len(data) // 2])
            fh.flush()
            time.sleep(0.7 * SETTLE_S)
            assert scan.exists(), "taken while still being written"
            fh.write(data[len(data) // 2 :])

        _wait_for(lambda: (inbox / "failed" / "notes.txt.reason.txt").exists())
        reason = (inbox / "failed" / "notes.txt.reason.txt").read_text()
        assert reason.startswith("unsupported_input:")
        assert (inbox / "failed" / "notes.txt").read_text() == "not a document"

        _wait_for(lambda: (inbox / "done" / "scan.pdf.json").exists())
        _wait_for(lambda: (inbox / "done" / "crashed.pdf.json").exists())
        assert (inbox / "done" / "scan.pdf").read_bytes() == data
        docs = []
        for name in ("scan.pdf", "crashed.pdf"):
            row = json.loads((inbox / "done" / f"{name}.json").read_text())
            assert row["source"] == name and row["status"] == "done"
            assert "fields" not in row  # the values stay in the database, behind auth
            job = client.get(f"/v1/jobs/{row['job_id']}").json()
            assert job["status"] == "done" and job["document_id"] == row["document_id"]
            doc = client.get(f"/v1/documents/{row['document_id']}").json()
            assert doc["status"] == "pending_review"
            assert doc["document_type"] == "prescription"
            docs.append(row["document_id"])
        queue = client.get("/v1/review-queue").json()
        assert sorted(q["document_id"] for q in queue["items"]) == sorted(docs)

        # each file was taken once, however many polls saw it
        time.sleep(3 * SETTLE_S)
        assert _jobs(settings) == 2
        assert sorted(p.name for p in (inbox / "done").iterdir()) == [
            "crashed.pdf", "crashed.pdf.json", "scan.pdf", "scan.pdf.json"]
        assert sorted(p.name for p in (inbox / "failed").iterdir()) == [
            "notes.txt", "notes.txt.reason.txt"]

    assert _consumer_threads() == []  # stopped with the app
    assert sorted(p.name for p in inbox.iterdir()) == [".processing", "done", "failed"]
    assert [p.name for p in (inbox / ".processing").iterdir()] == [".attempts.json"]
    assert json.loads((inbox / ".processing" / ".attempts.json").read_text()) == {}


def test_a_stop_puts_running_files_back_and_a_restart_finds_their_job(database, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = make_settings(database, tmp_path, consume_dir=inbox, consume_settle_s=0.2,
                             job_lease_s=3.0)
    data = _multi_page_pdf(8)  # runs for seconds: still running when the app stops
    with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}):
        (inbox / "form.pdf").write_bytes(data)
        _wait_for(lambda: _jobs(settings) == 1, timeout=30)  # accepted, its job queued
        assert (inbox / ".processing" / "form.pdf").exists()
    # stopped while the job ran: the file waits in the queue again, not counted as a crash
    assert (inbox / "form.pdf").read_bytes() == data
    assert not (inbox / ".processing" / "form.pdf").exists()

    with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as client:
        _wait_for(lambda: (inbox / "done" / "form.pdf.json").exists())
        row = json.loads((inbox / "done" / "form.pdf.json").read_text())
        assert row["duplicate"] is True  # the same file: the job it already had
        assert client.get(f"/v1/jobs/{row['job_id']}").json()["status"] == "done"
        assert _jobs(settings) == 1
    assert _consumer_threads() == []
