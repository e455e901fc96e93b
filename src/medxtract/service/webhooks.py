"""Callbacks to `callback_url` when a job ends: HMAC-signed JSON, retried with backoff.

Headers: `X-Medxtract-Timestamp` (unix seconds) and `X-Medxtract-Signature`
(`sha256=` + hex HMAC-SHA256 of `timestamp + "." + body` with `MEDXTRACT_WEBHOOK_SECRET`).
The body carries ids and status only, never field values.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import httpx

from medxtract.service.security import sign

log = logging.getLogger(__name__)


def payload(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": f"job.{event['status']}",
        "job_id": event["job_id"],
        "document_id": event["document_id"],
        "status": event["status"],
        "error": event.get("error"),
    }


def deliver_once(url: str, body: dict[str, Any], secret: str, timeout: float) -> bool:
    raw = json.dumps(body, separators=(",", ":")).encode()
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Medxtract-Timestamp": ts}
    if secret:
        headers["X-Medxtract-Signature"] = sign(secret, ts, raw)
    try:
        r = httpx.post(url, content=raw, headers=headers, timeout=timeout)
    except httpx.HTTPError:
        return False
    return 200 <= r.status_code < 300


def deliver(url: str, body: dict[str, Any], secret: str, *, attempts: int, timeout: float) -> bool:
    delay = 0.5
    for i in range(attempts):
        if deliver_once(url, body, secret, timeout):
            return True
        if i + 1 < attempts:
            time.sleep(delay)
            delay *= 4
    log.warning("webhook for job %s not delivered after %d attempts", body["job_id"], attempts)
    return False


def deliver_in_background(event: dict[str, Any], settings: Any) -> None:
    url = event.get("callback_url")
    if not url:
        return
    threading.Thread(
        target=deliver,
        args=(url, payload(event), settings.webhook_secret),
        kwargs={"attempts": settings.webhook_retries, "timeout": settings.webhook_timeout_s},
        daemon=True,
    ).start()
