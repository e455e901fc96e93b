"""Reviewer sign-in: a username and password for a bearer token that expires
(`MEDXTRACT_UI_SESSION_MINUTES`). The review UI signs in here and sends the token."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from medxtract.service import security
from medxtract.service.api.deps import ApiKeyDep, SessionDep, SettingsDep
from medxtract.service.db import utcnow
from medxtract.service.problems import ApiProblem
from medxtract.service.schemas import as_utc

router = APIRouter(prefix="/v1", tags=["sessions"])
# Password guessing: after this many failures for one username within the window, that
# username is refused (429) until the window has passed. Per API process, in memory.
MAX_FAILURES, WINDOW_S = 5, 300.0
_failures: dict[str, deque[float]] = defaultdict(deque)
_lock = threading.Lock()


def _recent_failures(username: str) -> deque[float]:
    times = _failures[username]
    while times and times[0] < time.monotonic() - WINDOW_S:
        times.popleft()
    return times


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class SessionPublic(BaseModel):
    token: str
    identity: str
    expires_at: datetime


class WhoAmI(BaseModel):
    identity: str


@router.post("/sessions", response_model=SessionPublic, status_code=201)
def sign_in(body: SignIn, session: SessionDep, settings: SettingsDep):
    from datetime import timedelta

    with _lock:
        if len(_recent_failures(body.username)) >= MAX_FAILURES:
            raise ApiProblem(429, "too_many_attempts",
                             "Too many failed sign-ins for this reviewer; try again later.",
                             headers={"Retry-After": str(int(WINDOW_S))})
    minutes = settings.service.ui_session_minutes
    got = security.sign_in(session, body.username, body.password, minutes)
    if got is None:
        with _lock:
            _recent_failures(body.username).append(time.monotonic())
        raise ApiProblem(401, "unauthorized", "Unknown reviewer or wrong password.")
    token, reviewer = got
    session.commit()
    expires = as_utc(utcnow() + timedelta(minutes=settings.service.ui_session_minutes))
    return SessionPublic(token=token, identity=f"reviewer:{reviewer.username}",
                         expires_at=expires)


@router.delete("/sessions", status_code=204, response_class=Response)
def sign_out(session: SessionDep, authorization: Annotated[str | None, Header()] = None):
    if authorization and authorization[:7].lower() == "bearer ":
        security.sign_out(session, authorization[7:].strip())
        session.commit()
    return Response(status_code=204)


@router.get("/sessions/me", response_model=WhoAmI)
def who_am_i(identity: ApiKeyDep):
    return WhoAmI(identity=identity)
