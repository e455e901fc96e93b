"""Celery application: Redis broker, JSON, tasks take ids, acks late.

`medxtract worker` runs `make_celery(settings).worker_main(...)`. A task whose worker
process dies is requeued by Celery (acks_late + reject_on_worker_lost, or Redis
redelivery after the visibility timeout); the job's database lease decides who runs it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading

from celery import Celery, signals
from celery.exceptions import SoftTimeLimitExceeded

from medxtract.config import Settings, get_settings

log = logging.getLogger(__name__)
RUN_JOB = "medxtract.run_job"


def make_celery(settings: Settings) -> Celery:
    app = Celery("medxtract", broker=settings.service.broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.service.celery_queue,
        broker_transport_options={"visibility_timeout": settings.service.visibility_timeout_s},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    @app.task(
        name=RUN_JOB,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=settings.service.job_max_retries,
    )
    def run_job_task(self, job_id: str) -> str:
        from medxtract.service.jobs.runner import (
            TransientJobError,
            _finish_failed,
            run_job,
            worker_token,
        )

        token = worker_token()
        try:
            out = run_job(settings, job_id, token=token)
        except TransientJobError as exc:
            # Transient (database, network): back off and try again.
            raise self.retry(exc=exc, countdown=min(60, 2 ** (self.request.retries + 1))) from exc
        except SoftTimeLimitExceeded:
            from medxtract.read.limits import time_error

            err = time_error(float((self.request.timelimit or (0, 0))[1] or 0))
            _finish_failed(settings, job_id, token, err.code, err.message)
            return "failed"
        if out.status == "busy":
            # Another worker holds a live lease (or a dead one's lease has not run out yet).
            raise self.retry(countdown=out.retry_in, max_retries=None)
        # Callbacks are sent by the API's outbox, not from this worker.
        return out.status

    return app


def dispatch(app: Celery, settings: Settings, job_id: str, pages: int) -> None:
    from medxtract.service.jobs.dispatch import job_time_limit

    limit = job_time_limit(settings, pages)
    app.send_task(
        RUN_JOB,
        args=[job_id],
        queue=settings.service.celery_queue,
        soft_time_limit=limit,
        time_limit=limit + 30,
    )


def start_reaper(app: Celery, settings: Settings) -> threading.Event:
    """Requeue jobs whose worker died (lease expired) every `reaper_interval_s`."""
    from medxtract.service.jobs.runner import requeue_expired

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(settings.service.reaper_interval_s):
            try:
                for job_id, pages in requeue_expired(settings):
                    dispatch(app, settings, job_id, pages)
            except Exception:  # noqa: BLE001 - keep reaping
                log.exception("reaper pass failed")

    threading.Thread(target=loop, daemon=True, name="medxtract-reaper").start()
    return stop


# A warm shutdown (SIGTERM, first SIGINT) waits for running tasks; past this it turns cold.
# A task cut short is not lost: acks_late redelivers it and its lease lets another take it.
SHUTDOWN_GRACE_S = 5.0


@signals.worker_process_init.connect
def _after_fork(**_kw) -> None:
    from medxtract.batch import _die_with_parent
    from medxtract.read.limits import cap_memory
    from medxtract.service.db import dispose_all

    _die_with_parent()
    dispose_all()
    cap_memory(get_settings().engine.max_memory_mb)


@signals.worker_shutting_down.connect
def _bounded_shutdown(how: str | None = None, **_kw) -> None:
    if how == "Warm":
        timer = threading.Timer(SHUTDOWN_GRACE_S, os.kill, args=(os.getpid(), signal.SIGQUIT))
        timer.daemon = True
        timer.start()


_default: Celery | None = None


def default_app() -> Celery:
    """For `celery -A medxtract.service.jobs.celery_app:celery worker`."""
    global _default
    if _default is None:
        _default = make_celery(get_settings())
    return _default


def __getattr__(name: str):
    if name in ("celery", "app"):
        return default_app()
    raise AttributeError(name)
