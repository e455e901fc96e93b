"""The FastAPI application: `create_app()` (what `medxtract serve` runs)."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medxtract import __version__
from medxtract.config import Settings, get_settings
from medxtract.service import metrics, problems
from medxtract.service.api.deps import AuthGate
from medxtract.service.api.routers import (
    compat,
    documents,
    health,
    jobs,
    records,
    sessions,
    types,
)

log = logging.getLogger("medxtract.service")


class BodyLimit:
    """Refuse a request body over the limit before reading it (Content-Length), or as soon as
    the streamed bytes pass it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await self._refuse(scope, send)
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise StarletteHTTPException(413, "The upload is larger than the limit.")
            return msg

        await self.app(scope, limited, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        from starlette.requests import Request

        resp = problems.problem(413, "input_too_large",
                                f"The request is larger than the limit of {self.limit} bytes.",
                                Request(scope))
        await resp(scope, None, send)  # type: ignore[arg-type]


class RedactQuery(logging.Filter):
    """The access log gets the path only: a query string can hold a patient's name
    (`/v1/records?q=...`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if "?" in path:
                record.args = (*args[:2], path.split("?", 1)[0] + "?[redacted]", *args[3:])
        return True


def redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQuery) for f in access.filters):
        access.addFilter(RedactQuery())


class Timing:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        status = {"code": 500}

        async def _send(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                status["code"] = msg["status"]
            await send(msg)

        try:
            await self.app(scope, receive, _send)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            metrics.HTTP_LATENCY.labels(scope["method"], path, str(status["code"])).observe(
                time.perf_counter() - t0
            )


def create_app(settings: Settings | None = None) -> FastAPI:
    explicit = settings is not None
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from medxtract.service.jobs.dispatch import make_dispatcher

        if settings.service.migrate_on_start:
            from medxtract.service.migrate import upgrade

            upgrade(settings.service.database_url)
        settings.service.storage_dir.mkdir(parents=True, exist_ok=True)
        from medxtract.service import webhooks

        webhooks.secret(settings)  # made (and printed, once) now: receivers need it first
        metrics.watch_database(settings.service.database_url)
        app.state.dispatcher = make_dispatcher(settings)
        consumer = None
        try:
            if settings.service.consume_dir is not None:
                from medxtract.service.consumer import Consumer

                consumer = Consumer(settings, app.state.dispatcher).start()
            log.info("medxtract service ready (jobs: %s, auth: %s, consume folder: %s)",
                     "celery" if settings.service.broker_url else "local pool",
                     settings.service.auth, "on" if consumer else "off")
            yield
        finally:
            if consumer is not None:
                consumer.close()  # first: it submits to the dispatcher
            app.state.dispatcher.close()

    app = FastAPI(
        title="medxtract",
        version=__version__,
        description="Extract, review and store medical documents. All /v1 routes need an "
        "`X-API-Key` header or a reviewer's `Authorization: Bearer` token (from "
        "`POST /v1/sessions`) unless the operator runs with `MEDXTRACT_AUTH=off`.",
        lifespan=lifespan,
        responses=problems.PROBLEM_RESPONSES,
    )
    app.state.settings = settings
    redact_access_log()
    if explicit:
        app.dependency_overrides[get_settings] = lambda: settings
    problems.install(app)
    for r in (documents.router, jobs.router, records.router, types.router, compat.router,
              health.router, sessions.router):
        app.include_router(r)
    # multipart overhead on top of the file limit
    app.add_middleware(BodyLimit, limit=settings.engine.max_upload_bytes + 64 * 1024)
    app.add_middleware(Timing)
    app.add_middleware(AuthGate, settings=settings)  # outermost: 401 before anything else
    return app
