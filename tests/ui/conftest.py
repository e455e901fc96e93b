"""Fixtures of the UI suite: a real `medxtract serve` on a free port and generated documents.

The service runs as a subprocess with its own SQLite file and storage folder, with auth on
(one key), exactly as a reviewer's UI would meet it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from medxtract.cli.ui_cmd import service_command
from medxtract.ui.client import ApiClient

API_KEY = "ui-test-key"
REVIEWER, PASSWORD = "rita", "rita's long password"
MAIN = "import sys; from medxtract.cli.app import main; sys.argv[0] = 'medxtract'; main()"
SERVICE_START_S = 120
JOB_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} process exited ({proc.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not come up in {timeout_s}s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(frozen=True)
class Service:
    url: str
    key: str

    def client(self) -> ApiClient:
        return ApiClient(self.url, self.key)

    def sign_in(self, username: str = REVIEWER, password: str = PASSWORD) -> dict:
        """A reviewer's session, as the UI keeps it in its session_state."""
        from datetime import datetime

        got = ApiClient(self.url).sign_in(username, password)
        return {"token": got["token"], "identity": got["identity"],
                "expires": datetime.fromisoformat(got["expires_at"]).timestamp()}


def create_reviewer(tmp: Path, username: str = REVIEWER, password: str = PASSWORD) -> None:
    """`medxtract db create-reviewer`, as an operator runs it."""
    import sys

    subprocess.run([sys.executable, "-c", MAIN, "db", "create-reviewer", username,
                    "--password-stdin"], input=password + "\n", env=service_env(tmp),
                   cwd=tmp, check=True, capture_output=True, text=True, timeout=120)


def service_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDXTRACT_")}
    env.update(
        MEDXTRACT_DATABASE_URL=f"sqlite:///{tmp / 'ui.db'}",
        MEDXTRACT_STORAGE_DIR=str(tmp / "storage"),
        MEDXTRACT_API_KEYS=API_KEY,
        MEDXTRACT_AUTH="on",
    )
    return env


@contextmanager
def running_service(tmp: Path) -> Iterator[Service]:
    """`medxtract serve` on a free port with its own database, stopped on exit."""
    create_reviewer(tmp)
    port = free_port()
    log = tmp / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            service_command(port, "127.0.0.1"), env=service_env(tmp), cwd=tmp,
            stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/healthz", proc, SERVICE_START_S, log)
        yield Service(url, API_KEY)
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def ui_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running_service(tmp_path_factory.mktemp("ui-service")) as service:
        yield service


@pytest.fixture()
def ui_env(ui_service: Service, monkeypatch: pytest.MonkeyPatch) -> Service:
    """Point the UI (which reads MEDXTRACT_API_URL/KEY on every run) at the test service."""
    monkeypatch.setenv("MEDXTRACT_API_URL", ui_service.url)
    monkeypatch.setenv("MEDXTRACT_API_KEY", ui_service.key)
    return ui_service


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Clean born-digital documents (fast to extract): several prescriptions, a few forms."""
    from medxtract.synth import generate

    out = tmp_path_factory.mktemp("ui-docs")
    return {
        "prescription": generate(
            out, 6, seed=4242, kinds=("prescription",), variants=("clean",), split="seed"
        ),
        "patient_details": generate(
            out, 2, seed=4242, kinds=("patient_details",), variants=("clean",), split="seed"
        ),
    }


def wait_job(client: ApiClient, job_id: str, timeout_s: float = JOB_TIMEOUT_S) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.job(job_id)
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} not finished in {timeout_s}s")


def upload_and_wait(client: ApiClient, path: Path, document_type: str = "auto") -> str:
    up = client.upload(path.name, path.read_bytes(), document_type, "application/pdf")
    job = wait_job(client, up.job_id)
    assert job["status"] == "done", job
    return up.document_id


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens on a port just released


@pytest.fixture(scope="session", autouse=True)
def no_orphans():
    """The services, UIs and pools these tests started are all gone at the end."""
    import psutil

    yield
    kids = [p for p in psutil.Process().children(recursive=True)
            if "resource_tracker" not in " ".join(p.cmdline() if p.is_running() else [])]
    _, alive = psutil.wait_procs(kids, timeout=10)
    for p in alive:
        p.kill()
    assert not alive, f"processes left behind: {[p.pid for p in alive]}"
