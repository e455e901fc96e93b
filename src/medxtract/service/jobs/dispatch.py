"""Where queued jobs go: Celery when a broker is configured, else a local process pool.

Extraction never runs in the API process: `?wait=true` waits on the pool or queue too.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from typing import Any, Protocol

from medxtract.config import Settings
from medxtract.service import webhooks

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    def submit(self, job_id: str, pages: int) -> None: ...
    def ping(self) -> bool: ...
    def close(self) -> None: ...


def job_time_limit(settings: Settings, pages: int) -> float:
    per_pages = max(1, pages) * settings.service.page_time_limit_s + 30
    return float(min(settings.engine.job_time_limit_s, per_pages))


def _local_run(settings: Settings, job_id: str, token: str) -> dict[str, Any] | None:
    """In a pool worker: run the job (callbacks are the API's outbox's business). A
    transient error is retried `job_max_retries` times, 2, 4, 8 ... 30 s apart."""
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

    from medxtract.service.jobs.runner import TransientJobError, run_job

    retrying = Retrying(
        stop=stop_after_attempt(settings.service.job_max_retries + 1),
        wait=wait_exponential(multiplier=2, max=30),
        retry=retry_if_exception_type(TransientJobError),
        retry_error_callback=lambda _state: None,  # given up: the lease reaper has it
    )
    out = retrying(run_job, settings, job_id, token=token)
    return None if out is None else {"status": out.status, "retry_in": out.retry_in}


def _init_child() -> None:
    from medxtract.service.db import dispose_all

    dispose_all()


class LocalDispatcher:
    """A guarded process pool beside the API: each job runs in a worker under the memory
    cap and its time limit; a job past either fails alone (`resource_limit`) and pebble
    replaces the worker. Callbacks go out from the outbox here, never from a worker."""

    def __init__(self, settings: Settings) -> None:
        from medxtract.batch import GuardedPool

        self.settings = settings
        self._pool = GuardedPool(settings.service.local_workers, settings.engine.max_memory_mb,
                                 initializer=_init_child, spawn=True)
        self._outbox = webhooks.Outbox(settings)
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap, daemon=True, name="local-reaper")
        self._reaper.start()

    def submit(self, job_id: str, pages: int) -> None:
        from medxtract.service.jobs.runner import worker_token

        token = worker_token()
        fut = self._pool.schedule(_local_run, (self.settings, job_id, token),
                                  job_time_limit(self.settings, pages))
        fut.add_done_callback(lambda f: self._done(f, job_id, pages, token))

    def _done(self, fut: Future, job_id: str, pages: int, token: str) -> None:
        from medxtract.errors import ResourceLimitError
        from medxtract.service.jobs.runner import _finish_failed, fail_unclaimed

        if fut.cancelled():
            return
        exc = self._pool.error_of(fut)
        if isinstance(exc, ResourceLimitError):
            # The worker ran out of memory or time and was replaced: the job fails alone.
            log.warning("job %s: %s", job_id, exc.code)
            try:
                out = _finish_failed(self.settings, job_id, token, exc.code, exc.message)
                if out.status == "lost":
                    fail_unclaimed(self.settings, job_id, exc.code, exc.message)
            except Exception:  # noqa: BLE001 - the lease reaper gets it back otherwise
                log.warning("job %s: could not record the limit", job_id)
            return
        if exc is not None:
            log.warning("job %s: local worker error %s", job_id, type(exc).__name__)
            return
        res = fut.result()
        if not res:
            return
        if res["status"] == "busy" and not self._stop.is_set():
            threading.Timer(res["retry_in"], self.submit, args=(job_id, pages)).start()

    def _reap(self) -> None:
        from medxtract.service.jobs.runner import queued_jobs, requeue_expired

        try:  # jobs left queued by a previous run of the service
            for job_id, pages in queued_jobs(self.settings):
                self.submit(job_id, pages)
        except Exception:  # noqa: BLE001
            log.warning("could not resume queued jobs")
        while not self._stop.wait(self.settings.service.reaper_interval_s):
            try:
                for job_id, pages in requeue_expired(self.settings):
                    self.submit(job_id, pages)
            except RuntimeError:  # pool broken or shut down
                return
            except Exception:  # noqa: BLE001
                log.exception("reaper pass failed")

    def ping(self) -> bool:
        return not self._stop.is_set()

    def close(self) -> None:
        """Stop the workers now (their jobs' leases run out and are picked up next start)."""
        self._stop.set()
        self._pool.close(timeout=5.0)
        self._outbox.close()


class CeleryDispatcher:
    def __init__(self, settings: Settings) -> None:
        from medxtract.service.jobs.celery_app import make_celery, start_reaper

        self.settings = settings
        self.app = make_celery(settings)
        self._stop = start_reaper(self.app, settings)
        self._outbox = webhooks.Outbox(settings)

    def submit(self, job_id: str, pages: int) -> None:
        from medxtract.service.jobs.celery_app import dispatch

        dispatch(self.app, self.settings, job_id, pages)

    def ping(self) -> bool:
        try:
            with self.app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
                conn.default_channel.client.ping()
            return True
        except Exception:  # noqa: BLE001
            return False

    def close(self) -> None:
        self._stop.set()
        self._outbox.close()


def make_dispatcher(settings: Settings) -> Dispatcher:
    if settings.service.broker_url:
        return CeleryDispatcher(settings)
    return LocalDispatcher(settings)
