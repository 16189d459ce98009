"""A migrated database per test (SQLite and PostgreSQL) and the reference policy path."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from medaid.store.db import engine_for, migrate

POLICY = Path(__file__).resolve().parents[3] / "policies" / "reference-2026.yaml"


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    migrate(db_url)
    return engine_for(db_url)


def url_of(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)
