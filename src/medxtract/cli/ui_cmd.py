"""`medxtract ui`: start the Streamlit review UI, optionally with the service beside it."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import typer

from medxtract.cli.app import app
from medxtract.config import Settings, get_settings

APP_FILE = Path(__file__).resolve().parent.parent / "ui" / "app.py"


def streamlit_command(port: int, host: str) -> list[str]:
    # Headless: never try to open a browser on a server; no usage telemetry.
    return [
        sys.executable, "-m", "streamlit", "run", str(APP_FILE),
        "--server.port", str(port),
        "--server.address", host,
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",  # no "Deploy" button for reviewers
    ]  # fmt: skip


def service_command(port: int, host: str) -> list[str]:
    # The same interpreter, so the child serves this very install of medxtract.
    code = "import sys; from medxtract.cli.app import main; sys.argv[0] = 'medxtract'; main()"
    return [sys.executable, "-c", code, "serve", "--host", host, "--port", str(port)]


def service_env(env: dict[str, str], settings: Settings) -> tuple[dict[str, str], str]:
    """Env for a child service plus the key the UI must send.

    Auth stays on: with no key configured a random one is made for this pair of processes.
    """
    env = dict(env)
    configured = settings.ui.api_key.get_secret_value()
    if settings.service.auth == "off":
        return env, configured
    keys = settings.service.api_key_values()
    key = configured or (keys[0] if keys else secrets.token_urlsafe(24))
    if key not in keys:
        env["MEDXTRACT_API_KEYS"] = ",".join([*keys, key])
    return env, key


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 90.0) -> None:
    import httpx
    from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

    def healthy() -> bool:
        if proc.poll() is not None:
            raise SystemExit(f"medxtract serve exited with status {proc.returncode}")
        try:
            return httpx.get(f"{url}/healthz", timeout=2).is_success
        except httpx.HTTPError:
            return False

    polling = Retrying(stop=stop_after_delay(timeout_s), wait=wait_fixed(0.3),
                       retry=retry_if_result(lambda ok: not ok),
                       retry_error_callback=lambda _state: False)
    if not polling(healthy):
        raise SystemExit(f"medxtract serve did not answer {url}/healthz in {timeout_s:.0f}s")


@app.command("ui")
def ui(
    port: int = typer.Option(8501, help="Port for the UI"),
    host: str = typer.Option("127.0.0.1", help="Address the UI listens on"),
    api_url: str | None = typer.Option(None, help="Service URL (default: MEDXTRACT_API_URL)"),
    with_service: bool = typer.Option(
        False, "--with-service", help="Also start `medxtract serve` and point the UI at it"
    ),
    service_port: int = typer.Option(8000, help="Port for the service with --with-service"),
) -> None:
    """Start the review UI (Streamlit) that talks to the medxtract service."""
    settings = get_settings()
    env = dict(os.environ)
    service: subprocess.Popen[bytes] | None = None
    ui_proc: subprocess.Popen[bytes] | None = None
    # SIGTERM (from a test harness or systemd) must also stop the children, not orphan them.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if with_service:
            env, key = service_env(env, settings)
            api_url = f"http://127.0.0.1:{service_port}"
            service = subprocess.Popen(service_command(service_port, "127.0.0.1"), env=env)
            wait_healthy(api_url, service)
            env["MEDXTRACT_API_KEY"] = key
            typer.echo(f"service: {api_url}  (docs at {api_url}/docs)")
            typer.echo("reviewers sign in with their own account: "
                       "`medxtract db create-reviewer NAME` makes one")
        if api_url:
            env["MEDXTRACT_API_URL"] = api_url
        typer.echo(f"review UI: http://{host}:{port}")
        ui_proc = subprocess.Popen(streamlit_command(port, host), env=env)
        raise typer.Exit(ui_proc.wait())
    except KeyboardInterrupt:
        pass
    finally:
        for proc in (ui_proc, service):
            _stop(proc)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
