"""FastAPI dependencies and their `Annotated` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from medxtract.service.db import get_sessionmaker
from medxtract.service.jobs.dispatch import Dispatcher
from medxtract.service.problems import ApiProblem
from medxtract.service.security import check_key, hash_key
from medxtract.service.settings import ServiceSettings, get_settings

SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    session = get_sessionmaker(settings.database_url)()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def require_api_key(
    settings: SettingsDep,
    session: SessionDep,
    x_api_key: Annotated[str | None, Header(alias="X-API-Key")] = None,
) -> str | None:
    if settings.auth == "off":
        return None
    hashes = [hash_key(k) for k in settings.api_key_list]
    if not check_key(x_api_key, hashes, session):
        raise ApiProblem(
            401, "unauthorized", "A valid API key is required in the X-API-Key header.",
            headers={"WWW-Authenticate": "ApiKey"},
        )
    return hash_key(x_api_key)[:12]  # a key id for logs, never the key


ApiKeyDep = Annotated[str | None, Depends(require_api_key)]


def get_dispatcher(request: Request) -> Dispatcher:
    return request.app.state.dispatcher


DispatcherDep = Annotated[Dispatcher, Depends(get_dispatcher)]
