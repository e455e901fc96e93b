"""Resource limits against the bad-input corpus: over HTTP on a real `medxtract serve`, and in
the CLI. Every case gets its documented code, no traceback, the service keeps serving, and
the memory peaks are measured (API under 400 MB, each worker under its cap)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from . import corpus
from .conftest import SEED

API_KEY = "limits-key"
CAP_MB = 400  # low enough that the oversized page below passes it, high enough for OCR
API_PEAK_MB = 400
MAIN = "import sys; from medxtract.cli.app import main; sys.argv[0] = 'medxtract'; main()"


def big_page() -> bytes:
    """Under the pixel limit (56 Mpx), but decoding it in colour takes more than CAP_MB."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (7500, 7500), (255, 255, 255)).save(buf, format="PNG")
    return buf.getvalue()


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDXTRACT_")}
    env.update(extra)
    return env


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Peaks(threading.Thread):
    """Samples the resident memory of a process and of each of its children."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.api = 0
        self.children: dict[int, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            try:
                self.api = max(self.api, self.proc.memory_info().rss)
                for child in self.proc.children(recursive=True):
                    try:
                        rss = child.memory_info().rss
                    except psutil.Error:
                        continue
                    self.children[child.pid] = max(self.children.get(child.pid, 0), rss)
            except psutil.Error:
                return


def start_serve(tmp: Path, **env: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", MAIN, "serve", "--port", str(port)],
        env=clean_env(
            MEDXTRACT_DATABASE_URL=f"sqlite:///{tmp / 'svc.db'}",
            MEDXTRACT_STORAGE_DIR=str(tmp / "storage"),
            MEDXTRACT_API_KEYS=API_KEY, MEDXTRACT_LOCAL_WORKERS="2", **env,
        ),
        cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, (tmp / "serve.log").read_text()
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("serve did not start")


def stop_serve(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_corpus_over_http_with_peaks(tmp_path):
    proc, url = start_serve(tmp_path, MEDXTRACT_MAX_MEMORY_MB=str(CAP_MB))
    peaks = Peaks(proc.pid)
    peaks.start()
    cases = [*corpus.cases(), corpus.Case("over the memory cap", big_page(), 422,
                                          "resource_limit", 8)]
    try:
        with httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=300) as c:
            for case in cases:
                r = c.post("/v1/documents", params={"wait": "true"},
                           files={"file": ("upload.bin", case.data)})
                assert r.status_code == case.http, (case.name, r.status_code, r.text[:300])
                if case.code:
                    assert r.json()["code"] == case.code, (case.name, r.text[:300])
                    assert r.headers["content-type"].startswith("application/problem+json")
                assert "Traceback" not in r.text
                assert c.get("/healthz").status_code == 200, case.name
            # Three bombs at once, then a good document: still served.
            bombs = [d.data for d in cases if d.name in ("flate bomb", "drawing bomb")]
            with httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=300) as c2:
                threads = [threading.Thread(target=c2.post, args=("/v1/documents",), kwargs={
                    "params": {"wait": "true"}, "files": {"file": ("b.pdf", b)}})
                    for b in [*bombs, bombs[0]]]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            r = c.post("/v1/documents", params={"wait": "true"},
                       files={"file": ("ok.pdf", (SEED / "pre_2.pdf").read_bytes())})
            assert r.status_code == 200 and r.json()["status"] == "done", r.text[:300]
    finally:
        peaks.stop.set()
        peaks.join()
        stop_serve(proc)
    log = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in log, log[-3000:]
    mb = 1024 * 1024
    assert peaks.api < API_PEAK_MB * mb, f"API peak {peaks.api / mb:.0f} MB"
    assert peaks.children, "no worker was measured"
    worst = max(peaks.children.values())
    # The watchdog samples every 50 ms: allow one sample's growth past the cap.
    assert worst < (CAP_MB + 64) * mb, f"worker peak {worst / mb:.0f} MB"
    print(f"\npeaks: API {peaks.api / mb:.0f} MB, workers {worst / mb:.0f} MB (cap {CAP_MB})")


def test_corpus_in_the_cli(tmp_path):
    files = corpus.write(tmp_path / "in")
    big = tmp_path / "in" / "big.png"
    big.write_bytes(big_page())
    expect = {c.name: c.exit for c in corpus.cases()}
    files["over the memory cap"], expect["over the memory cap"] = big, 8
    env = clean_env(MEDXTRACT_MAX_MEMORY_MB=str(CAP_MB))
    for name, path in files.items():
        r = subprocess.run([sys.executable, "-c", MAIN, "extract", str(path), "-f", "jsonl"],
                           env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == expect[name], (name, r.returncode, r.stderr[-500:])
        assert "Traceback" not in r.stderr + r.stdout, name
    # A batch: the bomb fails alone, the good document after it is extracted.
    r = subprocess.run([sys.executable, "-c", MAIN, "extract", str(big),
                        str(SEED / "pre_2.pdf"), "-f", "jsonl", "-w", "1"],
                       env=env, capture_output=True, text=True, timeout=300)
    lines = r.stdout.strip().splitlines()
    assert '"resource_limit"' in lines[0] and '"fields"' in lines[1], r.stdout[:500]


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _hog(mb: int) -> int:
    return len(bytearray(mb * 1024 * 1024))


def test_pool_limits_fail_one_task_and_replace_the_worker():
    from medxtract.batch import GuardedPool
    from medxtract.errors import ResourceLimitError

    pool = GuardedPool(1, 200, spawn=True)  # a fresh interpreter: its own, small baseline
    try:
        slow = pool.schedule(_sleep, (30,), timeout=1)
        hog = pool.schedule(_hog, (600,), timeout=30)
        fine = pool.schedule(_sleep, (0.1,), timeout=30)
        with pytest.raises(ResourceLimitError, match="time limit"):
            pool.result(slow)
        with pytest.raises(ResourceLimitError, match="memory"):
            pool.result(hog)
        assert pool.result(fine) == 0.1
    finally:
        pool.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_ends_its_workers_on_a_signal(tmp_path, sig):
    """With the local pool busy: serve and every process it started are gone in seconds."""
    proc, url = start_serve(tmp_path)
    try:
        with httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}, timeout=60) as c:
            for name in ("pd_1.pdf", "pd_2.pdf", "pre_1.pdf"):
                r = c.post("/v1/documents", files={"file": (name, (SEED / name).read_bytes())})
                assert r.status_code == 202
        deadline = time.monotonic() + 30
        children: list[psutil.Process] = []
        while time.monotonic() < deadline and len(children) < 2:
            children = psutil.Process(proc.pid).children(recursive=True)
            time.sleep(0.1)
        assert children, "the pool started no worker"
        t0 = time.monotonic()
        proc.send_signal(sig)
        proc.wait(timeout=15)
        gone, alive = psutil.wait_procs(children, timeout=5)
        assert not alive, f"left behind: {[p.pid for p in alive]}"
        assert time.monotonic() - t0 < 12
    finally:
        stop_serve(proc)


def test_a_job_past_its_time_limit_fails_alone(database, tmp_path):
    """1 s per document: the job fails with resource_limit, the worker is replaced (the next
    job runs in a fresh one), and the API answers throughout."""
    from fastapi.testclient import TestClient

    from medxtract.service.api.app import create_app

    from .conftest import API_KEY as KEY
    from .conftest import make_settings

    settings = make_settings(database, tmp_path, job_time_limit_s=1, local_workers=1)
    with TestClient(create_app(settings), headers={"X-API-Key": KEY}) as c:
        for name in ("pd_1.pdf", "pd_2.pdf"):
            r = c.post("/v1/documents", params={"wait": "true"},
                       files={"file": (name, (SEED / name).read_bytes())})
            assert r.status_code == 422, r.text
            assert r.json()["code"] == "resource_limit"
            assert "time limit" in r.json()["detail"]
            assert c.get("/healthz").status_code == 200
