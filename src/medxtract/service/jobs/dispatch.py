"""Where queued jobs go: Celery when a broker is configured, else a local process pool."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol

from medxtract.service.settings import ServiceSettings

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    def submit(self, job_id: str, pages: int) -> None: ...
    def ping(self) -> bool: ...
    def close(self) -> None: ...


def _local_run(settings_data: dict[str, Any], job_id: str) -> dict[str, Any] | None:
    from medxtract.service import webhooks
    from medxtract.service.jobs.runner import TransientJobError, run_job

    settings = ServiceSettings(**settings_data)
    for attempt in range(settings.job_max_retries + 1):
        try:
            out = run_job(settings, job_id)
        except TransientJobError:
            import time

            time.sleep(min(30, 2 ** (attempt + 1)))
            continue
        if out.job and out.job.get("callback_url"):
            webhooks.deliver(
                out.job["callback_url"],
                webhooks.payload(out.job),
                settings.webhook_secret,
                attempts=settings.webhook_retries,
                timeout=settings.webhook_timeout_s,
            )
        return {"status": out.status, "retry_in": out.retry_in}
    return None


def _init_child() -> None:
    from medxtract.service.db import dispose_all

    dispose_all()


class LocalDispatcher:
    """A process pool in the API process: the embedded default needs no server."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._data = settings.model_dump()
        self._pool = ProcessPoolExecutor(
            max_workers=max(1, settings.local_workers),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_child,
        )
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap, daemon=True, name="local-reaper")
        self._reaper.start()

    def submit(self, job_id: str, pages: int) -> None:
        fut: Future = self._pool.submit(_local_run, self._data, job_id)
        fut.add_done_callback(lambda f, j=job_id: self._done(f, j, pages))

    def _done(self, fut: Future, job_id: str, pages: int) -> None:
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is not None:
            # A pool process died (killed, out of memory): the lease reaper requeues it.
            log.warning("job %s: local worker error %s", job_id, type(exc).__name__)
            return
        res = fut.result()
        if res and res["status"] == "busy" and not self._stop.is_set():
            threading.Timer(res["retry_in"], self.submit, args=(job_id, pages)).start()

    def _reap(self) -> None:
        from medxtract.service.jobs.runner import queued_jobs, requeue_expired

        try:  # jobs left queued by a previous run of the service
            for job_id, pages in queued_jobs(self.settings):
                self.submit(job_id, pages)
        except Exception:  # noqa: BLE001
            log.warning("could not resume queued jobs")
        while not self._stop.wait(self.settings.reaper_interval_s):
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
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


class CeleryDispatcher:
    def __init__(self, settings: ServiceSettings) -> None:
        from medxtract.service.jobs.celery_app import make_celery, start_reaper

        self.settings = settings
        self.app = make_celery(settings)
        self._stop = start_reaper(self.app, settings)

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


def make_dispatcher(settings: ServiceSettings) -> Dispatcher:
    if settings.broker_url:
        return CeleryDispatcher(settings)
    return LocalDispatcher(settings)
