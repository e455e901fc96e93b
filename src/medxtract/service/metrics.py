"""Prometheus metrics. Counters of this process, plus figures read from the database at
scrape time (so documents, pages, failures and queue depth are right across workers)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

log = logging.getLogger(__name__)

DOCUMENTS = Counter(
    "medxtract_jobs_finished", "Jobs finished by this process", ["status"]
)
PAGES = Counter("medxtract_pages_extracted", "Pages extracted by this process")
FAILURES = Counter("medxtract_job_failures", "Jobs failed by this process", ["code"])
LATENCY = Histogram(
    "medxtract_extraction_seconds",
    "Extraction time per document in this process",
    buckets=(0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128),
)
RUNNING = Gauge("medxtract_jobs_in_progress", "Jobs running in this process")
UPLOADS = Counter("medxtract_uploads", "Uploads received", ["outcome"])
HTTP_LATENCY = Histogram(
    "medxtract_http_request_seconds",
    "HTTP request latency",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class DatabaseCollector:
    """Reads document, job and page totals from the database on each scrape."""

    def __init__(self) -> None:
        self.url: str | None = None

    def collect(self) -> Any:
        if not self.url:
            return
        from sqlalchemy import func, select

        from medxtract.service.db import session_scope
        from medxtract.service.models import Document, Extraction, Job

        try:
            with session_scope(self.url) as s:
                docs = s.execute(
                    select(Document.status, func.count()).group_by(Document.status)
                ).all()
                jobs = s.execute(select(Job.status, func.count()).group_by(Job.status)).all()
                pages = s.execute(
                    select(func.coalesce(func.sum(Document.pages), 0)).where(
                        Document.id.in_(select(Extraction.document_id))
                    )
                ).scalar_one()
                failures = s.execute(
                    select(Job.error_code, func.count())
                    .where(Job.status == "failed")
                    .group_by(Job.error_code)
                ).all()
        except Exception:  # noqa: BLE001 - a scrape must not fail because the DB is down
            log.warning("metrics: database not reachable")
            return
        g = GaugeMetricFamily("medxtract_documents", "Documents by status", labels=["status"])
        for status, n in docs:
            g.add_metric([status], n)
        yield g
        q = GaugeMetricFamily("medxtract_jobs", "Jobs by status", labels=["status"])
        for status, n in jobs:
            q.add_metric([status], n)
        yield q
        depth = dict(jobs).get("queued", 0)
        yield GaugeMetricFamily("medxtract_queue_depth", "Jobs waiting for a worker", value=depth)
        yield CounterMetricFamily(
            "medxtract_pages", "Pages of extracted documents", value=float(pages or 0)
        )
        f = CounterMetricFamily("medxtract_failures", "Failed jobs by cause", labels=["code"])
        for code, n in failures:
            f.add_metric([code or "unknown"], n)
        yield f


_collector = DatabaseCollector()
_registered = False
_lock = threading.Lock()


def watch_database(url: str) -> None:
    global _registered
    with _lock:
        _collector.url = url
        if not _registered:
            REGISTRY.register(_collector)
            _registered = True
