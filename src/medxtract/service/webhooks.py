"""Callbacks to `callback_url` when a job ends: checked URL, signed JSON, short timeouts.

A callback URL must be https (http only with `MEDXTRACT_CALLBACK_ALLOW_HTTP`), carry no
credentials, and resolve only to public addresses: loopback, private, link-local,
multicast, reserved and unspecified addresses are refused in every spelling (the resolver
reads `2130706433`, `0x7f000001`, `0177.0.0.1`, `[::ffff:127.0.0.1]` as 127.0.0.1) unless
`MEDXTRACT_CALLBACK_ALLOW_HOSTS` names the host or its network. The address is checked at
upload and again right before each delivery; redirects are not followed.

Headers: `X-Medxtract-Timestamp` (unix seconds) and `X-Medxtract-Signature`
(`sha256=` + hex HMAC-SHA256 of `timestamp + "." + body`). Signatures are always on: with
no `MEDXTRACT_WEBHOOK_SECRET` a secret is generated once, kept in the storage folder and
printed once. The body carries ids and status only, never field values.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import secrets
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_exponential

from medxtract.config import Settings
from medxtract.service.security import sign

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 3.0
OUTBOX_POLL_S = 0.5
SECRET_FILE = "webhook-secret"

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


class CallbackRefused(ValueError):
    """The callback URL is malformed or points somewhere we must not call."""


def _blocked(ip: IP) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None and _blocked(inner):
            return True
    return (not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_loopback
            or ip.is_link_local or ip.is_private or ip.is_unspecified)


def _allowed(host: str, ip: IP, allow: list[str]) -> bool:
    for item in allow:
        if item.lower() == host.lower():
            return True
        try:
            if ip in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def resolve(host: str, port: int) -> list[IP]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise CallbackRefused("callback_url's host cannot be resolved") from exc
    out = []
    for info in infos:
        addr = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone
        out.append(ipaddress.ip_address(addr))
    return out


def check_url(url: str, settings: Settings) -> str:
    """The URL, if it may be called; CallbackRefused (a 422) if not."""
    if len(url) > 2000 or any(c in url for c in "\x00\r\n\t "):
        raise CallbackRefused("callback_url is not a valid URL")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise CallbackRefused("callback_url is not a valid URL") from None
    allow_http = settings.service.callback_allow_http
    if parts.scheme not in (("https", "http") if allow_http else ("https",)):
        raise CallbackRefused(
            "callback_url must be an https URL" if not allow_http
            else "callback_url must be an http(s) URL"
        )
    if not host:
        raise CallbackRefused("callback_url has no host")
    if parts.username is not None or parts.password is not None:
        raise CallbackRefused("callback_url must not carry credentials")
    allow = settings.service.callback_allow_hosts
    port = port or (443 if parts.scheme == "https" else 80)
    for ip in resolve(host, port):
        if _blocked(ip) and not _allowed(host, ip, allow):
            raise CallbackRefused(
                "callback_url points to a loopback, private, link-local, multicast or "
                "reserved address (MEDXTRACT_CALLBACK_ALLOW_HOSTS can allow it)"
            )
    return url


def secret(settings: Settings) -> str:
    """The signing secret: the setting, else one generated once and kept in storage."""
    if configured := settings.service.webhook_secret.get_secret_value():
        return configured
    path = Path(settings.service.storage_dir) / SECRET_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    # Shown once, on the console (not the log): the receiver needs it to check signatures.
    print(f"medxtract: generated callback signing secret (kept in {path}): {value}",
          file=sys.stderr)
    return value


def payload(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": f"job.{event['status']}",
        "job_id": event["job_id"],
        "document_id": event["document_id"],
        "status": event["status"],
        "error": event.get("error"),
    }


def deliver_once(url: str, body: dict[str, Any], settings: Settings) -> bool:
    try:
        check_url(url, settings)  # again: DNS may have changed since the upload
    except CallbackRefused:
        log.warning("callback for job %s refused at delivery", body.get("job_id"))
        return False
    raw = json.dumps(body, separators=(",", ":")).encode()
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Medxtract-Timestamp": ts,
               "X-Medxtract-Signature": sign(secret(settings), ts, raw)}
    timeout = httpx.Timeout(settings.service.webhook_timeout_s, connect=CONNECT_TIMEOUT_S)
    try:
        r = httpx.post(url, content=raw, headers=headers, timeout=timeout,
                       follow_redirects=False)
    except httpx.HTTPError:
        return False
    return 200 <= r.status_code < 300


def deliver(url: str, body: dict[str, Any], settings: Settings) -> bool:
    """`webhook_retries` attempts at most, 0.5 s, 2 s, 8 s ... apart."""
    attempts = settings.service.webhook_retries
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.5, exp_base=4),
        retry=retry_if_result(lambda ok: not ok),
        retry_error_callback=lambda _state: False,  # out of attempts: not delivered
    )
    if retrying(deliver_once, url, body, settings):
        return True
    log.warning("webhook for job %s not delivered after %d attempts", body["job_id"], attempts)
    return False


class Outbox:
    """Sends the callbacks of finished jobs from the API process, never from an extraction
    worker, so a slow receiver holds no worker (local pool or Celery alike). Each job's
    callback is claimed with one conditional UPDATE, so several API processes send it once."""

    def __init__(self, settings: Settings, senders: int = 4) -> None:
        self.settings = settings
        self._pool = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="callback")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="callback-outbox")
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(OUTBOX_POLL_S):
            try:
                self.pass_once()
            except Exception:  # noqa: BLE001 - database hiccup: next pass
                log.warning("callback outbox pass failed")

    def pass_once(self) -> int:
        from sqlalchemy import select, update

        from medxtract.service.db import rowcount, session_scope, utcnow
        from medxtract.service.models import DONE, FAILED, Job

        sent = 0
        with session_scope(self.settings.service.database_url) as s:
            rows = s.execute(
                select(Job.id, Job.document_id, Job.status, Job.error, Job.callback_url)
                .where(Job.status.in_([DONE, FAILED]), Job.callback_url.is_not(None),
                       Job.callback_claimed_at.is_(None))
                .limit(50)
            ).all()
        for job_id, doc_id, status, error, url in rows:
            with session_scope(self.settings.service.database_url) as s:
                took = rowcount(s.execute(
                    update(Job).where(Job.id == job_id, Job.callback_claimed_at.is_(None))
                    .values(callback_claimed_at=utcnow())
                    .execution_options(synchronize_session=False)
                ))
            if took and url and not self._stop.is_set():  # url: the query skips None
                event = {"job_id": job_id, "document_id": doc_id, "status": status,
                         "error": error}
                self._pool.submit(deliver, url, payload(event), self.settings)
                sent += 1
        return sent

    def close(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
