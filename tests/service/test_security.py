"""Callbacks (SSRF), 401 before the body, search, key revocation, reviewer sign-in, logs."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from medxtract.service.api.app import create_app

from .conftest import API_KEY, SEED, make_settings, wait_job

BLOCKED = [
    "http://127.0.0.1/x", "http://localhost/x", "http://0.0.0.0/x", "http://[::1]/x",
    "http://2130706433/x", "http://0x7f000001/x", "http://0177.0.0.1/x", "http://127.1/x",
    "http://[::ffff:127.0.0.1]/x", "http://169.254.169.254/latest/meta-data",
    "http://10.0.0.8/x", "http://192.168.1.1/x", "http://172.16.0.1/x", "http://100.64.0.1/x",
    "http://224.0.0.1/x", "http://240.0.0.1/x", "http://[fe80::1]/x", "http://[fc00::1]/x",
    "http://[ff02::1]/x", "http://[::]/x", "http://[2002:7f00:1::]/x",
]
MALFORMED = ["http://[::1", "http://host:99999/x", "ftp://example.org/x", "javascript:alert(1)",
             "http://user:pw@example.org/x", "https://", "http://exa mple.org/"]


class Receiver:
    """A real HTTP server that records the callbacks it gets; `hang` makes it never answer."""

    def __init__(self, hang: bool = False) -> None:
        self.calls: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append((dict(self.headers), body))
                if hang:
                    time.sleep(30)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *a) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_every_blocked_callback_is_refused_and_never_called(database, tmp_path, receiver):
    # http allowed here so that only the address decides; the receiver is on 127.0.0.1 too
    settings = make_settings(database, tmp_path, callback_allow_http=True)
    pdf = (SEED / "pre_2.pdf").read_bytes()
    with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as c:
        for url in [*BLOCKED, receiver.url, *MALFORMED]:
            r = c.post("/v1/documents", files={"file": ("a.pdf", pdf)},
                       data={"callback_url": url})
            assert r.status_code == 422, (url, r.status_code, r.text)
            assert r.json()["code"] == "invalid_callback_url", url
    assert receiver.calls == []


def test_https_required_unless_allowed(database, tmp_path):
    from medxtract.service.webhooks import CallbackRefused, check_url

    settings = make_settings(database, tmp_path, callback_allow_hosts="127.0.0.1")
    with pytest.raises(CallbackRefused, match="https"):
        check_url("http://127.0.0.1/x", settings)
    assert check_url("https://127.0.0.1/x", settings)


def test_allowed_callback_is_signed_and_a_hanging_one_delays_nothing(database, tmp_path,
                                                                     receiver):
    hanging = Receiver(hang=True)
    settings = make_settings(database, tmp_path, callback_allow_http=True,
                             callback_allow_hosts="127.0.0.1", webhook_retries=1,
                             webhook_timeout_s=20.0, local_workers=1)
    try:
        with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as c:
            first = c.post("/v1/documents", files={"file": ("a.pdf",
                           (SEED / "pre_1.pdf").read_bytes())},
                           data={"callback_url": hanging.url})
            assert first.status_code == 202
            wait_job(c, first.json()["job_id"])
            t0 = time.monotonic()
            while not hanging.calls and time.monotonic() - t0 < 20:
                time.sleep(0.1)
            assert hanging.calls, "the first callback was not made"
            # The one worker is free although the first receiver still hangs.
            t1 = time.monotonic()
            r = c.post("/v1/documents", params={"wait": "true"},
                       files={"file": ("b.pdf", (SEED / "pre_2.pdf").read_bytes())},
                       data={"callback_url": receiver.url})
            assert r.status_code == 200, r.text
            assert time.monotonic() - t1 < 15
            deadline = time.monotonic() + 15
            while not receiver.calls and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        hanging.close()
    headers, body = receiver.calls[0]
    secret = (settings.service.storage_dir / "webhook-secret").read_text().strip()
    expected = hmac.new(secret.encode(), headers["X-Medxtract-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers["X-Medxtract-Signature"] == "sha256=" + expected
    assert json.loads(body)["status"] == "done"


def test_401_before_the_body_is_read(database, tmp_path):
    """The gate answers from the headers: the app never receives the body."""
    import asyncio

    settings = make_settings(database, tmp_path)
    app = create_app(settings)
    received = []

    async def run() -> list[dict]:
        sent: list[dict] = []

        async def receive():
            received.append(1)
            return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

        async def send(msg):
            sent.append(msg)

        scope = {"type": "http", "method": "POST", "path": "/v1/documents", "raw_path": b"",
                 "query_string": b"", "headers": [(b"content-type", b"multipart/form-data")],
                 "http_version": "1.1", "scheme": "http", "server": ("t", 80),
                 "client": ("c", 1), "root_path": "", "app": app}
        await app.middleware_stack(scope, receive, send) if app.middleware_stack else None
        return sent

    with TestClient(app):  # runs the lifespan, builds the middleware stack
        sent = asyncio.run(run())
    assert sent[0]["status"] == 401
    assert received == []


@pytest.mark.parametrize("database", ["sqlite", pytest.param("mariadb", marks=pytest.mark.db),
                                      pytest.param("postgresql", marks=pytest.mark.db)],
                         indirect=True)
def test_search_folds_case_and_refuses_nul(database, tmp_path):
    settings = make_settings(database, tmp_path)
    with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as c:
        for name in ("Jürgen Ünal", "Ada Lovelace"):
            r = c.post("/patient_details", data={"patient_name": name})
            assert r.status_code == 200, r.text
        for q, hits in (("ü", 1), ("ÜNAL", 1), ("jürgen", 1), ("lovelace", 1), ("%", 0),
                        ("a", 2)):
            got = c.get("/v1/records", params={"q": q}).json()
            assert got["count"] == len(got["items"]) == hits, (q, got)
        r = c.get("/v1/records", params={"q": "\x00"})
        assert r.status_code == 422 and r.json()["code"] == "invalid_query"


def test_revoked_key_stops_working(database, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from medxtract.cli.app import _register, app
    from medxtract.config import get_settings

    _register()
    settings = make_settings(database, tmp_path, api_keys="")
    monkeypatch.setenv("MEDXTRACT_DATABASE_URL", database)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        key = runner.invoke(app, ["db", "create-key", "ops"]).output.strip().splitlines()[-1]
        with TestClient(create_app(settings)) as c:
            assert c.get("/v1/review-queue", headers={"X-API-Key": key}).status_code == 200
            out = runner.invoke(app, ["db", "revoke-key", "ops"])
            assert out.exit_code == 0, out.output
            assert c.get("/v1/review-queue", headers={"X-API-Key": key}).status_code == 401
        assert runner.invoke(app, ["db", "revoke-key", "ops"]).exit_code == 11
    finally:
        get_settings.cache_clear()


def test_reviewer_sign_in_expiry_and_audit_identity(database, tmp_path):
    from datetime import timedelta

    from sqlalchemy import select, update

    from medxtract.service.db import session_scope
    from medxtract.service.models import Reviewer, ReviewerSession
    from medxtract.service.security import create_reviewer

    settings = make_settings(database, tmp_path)
    with TestClient(create_app(settings)) as c:
        with session_scope(database) as s:
            create_reviewer(s, "alice", "correct horse battery")
        with session_scope(database) as s:
            stored = s.execute(select(Reviewer.password_hash)).scalar_one()
        assert "correct horse" not in stored and stored.startswith("$argon2")
        assert c.post("/v1/sessions", json={"username": "alice", "password": "nope"}
                      ).status_code == 401
        r = c.post("/v1/sessions", json={"username": "alice",
                                         "password": "correct horse battery"})
        assert r.status_code == 201, r.text
        bearer = {"Authorization": f"Bearer {r.json()['token']}"}
        assert c.get("/v1/sessions/me", headers=bearer).json()["identity"] == "reviewer:alice"
        # A typed reviewer name is ignored: the record carries the signed-in identity.
        r = c.post("/patient_details", data={"patient_name": "X Y"}, headers=bearer)
        assert r.status_code == 200
        rec = c.get(f"/v1/records/{r.json()['record_id']}", headers=bearer).json()
        assert rec["reviewer"] == "reviewer:alice"
        with session_scope(database) as s:  # the session runs out
            s.execute(update(ReviewerSession).values(
                expires_at=ReviewerSession.expires_at - timedelta(days=1)))
        assert c.get("/v1/review-queue", headers=bearer).status_code == 401


def test_no_patient_value_in_any_log(tmp_path):
    """A real `medxtract serve` (access log on, debug level): upload, extract, review and
    search; no extracted value and no search term appears in any line it logged."""
    import httpx

    from .test_limits import API_KEY as KEY
    from .test_limits import start_serve, stop_serve

    proc, url = start_serve(tmp_path, MEDXTRACT_LOG_LEVEL="debug")
    try:
        with httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=300) as c:
            r = c.post("/v1/documents", params={"wait": "true"},
                       files={"file": ("a.pdf", (SEED / "pd_1.pdf").read_bytes())})
            assert r.status_code == 200, r.text
            result, doc_id = r.json()["result"], r.json()["document_id"]
            name = result["fields"]["patient_name"]["value"]
            assert c.put(f"/v1/documents/{doc_id}/review", json={"fields": {}}
                         ).status_code == 200
            assert c.get("/v1/records", params={"q": name}).json()["count"] == 1
            assert c.get("/v1/records", params={"q": name, "format": "csv"}).status_code == 200
    finally:
        stop_serve(proc)
    values = {str(f["value"]) for f in result["fields"].values()
              if f.get("value") not in (None, "", [], {}) and len(str(f["value"])) >= 4}
    values |= {str(v) for f in result["fields"].values() if isinstance(f.get("value"), list)
               for m in f["value"] if isinstance(m, dict) for v in m.values() if v}
    assert name in values and len(values) >= 5
    log = (tmp_path / "serve.log").read_text()
    assert "GET /v1/records?[redacted]" in log  # the access log was on, and redacted
    for value in values:
        assert value not in log, value


def test_password_guessing_is_throttled(database, tmp_path):
    from medxtract.service.api.routers import sessions
    from medxtract.service.db import session_scope
    from medxtract.service.security import create_reviewer

    settings = make_settings(database, tmp_path)
    sessions._failures.clear()
    with TestClient(create_app(settings)) as c:
        with session_scope(database) as s:
            create_reviewer(s, "bob", "bob's long password")
        for _ in range(sessions.MAX_FAILURES):
            assert c.post("/v1/sessions", json={"username": "bob", "password": "guess"}
                          ).status_code == 401
        r = c.post("/v1/sessions", json={"username": "bob", "password": "bob's long password"})
        assert r.status_code == 429 and r.json()["code"] == "too_many_attempts"
        sessions._failures.clear()  # the window has passed
        assert c.post("/v1/sessions", json={"username": "bob",
                                            "password": "bob's long password"}).status_code == 201
