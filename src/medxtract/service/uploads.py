"""Accepting an upload: checks, de-duplication by SHA-256, storage, job, dispatch."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_exponential

from medxtract.config import Settings
from medxtract.errors import UnknownDocumentTypeError
from medxtract.service import engine as mx_engine
from medxtract.service import intake, metrics
from medxtract.service.db import utcnow
from medxtract.service.jobs.dispatch import job_time_limit
from medxtract.service.models import (
    DONE,
    FAILED,
    PROCESSING,
    QUEUED,
    Document,
    Extraction,
    Job,
)
from medxtract.service.problems import ApiProblem
from medxtract.service.storage import Storage

log = logging.getLogger(__name__)


@dataclass
class Accepted:
    document_id: str
    job_id: str
    status: str
    duplicate: bool
    result: dict[str, Any] | None = None
    ran: bool = False


def check_type(document_type: str, settings: Settings) -> str:
    names = mx_engine.valid_types(settings=settings)
    if document_type not in names:
        raise UnknownDocumentTypeError(
            f"Unknown document type; expected one of: {', '.join(sorted(names))}."
        )
    return document_type


def check_callback(url: str | None, settings: Settings) -> str | None:
    from medxtract.service import webhooks

    if not url:
        return None
    try:
        return webhooks.check_url(url, settings)
    except webhooks.CallbackRefused as exc:
        raise ApiProblem(422, "invalid_callback_url", str(exc) + ".") from None


def wait_for_job(settings: Settings, job_id: str, timeout: float) -> str:
    """Poll the job's status until it ends or `timeout` passes (the pool or queue runs it).
    Each look is its own short transaction: SQLite's writers must not wait on us."""
    from medxtract.service.db import session_scope

    def status() -> str:
        with session_scope(settings.service.database_url) as s:
            return str(s.execute(select(Job.status).where(Job.id == job_id)).scalar_one())

    polling = Retrying(
        stop=stop_after_delay(timeout),
        wait=wait_exponential(multiplier=0.1, exp_base=1.5, max=1.0),  # 0.1 s, 0.15 s ... 1 s
        retry=retry_if_result(lambda s: s not in (DONE, FAILED)),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else QUEUED,
    )
    return polling(status)


def _latest_job(session: Session, document_id: str) -> Job | None:
    return session.execute(
        select(Job).where(Job.document_id == document_id).order_by(Job.created_at.desc()).limit(1)
    ).scalar_one_or_none()


def _result(session: Session, document_id: str) -> dict[str, Any] | None:
    ex = session.execute(
        select(Extraction).where(Extraction.document_id == document_id)
    ).scalar_one_or_none()
    return ex.result if ex else None


def accept(
    session: Session,
    settings: Settings,
    dispatcher: Any,
    data: bytes,
    *,
    document_type: str = "auto",
    callback_url: str | None = None,
    wait: bool = False,
) -> Accepted:
    check_type(document_type, settings)
    callback_url = check_callback(callback_url, settings)
    info = intake.inspect(data, settings.engine)
    sha = hashlib.sha256(data).hexdigest()
    storage = Storage(settings.service.storage_dir)

    existing = session.execute(select(Document).where(Document.sha256 == sha)).scalar_one_or_none()
    if existing is not None and existing.status != FAILED:
        return _duplicate(session, existing, wait)

    if existing is not None:  # failed before: try again with this copy of the file
        doc = existing
        doc.status, doc.requested_type, doc.updated_at = PROCESSING, document_type, utcnow()
    else:
        doc = Document(sha256=sha, media_type=info.media_type, size_bytes=len(data),
                       pages=info.pages, requested_type=document_type, status=PROCESSING)
        session.add(doc)
        session.flush()
    path = storage.save_upload(doc.id, info.media_type, data)
    doc.storage_path = str(path)
    job = Job(document_id=doc.id, status=QUEUED, callback_url=callback_url)
    session.add(job)
    try:
        session.commit()
    except IntegrityError:  # the same file arrived twice at once: the other one won
        session.rollback()
        storage.delete_upload(path)
        existing = session.execute(select(Document).where(Document.sha256 == sha)).scalar_one()
        return _duplicate(session, existing, wait)
    metrics.UPLOADS.labels(outcome="accepted").inc()
    doc_id, job_id, pages = doc.id, job.id, info.pages
    log.info("document %s received (%s, %d pages), job %s", doc_id, info.media_type, pages, job_id)

    try:
        dispatcher.submit(job_id, pages)
    except Exception:  # noqa: BLE001 - broker down: say so, don't leave a job nobody runs
        log.exception("job %s: could not be queued", job_id)
        # job and doc are still this session's (committed, not expired) rows
        job.status, job.error_code = FAILED, "queue_unavailable"
        job.error = "The job queue is not reachable; upload again later."
        doc.status = FAILED
        session.commit()
        raise ApiProblem(503, "queue_unavailable", "The job queue is not reachable.") from None
    if wait and pages <= settings.service.wait_max_pages:
        # Never extracted here: the API process only waits on the pool or the queue.
        status = wait_for_job(settings, job_id, job_time_limit(settings, pages) + 15)
        session.expire_all()
        if status in (DONE, FAILED):
            return Accepted(doc_id, job_id, status, False, _result(session, doc_id), ran=True)
        return Accepted(doc_id, job_id, status, False)
    return Accepted(doc_id, job_id, QUEUED, False)


def _duplicate(session: Session, doc: Document, wait: bool) -> Accepted:
    metrics.UPLOADS.labels(outcome="duplicate").inc()
    job = _latest_job(session, doc.id)
    status = job.status if job else DONE
    result = _result(session, doc.id) if wait and status == DONE else None
    return Accepted(doc.id, job.id if job else "", status, True, result)
