"""Every error answer is RFC 7807 `application/problem+json`; this is the one place."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from medxtract.errors import MedxtractError

log = logging.getLogger(__name__)
MEDIA = "application/problem+json"

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": HTTPStatus(code).phrase, "content": {MEDIA: {}}}
    for code in (400, 401, 404, 409, 413, 415, 422)
}


T = TypeVar("T")


class ApiProblem(Exception):
    """An error answer with a status, a stable code and a message."""

    def __init__(self, status: int, code: str, detail: str, headers: dict | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers


def get_or_404(session, model: type[T], key: str, what: str) -> T:
    """The row of `model` with primary key `key`, or a 404 problem naming `what`."""
    row = session.get(model, key)
    if row is None:
        raise ApiProblem(404, "not_found", f"No such {what}.")
    return row


def problem(
    status: int, code: str, detail: str | None, request: Request | None = None,
    headers: dict | None = None, **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://medxtract.dev/problems/{code}",
        "title": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else code,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA, headers=headers)


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "input_too_large",
    415: "unsupported_input", 422: "validation_error",
}


def install(app: FastAPI) -> None:
    @app.exception_handler(MedxtractError)
    async def _mx(request: Request, exc: MedxtractError):
        status = exc.http_status
        if status >= 500:
            log.error("%s on %s: %s", exc.code, request.url.path, type(exc).__name__)
        return problem(status, exc.code, exc.message, request)

    @app.exception_handler(ApiProblem)
    async def _api(request: Request, exc: ApiProblem):
        return problem(exc.status, exc.code, exc.detail, request, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(exc.status_code, code, detail, request, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        # Report where and why, never the offending input (it may be patient data).
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return problem(422, "validation_error", "The request is not valid.", request,
                       errors=errors)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled %s on %s", type(exc).__name__, request.url.path)
        return problem(500, "internal_error", "Internal server error.", request)
