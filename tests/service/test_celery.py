"""The Celery path through the real Redis and real `medxtract worker` processes."""

from __future__ import annotations

import io
import signal
import time
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from medxtract.service.api.app import create_app
from medxtract.service.db import session_scope
from medxtract.service.models import Document, Extraction, Job

from .conftest import API_KEY, SEED, WorkerProcess, make_settings, wait_job, worker_env

pytestmark = pytest.mark.slow


def _multi_page_pdf(pages: int) -> bytes:
    """A longer document (seed pages repeated) so a job runs long enough to be killed."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(SEED / "pre_1.pdf"))
    out = pdfium.PdfDocument.new()
    for _ in range(pages):
        out.import_pages(src)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


@pytest.fixture
def celery_settings(database, redis_url, tmp_path):
    return make_settings(
        database, tmp_path,
        broker_url=redis_url,
        celery_queue=f"mx-test-{uuid.uuid4().hex[:8]}",
        job_lease_s=4.0,
        reaper_interval_s=1.0,
        visibility_timeout_s=6,
    )


@pytest.fixture
def worker_factory(celery_settings, tmp_path):
    started: list[WorkerProcess] = []

    def start() -> WorkerProcess:
        w = WorkerProcess(worker_env(celery_settings), tmp_path / "worker.log").start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()
    import redis

    redis.Redis.from_url(celery_settings.service.broker_url).flushdb()


def _client(settings):
    return TestClient(create_app(settings), headers={"X-API-Key": API_KEY})


@pytest.mark.parametrize("database", ["sqlite", pytest.param("mariadb", marks=pytest.mark.db),
                                      pytest.param("postgresql", marks=pytest.mark.db)],
                         indirect=True)
def test_worker_process_runs_jobs(celery_settings, worker_factory, tmp_path):
    with _client(celery_settings) as client:
        assert client.get("/readyz").json()["checks"] == {"database": True, "queue": True}
        worker_factory()
        jobs = []
        for name in ("pre_2", "pd_1"):
            r = client.post("/v1/documents",
                            files={"file": (f"{name}.pdf", (SEED / f"{name}.pdf").read_bytes())})
            assert r.status_code == 202, r.text
            jobs.append(r.json())
        for body in jobs:
            job = wait_job(client, body["job_id"], timeout=180)
            assert job["status"] == "done", (job, (tmp_path / "worker.log").read_text()[-3000:])
            doc = client.get(f"/v1/documents/{body['document_id']}").json()
            assert doc["status"] == "pending_review" and doc["result"]["fields"]


def test_sigkilled_worker_job_is_redone_once(celery_settings, worker_factory, database, tmp_path):
    log = tmp_path / "worker.log"
    with _client(celery_settings) as client:
        first = worker_factory()
        r = client.post("/v1/documents",
                        files={"file": ("long.pdf", _multi_page_pdf(10))},
                        data={"document_type": "prescription"})
        assert r.status_code == 202, r.text
        job_id, doc_id = r.json()["job_id"], r.json()["document_id"]

        deadline = time.monotonic() + 120
        while client.get(f"/v1/jobs/{job_id}").json()["status"] != "running":
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        time.sleep(0.5)  # inside the extraction (10 pages take several seconds)
        first.kill(signal.SIGKILL)
        killed = client.get(f"/v1/jobs/{job_id}").json()
        assert killed["status"] in ("running", "queued"), (killed, log.read_text()[-3000:])

        worker_factory()  # a restarted worker
        job = wait_job(client, job_id, timeout=240)
        assert job["status"] == "done", (job, log.read_text()[-4000:])

    with session_scope(database) as s:
        assert s.execute(select(func.count()).select_from(Document)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(Job)).scalar_one() == 1
        assert s.execute(select(func.count()).select_from(Extraction)).scalar_one() == 1
        j = s.get(Job, job_id)
        assert j.attempts >= 2 and j.lease_until is None
        d = s.get(Document, doc_id)
        assert d.status == "pending_review" and d.pages == 10


def test_worker_ends_its_children_on_sigterm_while_busy(celery_settings, worker_factory):
    """SIGTERM to `medxtract worker` (not its group) with a job running: it and every
    process it started are gone within seconds; the job is not lost (acks_late)."""
    import psutil

    worker = worker_factory()
    with TestClient(create_app(celery_settings), headers={"X-API-Key": API_KEY}) as client:
        r = client.post("/v1/documents", files={"file": ("long.pdf", _multi_page_pdf(6))})
        assert r.status_code == 202
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if client.get(f"/v1/jobs/{r.json()['job_id']}").json()["status"] == "running":
                break
            time.sleep(0.2)
        children = psutil.Process(worker.proc.pid).children(recursive=True)
        assert children
        t0 = time.monotonic()
        worker.proc.send_signal(signal.SIGTERM)
        worker.proc.wait(timeout=20)
        _, alive = psutil.wait_procs(children, timeout=5)
        assert not alive, [p.pid for p in alive]
        assert time.monotonic() - t0 < 15


def test_callback_of_a_celery_job_is_sent_by_the_api(celery_settings, worker_factory):
    """The worker only extracts; the API's outbox sends the callback (once)."""
    from .test_security import Receiver

    receiver = Receiver()
    settings = celery_settings.with_values(callback_allow_http=True,
                                           callback_allow_hosts="127.0.0.1")
    worker_factory()
    try:
        with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as client:
            r = client.post("/v1/documents", files={"file": ("a.pdf",
                            (SEED / "pre_2.pdf").read_bytes())},
                            data={"callback_url": receiver.url})
            assert r.status_code == 202, r.text
            assert wait_job(client, r.json()["job_id"])["status"] == "done"
            deadline = time.monotonic() + 15
            while not receiver.calls and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1.5)  # a few more outbox passes: still sent once
    finally:
        receiver.close()
    assert len(receiver.calls) == 1
    assert b'"status":"done"' in receiver.calls[0][1]
