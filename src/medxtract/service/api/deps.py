"""FastAPI dependencies and their `Annotated` aliases, and the gate that refuses a request
without credentials before its body is read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from medxtract.config import Settings, get_settings
from medxtract.service.db import get_sessionmaker
from medxtract.service.jobs.dispatch import Dispatcher
from medxtract.service.problems import ApiProblem
from medxtract.service.security import hash_key, key_identity, token_identity

SettingsDep = Annotated[Settings, Depends(get_settings)]
# Routes anyone may call; every other route needs a credential.
PUBLIC = {"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc",
          "/openapi.json", "/v1/sessions"}


def get_session(settings: SettingsDep) -> Iterator[Session]:
    session = get_sessionmaker(settings.service.database_url)()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def identify(settings: Settings, session: Session | None, api_key: str | None,
             authorization: str | None) -> str | None:
    """Who is calling: an API key's or a signed-in reviewer's identity, or None."""
    if api_key:
        hashes = [hash_key(k) for k in settings.service.api_key_values()]
        return key_identity(api_key, hashes, session)
    if authorization and authorization[:7].lower() == "bearer " and session is not None:
        return token_identity(session, authorization[7:].strip())
    return None


def _unauthorized() -> ApiProblem:
    return ApiProblem(
        401, "unauthorized",
        "A valid API key (X-API-Key) or reviewer sign-in (Authorization: Bearer) is required.",
        headers={"WWW-Authenticate": "ApiKey, Bearer"},
    )


def require_api_key(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    x_api_key: Annotated[str | None, Header(alias="X-API-Key")] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> str:
    """The caller's identity (what the audit trail records)."""
    if settings.service.auth == "off":
        return "anonymous"
    known = getattr(request.state, "identity", None)  # set by AuthGate
    ident = known or identify(settings, session, x_api_key, authorization)
    if ident is None:
        raise _unauthorized()
    return ident


ApiKeyDep = Annotated[str, Depends(require_api_key)]


def get_dispatcher(request: Request) -> Dispatcher:
    return request.app.state.dispatcher


DispatcherDep = Annotated[Dispatcher, Depends(get_dispatcher)]


class AuthGate:
    """Check the credential from the headers alone, before a byte of the body is read: an
    upload without a key is refused at once, not after it was received and parsed."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or self.settings.service.auth == "off"
                or scope["path"] in PUBLIC or scope["method"] == "OPTIONS"):
            return await self.app(scope, receive, send)
        from starlette.concurrency import run_in_threadpool
        from starlette.requests import Request as StarletteRequest

        headers = StarletteRequest(scope).headers
        ident = await run_in_threadpool(self._identify, headers.get("x-api-key"),
                                        headers.get("authorization"))
        if ident is None:
            from medxtract.service import problems

            exc = _unauthorized()
            resp = problems.problem(401, exc.code, exc.detail, StarletteRequest(scope),
                                    headers=exc.headers)
            return await resp(scope, receive, send)
        scope.setdefault("state", {})["identity"] = ident
        await self.app(scope, receive, send)

    def _identify(self, api_key: str | None, authorization: str | None) -> str | None:
        session = get_sessionmaker(self.settings.service.database_url)()
        try:
            return identify(self.settings, session, api_key, authorization)
        finally:
            session.close()
