"""Read-only queries behind the pages and the API (load statistics, loads, townships, a township's people).

Kept apart from the routers so the web page and the JSON endpoint show the same numbers. Personal
data leaves here with masked ID numbers only (``identity.id_masked``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from medaid.api.v1.schemas import Load
from medaid.domain.regions import TOWNSHIP_NAMES
from medaid.errors import NotFound
from medaid.store.tables import CONTRACT_TABLES, identity, load, person, reject


def _load_row(r: Any) -> Load:
    return Load(id=r.id, kind=r.kind, file_name=r.file_name, status=r.status, rows_read=r.rows_read or 0,
                rows_accepted=r.rows_accepted or 0, rows_rejected=r.rows_rejected or 0, message=r.message,
                started_at=r.started_at, finished_at=r.finished_at, actor=r.actor)


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per contract table (the start page's bar chart)."""
    return {kind: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for kind, table in CONTRACT_TABLES.items()}


def list_loads(conn: Connection, *, limit: int = 50, offset: int = 0) -> list[Load]:
    query = select(load).order_by(load.c.id.desc()).limit(limit).offset(offset)
    return [_load_row(r) for r in conn.execute(query)]


def get_load(conn: Connection, load_id: int) -> Load:
    row = conn.execute(select(load).where(load.c.id == load_id)).first()
    if row is None:
        raise NotFound(f"load {load_id} not found", f"未找到导入批次 {load_id}")
    return _load_row(row)


def load_rejects(conn: Connection, load_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    """First rejects of a load for display (raw rows are stored with masked IDs by ingest)."""
    query = (select(reject.c.row_number, reject.c.field, reject.c.reason).where(reject.c.load_id == load_id)
             .order_by(reject.c.row_number).limit(limit))
    return [dict(r._mapping) for r in conn.execute(query)]


def townships(conn: Connection) -> list[tuple[str, int]]:
    query = select(person.c.township_code, func.count()).group_by(person.c.township_code).order_by(person.c.township_code)
    return [(str(code), int(n)) for code, n in conn.execute(query)]


def township_names(conn: Connection) -> list[tuple[str, str]]:
    """(code, name) of every township in the person register, by code; name "" for a code the
    region table (``domain.regions.TOWNSHIP_NAMES``) does not know."""
    return [(code, TOWNSHIP_NAMES.get(code, "")) for code, _ in townships(conn)]


def township_people(conn: Connection, township_code: str, *, limit: int = 100, offset: int = 0
                    ) -> tuple[int, list[dict[str, Any]]]:
    """(total, page) of people registered in a township; NotFound if the township has nobody."""
    total = int(conn.execute(select(func.count()).select_from(person)
                             .where(person.c.township_code == township_code)).scalar_one())
    if total == 0:
        raise NotFound(f"township {township_code} not found", f"未找到乡镇 {township_code}")
    query = (select(identity.c.id_masked, person.c.name, person.c.sex, person.c.birth_date,
                    person.c.household_id, person.c.village)
             .join(identity, identity.c.id_token == person.c.id_token, isouter=True)
             .where(person.c.township_code == township_code)
             .order_by(person.c.household_id, person.c.name).limit(limit).offset(offset))
    return total, [dict(r._mapping) for r in conn.execute(query)]
