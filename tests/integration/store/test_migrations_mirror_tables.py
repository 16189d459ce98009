"""The Alembic chain builds exactly the schema that ``medaid.store`` declares, on both databases.

Every table module says "mirrors the migration column for column"; this holds them to it, so a
column added to a table without a migration (or the reverse) fails here, not in a county's upgrade.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

import medaid.store
from medaid.store.db import engine_for, migrate
from medaid.store.tables import metadata

pytestmark = pytest.mark.integration

# death.id_token is unique through a unique index in the migration and a unique flag on the column
# in the table: the same guarantee, spelled two ways
KNOWN = {("remove_index", "ux_death_id_token"), ("add_constraint", "death")}


def _key(diff: tuple) -> tuple[str, str]:  # type: ignore[type-arg]
    """(kind, name of the object — or of its table for an unnamed constraint)."""
    obj = diff[-1]
    return diff[0], str(getattr(obj, "name", None) or getattr(getattr(obj, "table", None), "name", ""))


def unexpected_differences(conn: Connection) -> list[tuple]:  # type: ignore[type-arg]
    """What the migrated schema behind ``conn`` lacks or has beyond the declared tables."""
    for module in pkgutil.iter_modules(medaid.store.__path__):
        importlib.import_module(f"medaid.store.{module.name}")  # every table module registers in metadata
    diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    return [d for d in flat if _key(d) not in KNOWN]


def test_migrated_schema_equals_the_declared_tables(db_url: str) -> None:
    migrate(db_url)
    with engine_for(db_url).connect() as conn:
        assert unexpected_differences(conn) == []
