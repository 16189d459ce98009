"""Dynamic-management tasks (动态管理事项): one row per obligation, with state, deadline and history.

Kinds and their states (first state is where a task opens; closed states end it):
review, tracking, spot_check: due → done · exit: buffer → exited | kept · green_channel: open →
approved | rejected · notice: open → sent · publicity: publicising → done | objection ·
follow_up: due → done · home_visit: due → done · screening: found → applied → reviewed → certified |
rejected (seed 002 funnel). A task is overdue when it is not closed and its due date has passed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from medaid.audit.log import append_event
from medaid.errors import NotFound, StateError
from medaid.store.identify_tables import mgmt_task

TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "review": {"due": ("done",)},
    "tracking": {"due": ("done",)},
    "spot_check": {"due": ("done",)},
    "home_visit": {"due": ("done",)},
    "follow_up": {"due": ("done",)},
    "exit": {"buffer": ("exited", "kept")},
    "green_channel": {"open": ("approved", "rejected")},
    "notice": {"open": ("sent",)},
    "publicity": {"publicising": ("done", "objection")},
    "screening": {"found": ("applied", "rejected"), "applied": ("reviewed", "rejected"),
                  "reviewed": ("certified", "rejected")},
}
CLOSED = frozenset({"done", "exited", "kept", "approved", "rejected", "sent", "objection", "certified"})
KIND_LABELS = {
    "review": "定期复核", "tracking": "每月跟踪", "spot_check": "随机抽查", "home_visit": "24小时入户",
    "follow_up": "出院随访", "exit": "退出渐退期", "green_channel": "绿色通道", "notice": "结果告知",
    "publicity": "公示", "screening": "慢特病筛查",
}


@dataclass(slots=True)
class NewTask:
    kind: str
    dedupe_key: str
    opened_on: date
    due_on: date
    detail: Mapping[str, Any]
    household_id: str | None = None
    id_token: str | None = None
    township_code: str | None = None
    due_at: datetime | None = None


def open_tasks(conn: Connection, tasks: Iterable[NewTask], actor: str = "system") -> int:
    """Insert tasks whose dedupe_key is new; returns how many were opened (re-runs open none)."""
    pending = {t.dedupe_key: t for t in tasks}
    if not pending:
        return 0
    keys = list(pending)
    existing: set[str] = set()
    for i in range(0, len(keys), 900):
        existing.update(conn.execute(select(mgmt_task.c.dedupe_key)
                                     .where(mgmt_task.c.dedupe_key.in_(keys[i:i + 900]))).scalars())
    rows = []
    for key, t in pending.items():
        if key in existing:
            continue
        first = next(iter(TRANSITIONS[t.kind]))
        rows.append({
            "kind": t.kind, "dedupe_key": key, "household_id": t.household_id, "id_token": t.id_token,
            "township_code": t.township_code, "state": first, "opened_on": t.opened_on, "due_on": t.due_on,
            "due_at": t.due_at, "closed_on": None, "detail": json.dumps(dict(t.detail), ensure_ascii=False, default=str),
            "history": json.dumps([{"state": first, "on": t.opened_on.isoformat(), "actor": actor}], ensure_ascii=False),
        })
    for i in range(0, len(rows), 5000):
        conn.execute(insert(mgmt_task), rows[i:i + 5000])
    return len(rows)


def advance(conn: Connection, task_id: int, state: str, *, actor: str, on: date, note: str = "",
            due_on: date | None = None) -> None:
    """Move a task to ``state`` if the workflow allows it; closed states stamp ``closed_on``."""
    row = conn.execute(select(mgmt_task).where(mgmt_task.c.id == task_id)).mappings().first()
    if row is None:
        raise NotFound(f"task {task_id} does not exist", f"事项 {task_id} 不存在")
    allowed = TRANSITIONS[row["kind"]].get(row["state"], ())
    if state not in allowed:
        raise StateError(
            f"task {task_id} ({row['kind']}) cannot go from {row['state']} to {state}; allowed: {list(allowed)}",
            f"事项 {task_id}（{KIND_LABELS[row['kind']]}）不能从 {row['state']} 变为 {state}",
        )
    history = json.loads(row["history"])
    history.append({"state": state, "on": on.isoformat(), "actor": actor, "note": note})
    values: dict[str, Any] = {"state": state, "history": json.dumps(history, ensure_ascii=False)}
    if state in CLOSED:
        values["closed_on"] = on
    if due_on is not None:
        values["due_on"] = due_on
    conn.execute(update(mgmt_task).where(mgmt_task.c.id == task_id).values(**values))
    append_event(conn, actor=actor, action="identify.task", subject=f"mgmt_task:{task_id}",
                 detail={"kind": row["kind"], "from": row["state"], "to": state, "note": note, "on": on.isoformat()})


def due_tasks(conn: Connection, *, as_of: date, kind: str | None = None, township: str | None = None,
              overdue_only: bool = False, horizon: date | None = None) -> list[dict[str, Any]]:
    """Open tasks due by ``horizon`` (default: all open), each with an ``overdue`` flag as of ``as_of``."""
    q = select(mgmt_task).where(mgmt_task.c.closed_on.is_(None))
    if kind:
        q = q.where(mgmt_task.c.kind == kind)
    if township:
        q = q.where(mgmt_task.c.township_code == township)
    if overdue_only:
        q = q.where(mgmt_task.c.due_on < as_of)
    elif horizon is not None:
        q = q.where(mgmt_task.c.due_on <= horizon)
    out = []
    for r in conn.execute(q.order_by(mgmt_task.c.due_on, mgmt_task.c.id)).mappings():
        d = dict(r)
        d["overdue"] = d["due_on"] < as_of
        out.append(d)
    return out


def funnel(conn: Connection, kind: str = "screening") -> dict[str, int]:
    """How many tasks ever reached each state (from their history): the seed-002 funnel report."""
    reached: dict[str, int] = {}
    for (history,) in conn.execute(select(mgmt_task.c.history).where(mgmt_task.c.kind == kind)):
        for state in {h["state"] for h in json.loads(history)}:
            reached[state] = reached.get(state, 0) + 1
    return reached


def count_by_state(conn: Connection, kind: str) -> dict[str, int]:
    rows = conn.execute(select(mgmt_task.c.state, func.count()).where(mgmt_task.c.kind == kind)
                        .group_by(mgmt_task.c.state))
    return {s: int(n) for s, n in rows}
