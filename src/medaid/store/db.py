"""The one way to open a database: ``engine_for(url)`` and ``session_scope(engine)``.

SQLite is the embedded default (WAL, foreign keys on); PostgreSQL is production. The schema is
created and changed only by Alembic migrations (``migrate``), on both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from medaid.settings import get_settings

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


@lru_cache(maxsize=8)
def engine_for(url: str | None = None) -> Engine:
    """A pooled engine per URL (default from settings); SQLite files get their folder created."""
    url = url or get_settings().resolved_database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any exception."""
    factory = sessionmaker(bind=engine or engine_for(), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


_migrate_lock = threading.Lock()
_migrated: set[str] = set()


def migrate(url: str | None = None) -> None:
    """Bring the database to the newest schema (idempotent, cheap after the first call).

    Alembic keeps module-global state, so two threads migrating at once (web job workers calling a
    loader) could cross their connections; one process-wide lock and a per-URL memo prevent it.
    """
    from alembic import command

    url = url or get_settings().resolved_database_url()
    with _migrate_lock:
        if url in _migrated:
            return
        engine_for(url)  # creates the SQLite folder
        command.upgrade(alembic_config(url), "head")
        _migrated.add(url)
