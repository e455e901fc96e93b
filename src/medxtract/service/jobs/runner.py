"""Running one extraction job: claim with a lease, extract, store, release.

The database is the source of truth for a job. A worker claims a job with one
conditional UPDATE (queued, or running with an expired lease), renews the lease while
it works, and commits the result only while it still owns the job. So a job whose
worker died is picked up again once its lease runs out (by the redelivered Celery
message or by the reaper), and a job is never stored twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import DBAPIError, OperationalError

from medxtract.config import Settings
from medxtract.errors import MedxtractError
from medxtract.read import limits
from medxtract.service import engine as mx_engine
from medxtract.service import metrics
from medxtract.service.db import rowcount, session_scope, utcnow
from medxtract.service.models import (
    DONE,
    FAILED,
    PENDING_REVIEW,
    PROCESSING,
    QUEUED,
    RUNNING,
    Document,
    Extraction,
    Job,
)
from medxtract.service.storage import Storage

log = logging.getLogger(__name__)

TRANSIENT = (OperationalError, ConnectionError, TimeoutError)


class TransientJobError(Exception):
    """Worth retrying later (database or broker hiccup)."""


@dataclass
class Outcome:
    status: str  # done | failed | busy | finished | missing | lost
    retry_in: float = 0.0
    job: dict[str, Any] | None = None


def worker_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(settings: Settings, job_id: str, token: str) -> Outcome:
    now = utcnow()
    with session_scope(settings.service.database_url) as s:
        job = s.get(Job, job_id)
        if job is None:
            return Outcome("missing")
        if job.status in (DONE, FAILED):
            return Outcome("finished")
        if job.attempts >= settings.service.job_max_retries + 1 and (
            job.status == QUEUED or (job.lease_until and job.lease_until < now)
        ):
            _fail(s, job, "worker_lost", f"Gave up after {job.attempts} attempts.")
            return Outcome("failed", job=_job_event(job))
        res = s.execute(
            update(Job)
            .where(
                Job.id == job_id,
                or_(Job.status == QUEUED, and_(Job.status == RUNNING, Job.lease_until < now)),
            )
            .values(
                status=RUNNING,
                worker=token,
                lease_until=now + timedelta(seconds=settings.service.job_lease_s),
                attempts=Job.attempts + 1,
                progress=0.1,
                started_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if rowcount(res) == 1:
            return Outcome("claimed")
        left = (job.lease_until - now).total_seconds() if job.lease_until else 1.0
        return Outcome("busy", retry_in=max(1.0, left + 0.5))


def _fail(s, job: Job, code: str, message: str) -> None:
    now = utcnow()
    job.status, job.error_code, job.error = FAILED, code, message
    job.lease_until, job.finished_at, job.updated_at = None, now, now
    if job.started_at:
        job.duration_ms = int((now - job.started_at).total_seconds() * 1000)
    doc = s.get(Document, job.document_id)
    if doc is not None and doc.status == PROCESSING:
        doc.status = FAILED
    metrics.FAILURES.labels(code=code).inc()


class _Heartbeat(threading.Thread):
    def __init__(self, settings: Settings, job_id: str, token: str) -> None:
        super().__init__(daemon=True, name=f"lease-{job_id[:8]}")
        self.settings, self.job_id, self.token = settings, job_id, token
        self.stop = threading.Event()
        self.lost = False

    def run(self) -> None:
        period = max(0.2, self.settings.service.job_lease_s / 3)
        while not self.stop.wait(period):
            try:
                self.renew()
            except Exception:  # noqa: BLE001 - a missed beat is retried next period
                log.warning("job %s: lease renewal failed", self.job_id)

    def renew(self, progress: float | None = None) -> None:
        now = utcnow()
        values: dict[str, Any] = {
            "lease_until": now + timedelta(seconds=self.settings.service.job_lease_s),
            "updated_at": now,
        }
        if progress is not None:
            values["progress"] = progress
        with session_scope(self.settings.service.database_url) as s:
            res = s.execute(
                update(Job)
                .where(Job.id == self.job_id, Job.status == RUNNING, Job.worker == self.token)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if rowcount(res) == 0:
                self.lost = True


def run_job(settings: Settings, job_id: str, *, token: str | None = None) -> Outcome:
    """Claim and run one job. Raises TransientJobError when it should be retried."""
    token = token or worker_token()
    try:
        got = claim(settings, job_id, token)
    except TRANSIENT as exc:
        raise TransientJobError(str(exc)) from exc
    if got.status != "claimed":
        if got.status != "busy":
            log.info("job %s: not run (%s)", job_id, got.status)
        return got

    storage = Storage(settings.service.storage_dir)
    with session_scope(settings.service.database_url) as s:
        job = s.get(Job, job_id)
        doc = s.get(Document, job.document_id) if job is not None else None
        if doc is None:  # deleted between the claim and now: nothing left to run
            log.info("job %s: not run (missing)", job_id)
            return Outcome("missing")
        doc_id, path = doc.id, doc.storage_path
        requested, pages_hint = doc.requested_type, doc.pages or 1
    log.info("job %s: running for document %s (%d pages)", job_id, doc_id, pages_hint)
    metrics.RUNNING.inc()
    beat = _Heartbeat(settings, job_id, token)
    beat.start()
    t0 = time.perf_counter()
    # Should the memory watchdog end this process, the job fails (once) instead of being
    # retried by the next worker until it has killed them all.
    def on_exceed() -> None:
        _finish_failed(settings, job_id, token, "resource_limit",
                       limits.memory_error(settings.engine.max_memory_mb).message)

    limits.set_exceed_hook(on_exceed)
    try:
        if not path or not Path(path).exists():
            return _finish_failed(settings, job_id, token, "upload_missing",
                                  "The uploaded file is no longer stored; upload it again.")
        try:
            result = mx_engine.extract(Path(path), requested, settings)
        except MedxtractError as exc:
            if exc.http_status >= 500:
                log.warning("job %s: engine error %s", job_id, exc.code)
            return _finish_failed(settings, job_id, token, exc.code, exc.message)
        except TRANSIENT as exc:
            raise TransientJobError(str(exc)) from exc
        except MemoryError:
            limits.exit_for_memory()  # the hook above records it; a fresh worker follows
        except Exception as exc:  # noqa: BLE001 - a bug in one document must not kill the worker
            log.exception("job %s: extraction crashed", job_id)
            return _finish_failed(settings, job_id, token, "internal_error",
                                  f"Extraction failed: {type(exc).__name__}")
        beat.renew(progress=0.8)
        n_pages = int(result.get("pages") or pages_hint)
        for page in range(1, n_pages + 1):
            try:
                png = mx_engine.render_page(Path(path), page, settings)
                storage.save_page(doc_id, page, png)
            except Exception:  # noqa: BLE001 - the result stands without its page images
                log.warning("job %s: could not render page %d", job_id, page)
        seconds = time.perf_counter() - t0
        try:
            outcome = _finish_done(settings, job_id, token, doc_id, result)
        except TRANSIENT as exc:
            raise TransientJobError(str(exc)) from exc
        if outcome.status == "done":
            metrics.PAGES.inc(n_pages)
            metrics.LATENCY.observe(seconds)
            if not settings.service.retain_uploads:
                storage.delete_upload(path)
                with session_scope(settings.service.database_url) as s:
                    s.execute(update(Document).where(Document.id == doc_id)
                              .values(storage_path=None))
        return outcome
    finally:
        limits.set_exceed_hook(None)
        beat.stop.set()
        metrics.RUNNING.dec()


def _summary(result: dict[str, Any]) -> tuple[float, int]:
    confs = [float(f.get("confidence") or 0.0) for f in (result.get("fields") or {}).values()]
    confs.append(float(result.get("type_confidence") or 0.0))
    return min(confs), len(result.get("needs_review") or [])


def _owned(s, job_id: str, token: str) -> Job | None:
    job = s.execute(select(Job).where(Job.id == job_id).with_for_update()).scalar_one_or_none()
    if job is None or job.status != RUNNING or job.worker != token:
        return None
    return job


def _finish_done(settings, job_id: str, token: str, doc_id: str, result: dict) -> Outcome:
    now = utcnow()
    min_conf, n_review = _summary(result)
    with session_scope(settings.service.database_url) as s:
        job = _owned(s, job_id, token)
        if job is None:
            log.warning("job %s: lease lost before commit; result discarded", job_id)
            return Outcome("lost")
        doc = s.get(Document, doc_id)
        if doc is None:  # the job's row points at it, so only a broken database gets here
            log.warning("job %s: its document is gone; result discarded", job_id)
            return Outcome("missing")
        s.execute(delete(Extraction).where(Extraction.document_id == doc_id))
        s.add(Extraction(document_id=doc_id, job_id=job_id, result=result,
                         min_confidence=min_conf, needs_review_count=n_review))
        doc.pages = int(result.get("pages") or doc.pages or 0)
        doc.document_type = result.get("document_type")
        doc.type_confidence = float(result.get("type_confidence") or 0.0)
        if doc.status in (PROCESSING, FAILED):
            doc.status = PENDING_REVIEW
        job.status, job.progress, job.error, job.error_code = DONE, 1.0, None, None
        job.lease_until, job.finished_at, job.updated_at = None, now, now
        job.duration_ms = int((now - (job.started_at or now)).total_seconds() * 1000)
        event = _job_event(job)
    metrics.DOCUMENTS.labels(status=DONE).inc()
    log.info("job %s: done", job_id)
    return Outcome("done", job=event)


def _finish_failed(settings, job_id: str, token: str, code: str, message: str) -> Outcome:
    with session_scope(settings.service.database_url) as s:
        job = _owned(s, job_id, token)
        if job is None:
            return Outcome("lost")
        _fail(s, job, code, message)
        event = _job_event(job)
    metrics.DOCUMENTS.labels(status=FAILED).inc()
    log.info("job %s: failed (%s)", job_id, code)
    return Outcome("failed", job=event)


def fail_unclaimed(settings: Settings, job_id: str, code: str, message: str) -> None:
    """Fail a job whose worker hit a limit before it had even claimed it (else it would
    stay queued with nobody to run it)."""
    with session_scope(settings.service.database_url) as s:
        job = s.execute(select(Job).where(Job.id == job_id).with_for_update()
                        ).scalar_one_or_none()
        if job is not None and job.status == QUEUED:
            _fail(s, job, code, message)


def _job_event(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "document_id": job.document_id,
        "status": job.status,
        "error": job.error,
        "callback_url": job.callback_url,
    }


def requeue_expired(settings: Settings) -> list[tuple[str, int]]:
    """Put back jobs whose worker stopped renewing its lease. Returns (job_id, pages)."""
    now = utcnow()
    out: list[tuple[str, int]] = []
    try:
        with session_scope(settings.service.database_url) as s:
            rows = s.execute(
                select(Job.id, Document.pages)
                .join(Document, Document.id == Job.document_id)
                .where(Job.status == RUNNING, Job.lease_until < now)
            ).all()
            for job_id, pages in rows:
                res = s.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == RUNNING, Job.lease_until < now)
                    .values(status=QUEUED, worker=None, lease_until=None, progress=0.0,
                            updated_at=now)
                    .execution_options(synchronize_session=False)
                )
                if rowcount(res):
                    out.append((job_id, pages or 1))
    except DBAPIError:
        log.warning("reaper: database not reachable")
        return []
    for job_id, _ in out:
        log.warning("job %s: worker lost (lease expired); requeued", job_id)
    return out


def queued_jobs(settings: Settings) -> list[tuple[str, int]]:
    with session_scope(settings.service.database_url) as s:
        rows = s.execute(
            select(Job.id, Document.pages)
            .join(Document, Document.id == Job.document_id)
            .where(Job.status == QUEUED)
            .order_by(Job.created_at)
        ).all()
    return [(j, p or 1) for j, p in rows]
