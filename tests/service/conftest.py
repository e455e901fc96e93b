"""Fixtures of the service suite: one fresh database per backend, clients, a worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from medxtract.config import EngineSettings, ServiceSettings, Settings, UISettings
from medxtract.service.db import dispose_engine

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "samples" / "seed"
API_KEY = "test-key-123"
RUN = uuid.uuid4().hex[:8]

MARIADB_URL = os.environ.get("MEDXTRACT_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306")
POSTGRES_URL = os.environ.get(
    "MEDXTRACT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432"
)
REDIS_URL = os.environ.get("MEDXTRACT_TEST_REDIS", "redis://127.0.0.1:6379")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _need(url: str, default_port: int, what: str) -> None:
    u = make_url(url) if "://" in url and not url.startswith("redis") else None
    host = u.host if u else "127.0.0.1"
    port = (u.port if u else None) or default_port
    if url.startswith("redis"):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    if not reachable(host, port):
        pytest.skip(f"{what} is not reachable on {host}:{port} (run scripts/start-services.sh)")


def _create_db(backend: str, tmp: Path) -> str:
    name = f"mx_test_{RUN}_{uuid.uuid4().hex[:6]}"
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'medxtract.db'}"
    if backend == "mariadb":
        _need(MARIADB_URL, 3306, "MariaDB")
        import pymysql

        u = make_url(MARIADB_URL)
        conn = pymysql.connect(host=u.host, port=u.port or 3306, user=u.username or "root",
                               password=u.password or "", autocommit=True)
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        conn.close()
        return f"{MARIADB_URL}/{name}"
    _need(POSTGRES_URL, 5432, "PostgreSQL")
    import psycopg

    u = make_url(POSTGRES_URL)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username or "postgres",
                         password=u.password, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES_URL}/{name}"


def _drop_db(url: str) -> None:
    dispose_engine(url)
    u = make_url(url)
    if u.get_backend_name() == "mysql":
        import pymysql

        conn = pymysql.connect(host=u.host, port=u.port or 3306, user=u.username or "root",
                               password=u.password or "", autocommit=True)
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{u.database}`")
        conn.close()
    elif u.get_backend_name() == "postgresql":
        import psycopg

        with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username or "postgres",
                             password=u.password, dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')


@pytest.fixture
def database(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database; `request.param` picks the backend (default sqlite)."""
    backend = getattr(request, "param", "sqlite")
    url = _create_db(backend, tmp_path)
    try:
        yield url
    finally:
        _drop_db(url)


def make_settings(database_url: str, tmp: Path, **kw) -> Settings:
    """Settings for one test; `kw` are setting names of any section (`max_pixels`, ...)."""
    base = dict(
        database_url=database_url,
        storage_dir=tmp / "storage",
        api_keys=API_KEY,
        auth="on",
        broker_url=None,
        local_workers=2,
        job_lease_s=10.0,
        reaper_interval_s=1.0,
    )
    base.update(kw)
    isolated = Settings(engine=EngineSettings(_env_file=None),
                        service=ServiceSettings(_env_file=None), ui=UISettings(_env_file=None))
    return isolated.with_values(**base)


@pytest.fixture
def settings(database, tmp_path) -> Settings:
    return make_settings(database, tmp_path)


@pytest.fixture
def client(settings):
    from fastapi.testclient import TestClient

    from medxtract.service.api.app import create_app

    with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as c:
        yield c


def wait_job(client, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get(f"/v1/jobs/{job_id}")
        assert r.status_code == 200, r.text
        job = r.json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} not finished after {timeout}s: {job}")


# ---- Celery ----------------------------------------------------------------------------


@pytest.fixture
def redis_url() -> str:
    _need(REDIS_URL, 6379, "Redis")
    db = int(uuid.uuid4().int % 14) + 1
    return f"{REDIS_URL.rstrip('/')}/{db}"


class WorkerProcess:
    """`medxtract worker` in its own process group, so it can be SIGKILLed as a whole."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        fh = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from medxtract.cli.app import main; main()", "worker",
             "-c", "1", "--loglevel", "INFO"],
            env=self.env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=ROOT,
        )
        return self

    def kill(self, sig: int) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def worker_env(settings: Settings) -> dict[str, str]:
    svc = settings.service
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("MEDXTRACT_"):
            del env[key]
    env.update({
        "MEDXTRACT_DATABASE_URL": svc.database_url,
        "MEDXTRACT_BROKER_URL": svc.broker_url or "",
        "MEDXTRACT_STORAGE_DIR": str(svc.storage_dir),
        "MEDXTRACT_CELERY_QUEUE": svc.celery_queue,
        "MEDXTRACT_JOB_LEASE_S": str(svc.job_lease_s),
        "MEDXTRACT_REAPER_INTERVAL_S": str(svc.reaper_interval_s),
        "MEDXTRACT_VISIBILITY_TIMEOUT_S": str(svc.visibility_timeout_s),
        "MEDXTRACT_RETAIN_UPLOADS": "true" if svc.retain_uploads else "false",
        "PYTHONUNBUFFERED": "1",
    })
    return env


# ---- no orphans ------------------------------------------------------------------------


def leftover_children(grace_s: float = 10.0) -> list[str]:
    """Processes this test session started that are still alive after `grace_s` (the
    multiprocessing resource tracker lives as long as the session and is not counted)."""
    import psutil

    kids = [p for p in psutil.Process().children(recursive=True)
            if "resource_tracker" not in " ".join(p.cmdline() if p.is_running() else [])]
    _, alive = psutil.wait_procs(kids, timeout=grace_s)
    out = []
    for p in alive:
        try:
            out.append(f"{p.pid} {' '.join(p.cmdline())[:120]}")
            p.kill()
        except psutil.Error:
            continue
    return out


@pytest.fixture(scope="module", autouse=True)
def no_orphans():
    """Every module's servers, workers and pools are gone when it ends."""
    yield
    left = leftover_children()
    assert not left, f"processes left behind: {left}"
