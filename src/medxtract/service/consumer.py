"""The service's consume folder (`MEDXTRACT_CONSUME_DIR`): files dropped there become jobs.

The folder is read as `medxtract watch` reads one (`medxtract.consume.Folder`): a file is
taken once complete, and a restart puts back what a crash left in .processing/. Each file
is then accepted exactly as an upload is (`uploads.accept`: checks, de-duplication by
SHA-256, storage, a job on the pool or queue), so it shows in /v1/jobs and the review
queue. It waits in .processing/ until its job ends, then goes to done/ with NAME.json (the
document and job ids, never field values) or to failed/ with NAME.reason.txt. A file
refused at intake (not a document, too large, ...) fails at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from medxtract.config import Settings
from medxtract.consume import Folder
from medxtract.errors import MedxtractError
from medxtract.read.limits import check_file_size
from medxtract.service import uploads
from medxtract.service.db import session_scope
from medxtract.service.jobs.dispatch import Dispatcher
from medxtract.service.models import DONE, FAILED, Job
from medxtract.service.problems import ApiProblem

log = logging.getLogger(__name__)

POLL_S = 0.5


class Consumer:
    """A thread beside the API that feeds the consume folder to the job path; `close()`
    ends it and puts files whose jobs are still running back in the queue (a restart
    finds their jobs again by the file's hash)."""

    def __init__(self, settings: Settings, dispatcher: Dispatcher) -> None:
        root = settings.service.consume_dir
        if root is None:
            raise ValueError("no consume folder is set")
        root.mkdir(parents=True, exist_ok=True)
        self.settings, self.dispatcher = settings, dispatcher
        self.folder = Folder(root, settings.service.consume_settle_s)
        self.pending: dict[Path, tuple[str, dict[str, Any]]] = {}  # work file -> job id, row
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="consume-folder")

    def start(self) -> Consumer:
        recovered = self.folder.recover()
        if recovered:
            log.info("consume folder: %d file(s) from an interrupted run put back", recovered)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        for work in list(self.pending):
            self._put_back(work)

    def _loop(self) -> None:
        while not self._stop.wait(POLL_S):
            try:
                self.poll_once()
            except Exception as exc:  # noqa: BLE001 - folder or database hiccup: next pass
                log.warning("consume folder pass failed (%s)", type(exc).__name__)

    def poll_once(self) -> None:
        for path in self.folder.complete_files(time.monotonic()):
            if self._stop.is_set():
                return
            self._submit(path)
        self._finish_ended()

    def _submit(self, path: Path) -> None:
        try:
            work = self.folder.take(path)
        except FileNotFoundError:  # gone meanwhile (moved by its writer or another reader)
            return
        try:
            check_file_size(work, self.settings.engine.max_upload_bytes)
            data = work.read_bytes()
            with session_scope(self.settings.service.database_url) as session:
                got = uploads.accept(session, self.settings, self.dispatcher, data)
        except MedxtractError as exc:  # the file itself: not a document, too large, ...
            self._fail(work, exc.code, exc.message)
            return
        except ApiProblem as exc:
            if exc.status >= 500:  # the job queue is down: try the file again later
                log.warning("consume folder: %s; the file waits", exc.code)
                self._put_back(work)
            else:
                self._fail(work, exc.code, exc.detail)
            return
        except Exception as exc:  # noqa: BLE001 - database out of reach: try again later
            log.warning("consume folder: could not accept a file (%s); it waits",
                        type(exc).__name__)
            self._put_back(work)
            return
        # Accepted: from here the job's own lease and retries see it through, so a crash
        # of the service no longer counts against the file.
        self.folder.clear_attempts(work)
        log.info("consume folder: document %s, job %s", got.document_id, got.job_id)
        row = {"source": path.name, "document_id": got.document_id, "job_id": got.job_id,
               "duplicate": got.duplicate}
        self.pending[work] = (got.job_id, row)

    def _finish_ended(self) -> None:
        if not self.pending:
            return
        ids = {job_id for job_id, _ in self.pending.values()}
        with session_scope(self.settings.service.database_url) as s:
            ended = {
                job_id: (status, code, message)
                for job_id, status, code, message in s.execute(
                    select(Job.id, Job.status, Job.error_code, Job.error)
                    .where(Job.id.in_(ids), Job.status.in_([DONE, FAILED]))
                )
            }
        for work, (job_id, row) in list(self.pending.items()):
            if job_id not in ended:
                continue
            del self.pending[work]
            status, code, message = ended[job_id]
            if status == DONE:
                self._move(work, {**row, "status": DONE})
            else:
                self._fail(work, code or "failed", message or "the job failed")

    def _fail(self, work: Path, code: str, message: str) -> None:
        self._move(work, {"error": {"code": code, "message": message}})

    def _move(self, work: Path, row: dict[str, Any]) -> None:
        try:
            self.folder.finish(work, row)
        except FileNotFoundError:  # taken out of .processing/ by hand meanwhile
            log.warning("consume folder: a file in .processing/ disappeared")

    def _put_back(self, work: Path) -> None:
        self.pending.pop(work, None)
        with contextlib.suppress(FileNotFoundError):  # taken out by hand meanwhile
            self.folder.put_back(work)
