"""Service commands: `serve`, `worker`, `db upgrade|create-key|revoke-key|create-reviewer`,
`submit`."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated

import typer

from medxtract.cli.app import app

db_app = typer.Typer(help="Database schema and API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")

DOC_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    log_level: Annotated[str, typer.Option(envvar="MEDXTRACT_LOG_LEVEL",
                                           help="uvicorn log level")] = "info",
) -> None:
    """Run the HTTP API (applies database migrations first)."""
    import uvicorn

    uvicorn.run(
        "medxtract.service.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=True,
        # SIGTERM/SIGINT: requests still waiting get 5 s, then the pool's workers are ended.
        timeout_graceful_shutdown=5,
    )


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", help="Processes")] = 0,
    queue: Annotated[str | None, typer.Option(help="Queue (default: setting)")] = None,
    loglevel: Annotated[str, typer.Option(help="Celery log level")] = "INFO",
) -> None:
    """Run a Celery worker (needs MEDXTRACT_BROKER_URL)."""
    from medxtract.cli.common import verbosity
    from medxtract.logs import configure
    from medxtract.service.jobs.celery_app import make_celery, start_reaper
    from medxtract.service.migrate import upgrade
    from medxtract.service.settings import get_settings

    settings = get_settings()
    if not settings.broker_url:
        typer.echo("MEDXTRACT_BROKER_URL is not set; without a broker `medxtract serve` runs "
                   "jobs in its own process pool.", err=True)
        raise typer.Exit(2)
    configure(loglevel.upper(), verbosity.json, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.migrate_on_start:
        upgrade(settings.database_url)
    settings.storage_dir.mkdir(parents=True, exist_ok=True)
    if queue:
        settings = settings.model_copy(update={"celery_queue": queue})
    celery = make_celery(settings)
    start_reaper(celery, settings)
    argv = [
        "worker",
        f"--concurrency={concurrency or os.cpu_count() or 1}",
        f"--queues={settings.celery_queue}",
        f"--loglevel={loglevel}",
        f"--hostname=medxtract-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        "--prefetch-multiplier=1",
    ]
    celery.worker_main(argv)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head",
) -> None:
    """Apply the database migrations (MEDXTRACT_DATABASE_URL)."""
    from medxtract.service.migrate import upgrade
    from medxtract.service.settings import get_settings

    upgrade(get_settings().database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("create-key")
def db_create_key(name: Annotated[str, typer.Argument(help="Who the key is for")]) -> None:
    """Issue an API key; only its hash is stored, so note it now."""
    from medxtract.service.db import session_scope
    from medxtract.service.migrate import upgrade
    from medxtract.service.security import create_key
    from medxtract.service.settings import get_settings

    url = get_settings().database_url
    upgrade(url)
    with session_scope(url) as s:
        key = create_key(s, name)
    typer.echo(key)


@db_app.command("revoke-key")
def db_revoke_key(name: Annotated[str, typer.Argument(help="The name the key was issued to")]
                  ) -> None:
    """Revoke the database-issued API keys of this name (they stop working at once)."""
    from medxtract.service.db import session_scope
    from medxtract.service.migrate import upgrade
    from medxtract.service.security import revoke_key
    from medxtract.service.settings import get_settings

    url = get_settings().database_url
    upgrade(url)
    with session_scope(url) as s:
        n = revoke_key(s, name)
    if not n:
        typer.echo(f"no live key named {name!r}", err=True)
        raise typer.Exit(11)
    typer.echo(f"revoked {n} key(s) named {name!r}")


@db_app.command("create-reviewer")
def db_create_reviewer(
    username: Annotated[str, typer.Argument(help="The reviewer's sign-in name")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input (scripts)")] = False,
) -> None:
    """Create a review-UI account; the password is stored as an Argon2 hash only."""
    import sys

    from sqlalchemy.exc import IntegrityError

    from medxtract.service.db import session_scope
    from medxtract.service.migrate import upgrade
    from medxtract.service.security import create_reviewer
    from medxtract.service.settings import get_settings

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    url = get_settings().database_url
    upgrade(url)
    try:
        with session_scope(url) as s:
            create_reviewer(s, username, password)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except IntegrityError:
        typer.echo(f"error: a reviewer named {username!r} exists already", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"reviewer {username!r} created")


def _collect(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in DOC_SUFFIXES)
        elif p.exists():
            out.append(p)
        else:
            raise typer.BadParameter(f"not found: {p}")
    return out


@app.command()
def submit(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of documents")],
    server: Annotated[str, typer.Option(envvar="MEDXTRACT_API_URL", help="Service URL")] = (
        "http://127.0.0.1:8000"
    ),
    api_key: Annotated[str, typer.Option(envvar="MEDXTRACT_API_KEY", help="X-API-Key")] = "",
    doc_type: Annotated[str, typer.Option("--type", help="Document type or auto")] = "auto",
    parallel: Annotated[int, typer.Option(help="Concurrent uploads")] = 4,
    timeout: Annotated[float, typer.Option(help="Give up waiting after seconds")] = 3600,
) -> None:
    """Upload documents to a running service and show progress until all are done."""
    import httpx
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    console = Console(stderr=True)
    files = _collect(paths)
    if not files:
        console.print("no documents found")
        raise typer.Exit(2)
    headers = {"X-API-Key": api_key} if api_key else {}
    client = httpx.Client(base_url=server, headers=headers, timeout=120)
    jobs: dict[str, tuple[Path, str]] = {}
    failures: list[tuple[Path, str]] = []

    def upload(path: Path) -> tuple[Path, dict | None, str | None]:
        try:
            with path.open("rb") as fh:
                r = client.post("/v1/documents", files={"file": (path.name, fh)},
                                data={"document_type": doc_type})
        except httpx.HTTPError as exc:
            return path, None, f"connection error: {type(exc).__name__}"
        if r.status_code in (200, 202):
            return path, r.json(), None
        try:
            return path, None, r.json().get("detail") or r.text
        except ValueError:
            return path, None, f"HTTP {r.status_code}"

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        up = progress.add_task("uploading", total=len(files))
        with ThreadPoolExecutor(max(1, parallel)) as pool:
            for path, body, err in pool.map(upload, files):
                progress.advance(up)
                if err or body is None:
                    failures.append((path, err or "empty answer"))
                else:
                    jobs[body["job_id"]] = (path, body["document_id"])
        done_task = progress.add_task("extracting", total=len(jobs))
        pending = set(jobs)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for job_id in list(pending):
                try:
                    r = client.get(f"/v1/jobs/{job_id}")
                except httpx.HTTPError:
                    continue
                if r.status_code != 200:
                    continue
                job = r.json()
                if job["status"] in ("done", "failed"):
                    pending.discard(job_id)
                    progress.advance(done_task)
                    if job["status"] == "failed":
                        failures.append((jobs[job_id][0], job.get("error") or "failed"))
            if pending:
                time.sleep(0.5)
    for job_id in pending:
        failures.append((jobs[job_id][0], "timed out waiting"))
    ok = len(files) - len(failures)
    console.print(f"{ok} of {len(files)} documents extracted; {len(failures)} failed")
    for path, err in failures:
        console.print(f"  [red]failed[/red] {path}: {err}")
    for job_id, (path, doc_id) in jobs.items():
        typer.echo(f"{doc_id}\t{job_id}\t{path}")
    raise typer.Exit(1 if failures else 0)
