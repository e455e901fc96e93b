"""HTTP client for the medxtract service: the only place the UI talks to the network.

Every failure is turned into one of two exceptions so pages can tell a person plainly
whether the service is down (`ApiUnreachable`) or refused the request (`ApiError`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx

from medxtract.config import UISettings

# Short connect timeout: an unreachable API must be reported quickly, not hang the page.
CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 60.0


class ApiUnreachable(Exception):
    """The service did not answer at all (down, wrong URL, network)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Cannot reach the medxtract API at {url}: {reason}")
        self.url = url
        self.reason = reason


class ApiError(Exception):
    """The service answered with an error status (problem+json when it can)."""

    def __init__(self, status: int, title: str, detail: str = "") -> None:
        super().__init__(f"{status} {title}" + (f": {detail}" if detail else ""))
        self.status = status
        self.title = title
        self.detail = detail


@dataclass(frozen=True)
class Upload:
    document_id: str
    job_id: str
    status: str
    duplicate: bool


class ApiClient:
    """`token` (a reviewer's sign-in) or `api_key` (scripts, tests) authenticates each call."""

    def __init__(self, base_url: str, api_key: str = "", http: httpx.Client | None = None,
                 token: str = ""):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.token = token
        self._http = http or _shared_http()

    @classmethod
    def from_settings(cls, settings: UISettings | None = None) -> ApiClient:
        # A fresh UISettings() each time (not the cached one) so env changes made by
        # `medxtract ui` or by tests are seen without restarting the process.
        s = settings or UISettings()
        return cls(s.api_url, s.api_key.get_secret_value())

    # --- plumbing -----------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {}) or {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.api_key:
            headers["X-API-Key"] = self.api_key
        url = f"{self.base_url}{path}"
        try:
            resp = self._http.request(method, url, headers=headers, **kwargs)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise ApiUnreachable(self.base_url, _short_reason(exc)) from exc
        if resp.status_code >= 400:
            raise _api_error(resp)
        return resp

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._request(method, path, **kwargs).json()

    # --- service ------------------------------------------------------------------------
    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        """A reviewer's token, identity and expiry (the password goes to the API only)."""
        return self._json("POST", "/v1/sessions",
                          json={"username": username, "password": password})

    def who_am_i(self) -> str:
        return str(self._json("GET", "/v1/sessions/me")["identity"])

    def sign_out(self) -> None:
        self._request("DELETE", "/v1/sessions")

    def health(self) -> bool:
        self._request("GET", "/healthz")
        return True

    def upload(
        self, filename: str, content: bytes, document_type: str = "auto", mime: str | None = None
    ) -> Upload:
        files = {"file": (filename, content, mime or "application/octet-stream")}
        data = {"document_type": document_type}
        body = self._json("POST", "/v1/documents", params={"wait": "false"}, files=files, data=data)
        return Upload(
            document_id=str(body["document_id"]),
            job_id=str(body["job_id"]),
            status=str(body.get("status", "queued")),
            duplicate=bool(body.get("duplicate", False)),
        )

    def job(self, job_id: str) -> dict[str, Any]:
        return self._json("GET", f"/v1/jobs/{job_id}")

    def document(self, document_id: str) -> dict[str, Any]:
        return self._json("GET", f"/v1/documents/{document_id}")

    def page_image(self, document_id: str, page: int) -> bytes:
        return self._request("GET", f"/v1/documents/{document_id}/pages/{page}").content

    def review_queue(self) -> list[dict[str, Any]]:
        return self._json("GET", "/v1/review-queue")["items"]

    def approve(self, document_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        # No reviewer name is sent: the service records the signed-in identity.
        body = {"fields": fields}
        return self._json("PUT", f"/v1/documents/{document_id}/review", json=body)

    def reject(self, document_id: str, reason: str) -> dict[str, Any]:
        body = {"reason": reason}
        return self._json("POST", f"/v1/documents/{document_id}/reject", json=body)

    def records(self, **filters: Any) -> list[dict[str, Any]]:
        return self.records_page(**filters)["items"]

    def records_page(self, **filters: Any) -> dict[str, Any]:
        """{count, items}: count is every match, items the first page of them."""
        return self._json("GET", "/v1/records", params=_filters(filters, "json"))

    def document_types(self) -> list[dict[str, Any]]:
        """The loaded specs: each type with its fields' types and labels."""
        return self._json("GET", "/v1/document-types")["items"]

    def records_csv(self, **filters: Any) -> str:
        return self._request("GET", "/v1/records", params=_filters(filters, "csv")).text

    def record(self, record_id: str) -> dict[str, Any]:
        return self._json("GET", f"/v1/records/{record_id}")

    def fhir(self, record_id: str) -> dict[str, Any]:
        return self._json("GET", f"/v1/records/{record_id}/fhir")


def _filters(filters: dict[str, Any], fmt: str) -> dict[str, str]:
    # Empty filters are left out: the service reads a blank value as a real filter.
    params = {k: str(v) for k, v in filters.items() if v not in (None, "")}
    params["format"] = fmt
    return params


@lru_cache(maxsize=1)
def _shared_http() -> httpx.Client:
    """One connection pool for the whole UI process (httpx.Client is thread-safe)."""
    return httpx.Client(timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S))


def _short_reason(exc: Exception) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or host not found"
    if isinstance(exc, httpx.TimeoutException):
        return "the request timed out"
    return type(exc).__name__


def _api_error(resp: httpx.Response) -> ApiError:
    try:
        body = resp.json()
    except (ValueError, json.JSONDecodeError):
        body = None
    if isinstance(body, dict):
        title = str(body.get("title") or resp.reason_phrase or "Error")
        detail = body.get("detail") or ""
        if not isinstance(detail, str):  # FastAPI validation errors carry a list
            detail = json.dumps(detail)[:500]
        return ApiError(resp.status_code, title, detail)
    return ApiError(resp.status_code, resp.reason_phrase or "Error", resp.text[:500])
