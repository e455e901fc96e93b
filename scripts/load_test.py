#!/usr/bin/env python3
"""Load test: submit N generated documents concurrently; print documents/min and p50/p95.

Starts a fresh `medxtract serve` (and, with --broker, `medxtract worker -c W`) for each
worker count, on a throw-away SQLite database, then uploads the documents from
`medxtract.synth.generate` all at once and polls every job to done.

    python scripts/load_test.py --count 20 --workers 1 2
    python scripts/load_test.py --count 20 --workers 1 2 --broker redis://127.0.0.1:6379/9
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

CLI = [sys.executable, "-c", "from medxtract.cli.app import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def run_round(docs: list[Path], workers: int, broker: str | None, tmp: Path,
              concurrency: int) -> dict:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDXTRACT_")}
    env.update({
        "MEDXTRACT_DATABASE_URL": f"sqlite:///{tmp / f'load-{workers}.db'}",
        "MEDXTRACT_STORAGE_DIR": str(tmp / f"storage-{workers}"),
        "MEDXTRACT_AUTH": "off",
        "MEDXTRACT_LOCAL_WORKERS": str(workers),
        "MEDXTRACT_CELERY_QUEUE": f"mx-load-{uuid.uuid4().hex[:8]}",
    })
    if broker:
        env["MEDXTRACT_BROKER_URL"] = broker
    procs = []
    log = (tmp / f"round-{workers}.log").open("wb")
    try:
        procs.append(subprocess.Popen(CLI + ["serve", "--port", str(port), "--log-level",
                                             "warning"], env=env, stdout=log, stderr=log))
        if broker:
            procs.append(subprocess.Popen(CLI + ["worker", "-c", str(workers), "--loglevel",
                                                 "WARNING"], env=env, stdout=log, stderr=log))
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, timeout=300)
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"service did not start; see {log.name}")
            time.sleep(0.3)
        if not broker:  # let the local pool's processes import the engine before the clock
            time.sleep(3)
        else:
            time.sleep(3)

        def one(path: Path) -> float:
            t0 = time.monotonic()
            with path.open("rb") as fh:
                r = client.post("/v1/documents", files={"file": (path.name, fh)})
            r.raise_for_status()
            job_id = r.json()["job_id"]
            while True:
                job = client.get(f"/v1/jobs/{job_id}").json()
                if job["status"] in ("done", "failed"):
                    if job["status"] == "failed":
                        print(f"  failed: {job['error']}", file=sys.stderr)
                    return time.monotonic() - t0
                time.sleep(0.1)

        t0 = time.monotonic()
        with ThreadPoolExecutor(concurrency) as pool:
            latencies = list(pool.map(one, docs))
        wall = time.monotonic() - t0
        return {
            "workers": workers,
            "docs": len(docs),
            "wall_s": wall,
            "docs_per_min": len(docs) / wall * 60,
            "p50_s": statistics.median(latencies),
            "p95_s": percentile(latencies, 0.95),
        }
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=20, help="documents to submit")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--broker", default=None, help="Redis URL: use Celery workers")
    ap.add_argument("--concurrency", type=int, default=0, help="client threads (default N)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--variants", nargs="+", default=["clean", "scan", "photo"])
    args = ap.parse_args()

    from medxtract.synth import generate

    with tempfile.TemporaryDirectory(prefix="mx-load-") as tmpdir:
        tmp = Path(tmpdir)
        per = max(1, -(-args.count // (2 * len(args.variants))))  # count is per kind x variant
        made = generate(tmp / "docs", per, seed=args.seed, variants=args.variants)
        docs = [p for p in made
                if p.suffix.lower() in (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")]
        docs = docs[: args.count]
        pages = 0
        try:
            import pypdfium2 as pdfium

            pages = sum(len(pdfium.PdfDocument(str(p))) for p in docs if p.suffix == ".pdf")
        except Exception:  # noqa: BLE001
            pass
        mode = f"celery ({args.broker})" if args.broker else "local process pool"
        print(f"{len(docs)} generated documents ({pages} pdf pages), jobs: {mode}, "
              f"{os.cpu_count()} CPUs")
        print(f"{'workers':>7} {'docs':>5} {'wall s':>8} {'docs/min':>9} {'p50 s':>7} "
              f"{'p95 s':>7}")
        for w in args.workers:
            r = run_round(docs, w, args.broker, tmp, args.concurrency or len(docs))
            print(f"{r['workers']:>7} {r['docs']:>5} {r['wall_s']:>8.1f} "
                  f"{r['docs_per_min']:>9.1f} {r['p50_s']:>7.1f} {r['p95_s']:>7.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
