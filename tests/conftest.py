"""Shared fixtures. ``db_url`` runs a test on SQLite *and* on a throwaway PostgreSQL."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from medaid.store.pg_throwaway import ThrowawayPostgres

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[ThrowawayPostgres]:
    """One PostgreSQL server for the whole session, started from local initdb/pg_ctl."""
    if os.environ.get("MEDAID_TEST_SKIP_PG") == "1":
        pytest.skip("PostgreSQL tests disabled by MEDAID_TEST_SKIP_PG=1")
    with ThrowawayPostgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL on each backend (not yet migrated)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'medaid.db'}"
    server: ThrowawayPostgres = request.getfixturevalue("pg_server")
    return server.create_database(f"t{next(_counter)}_{os.getpid()}")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own data dir and key file; settings cache is reset around it."""
    from medaid.settings import get_settings

    monkeypatch.setenv("MEDAID_DATA_DIR", str(tmp_path / "medaid-data"))
    monkeypatch.delenv("MEDAID_DATABASE_URL", raising=False)
    monkeypatch.delenv("MEDAID_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
