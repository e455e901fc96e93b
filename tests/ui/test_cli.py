"""`medxtract ui`: the commands it runs and the key it hands a child service."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from medxtract.cli.app import _register, app
from medxtract.cli.ui_cmd import APP_FILE, service_command, service_env, streamlit_command
from medxtract.config import ServiceSettings, Settings, UISettings

SEED_PDF = Path(__file__).resolve().parents[2] / "samples" / "seed" / "pre_2.pdf"


def test_streamlit_command_runs_the_app_file_headless() -> None:
    cmd = streamlit_command(8601, "0.0.0.0")
    assert Path(APP_FILE).is_file() and str(APP_FILE) in cmd
    assert cmd[cmd.index("--server.port") + 1] == "8601"
    assert cmd[cmd.index("--server.headless") + 1] == "true"


def test_service_command_is_serve() -> None:
    cmd = service_command(8123, "127.0.0.1")
    assert cmd[-5:] == ["serve", "--host", "127.0.0.1", "--port", "8123"]


def _settings(**service) -> Settings:
    return Settings(service=ServiceSettings(_env_file=None, **service),
                    ui=UISettings(_env_file=None, api_key=""))


def test_with_service_keeps_auth_on_with_a_fresh_key() -> None:
    env, key = service_env({}, _settings(api_keys=""))
    assert key and env["MEDXTRACT_API_KEYS"] == key
    env, key = service_env({}, _settings(api_keys="a,b"))
    assert key == "a" and "MEDXTRACT_API_KEYS" not in env
    env, key = service_env({}, _settings(auth="off"))
    assert key == "" and "MEDXTRACT_API_KEYS" not in env


def test_help_lists_the_options() -> None:
    _register()
    out = CliRunner().invoke(app, ["ui", "--help"])
    assert out.exit_code == 0
    assert "--with-service" in out.output and "--port" in out.output


def test_with_service_starts_both_and_stops_both(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import httpx

    from .conftest import free_port, service_env, stop, wait_http

    ui_port, api_port = free_port(), free_port()
    code = "import sys; from medxtract.cli.app import main; sys.argv[0] = 'medxtract'; main()"
    env = service_env(tmp_path)
    del env["MEDXTRACT_API_KEYS"]  # no key configured: `ui --with-service` must make one
    log = tmp_path / "ui.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, "ui", "--with-service", "--port", str(ui_port),
             "--service-port", str(api_port)],
            env=env, cwd=tmp_path, stdout=out, stderr=out,
        )  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{ui_port}/_stcore/health", proc, 120, log)
        api = f"http://127.0.0.1:{api_port}"
        assert httpx.get(f"{api}/healthz", timeout=5).is_success
        assert httpx.get(f"{api}/v1/review-queue", timeout=5).status_code == 401  # auth on
    finally:
        stop(proc)
    assert proc.returncode is not None
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{api_port}/healthz", timeout=5)
    assert os.path.exists(tmp_path / "ui.db")


def test_submit_finds_the_service_and_key_in_the_settings(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from medxtract.ui.client import ApiClient

    from .conftest import MAIN, running_service

    def submit(env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-c", MAIN, "submit", str(SEED_PDF)],
                              env=env, cwd=tmp_path, capture_output=True, timeout=300)

    with running_service(tmp_path) as service:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEDXTRACT_")}
        env.update(MEDXTRACT_API_URL=service.url, MEDXTRACT_API_KEY="wrong-key")
        refused = submit(env)
        assert refused.returncode == 1 and b"1 failed" in refused.stderr
        env["MEDXTRACT_API_KEY"] = service.key
        done = submit(env)
        assert done.returncode == 0, done.stderr.decode()
        doc_id, job_id, path = done.stdout.decode().strip().split("\t")
        assert path.endswith("pre_2.pdf")
        job = ApiClient(service.url, service.key).job(job_id)
        assert job["status"] == "done" and job["document_id"] == doc_id
