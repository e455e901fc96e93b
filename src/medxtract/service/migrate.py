"""Apply the Alembic migrations (`medxtract db upgrade`, and at service start)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from medxtract.service.db import make_engine

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_KEY = 7_270_455_331  # arbitrary, shared by every medxtract process


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.attributes["url"] = url
    return cfg


@contextmanager
def _migration_lock(conn: Connection) -> Iterator[None]:
    """Serialise concurrent upgrades (API and workers starting together)."""
    backend = conn.dialect.name
    if backend == "postgresql":
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
            conn.commit()
    elif backend in ("mysql", "mariadb"):
        conn.execute(text("SELECT GET_LOCK('medxtract_migrate', 120)"))
        try:
            yield
        finally:
            conn.execute(text("SELECT RELEASE_LOCK('medxtract_migrate')"))
    else:
        yield


def upgrade(url: str, revision: str = "head") -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as lock_conn, _migration_lock(lock_conn), engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()
    log.info("database schema at %s", revision)


def downgrade(url: str, revision: str = "base") -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        engine.dispose()
