"""Every case transition is written twice in the caller's transaction: a row of ``case_event`` (the
case's own history: who, when, why, from → to) and an event of the hash-chained audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from medaid.audit.log import append_event
from medaid.store.cases_tables import case_event


def now_text() -> str:
    """UTC timestamp in the audit log's text form."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(conn: Connection, *, case_id: int, actor: str, action: str, department: str | None = None,
           from_status: str | None = None, to_status: str | None = None, reason: str | None = None,
           override: bool = False, detail: Mapping[str, Any] | None = None) -> int:
    """Append the audit event ``case.<action>`` and the case_event row; returns the audit sequence."""
    seq = append_event(conn, actor=actor, action=f"case.{action}" if "." not in action else action,
                       subject=f"case:{case_id}",
                       detail={"department": department, "from": from_status, "to": to_status,
                               "reason": reason, "override": override, **(detail or {})})
    conn.execute(case_event.insert().values(
        case_id=case_id, at=now_text(), actor=actor, action=action, department=department,
        from_status=from_status, to_status=to_status, reason=reason, override=int(override), audit_seq=seq))
    return seq
