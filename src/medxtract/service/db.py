"""Engines and sessions. One engine per database URL, created on first use."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

_engines: dict[str, tuple[Engine, sessionmaker[Session]]] = {}
_lock = threading.Lock()


def utcnow() -> datetime:
    """Naive UTC (every backend stores it the same way)."""
    return datetime.now(UTC).replace(tzinfo=None)


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched. Session.execute is typed as returning a plain
    Result, but for DML it is a CursorResult, which carries the count."""
    return cast(CursorResult[Any], result).rowcount


def _sqlite_setup(engine: Engine) -> None:
    # pysqlite's own transaction handling is off; we emit BEGIN IMMEDIATE ourselves so a
    # read-then-write transaction never fails with SQLITE_BUSY on the lock upgrade.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - trivial
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - trivial
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            from pathlib import Path

            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True
        )
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_recycle=1800, pool_size=10, max_overflow=20)


def get_engine(url: str) -> Engine:
    return _get(url)[0]


def get_sessionmaker(url: str) -> sessionmaker[Session]:
    return _get(url)[1]


def _get(url: str) -> tuple[Engine, sessionmaker[Session]]:
    with _lock:
        if url not in _engines:
            engine = make_engine(url)
            _engines[url] = (engine, sessionmaker(engine, expire_on_commit=False))
        return _engines[url]


def dispose_engine(url: str) -> None:
    with _lock:
        pair = _engines.pop(url, None)
    if pair:
        pair[0].dispose()


def dispose_all() -> None:
    """After fork: child processes must not reuse the parent's connections."""
    with _lock:
        for engine, _ in _engines.values():
            engine.dispose(close=False)
        _engines.clear()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = get_sessionmaker(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
