"""Dynamic-management tasks (动态管理事项): one row per obligation, with state, deadline and history.

Kinds and their states (first state is where a task opens; closed states end it):
review, tracking, spot_check: due → done · exit: buffer → exited | kept · green_channel: open →
approved | rejected · notice: open → sent · publicity: publicising → done | objection ·
follow_up: due → done · home_visit: due → done · screening: found → applied → reviewed → certified |
rejected (seed 002 funnel). A task is overdue when it is not closed and its due date has passed.

``move`` is the one checked state change (workflow, history, ``closed_on``, audit event) used by
``advance`` here and by ``alerts.set_warning_state``; the CLI, the API and the pages all call those.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update

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
STATE_LABELS: dict[str, tuple[str, str]] = {
    "due": ("待办", "due"), "done": ("已完成", "done"), "buffer": ("渐退期", "in buffer"),
    "exited": ("已退出", "exited"), "kept": ("继续保留", "kept"), "open": ("待处理", "open"),
    "approved": ("已批准", "approved"), "rejected": ("未通过", "rejected"), "sent": ("已告知", "sent"),
    "publicising": ("公示中", "publicising"), "objection": ("有异议", "objection"), "found": ("筛查发现", "found"),
    "applied": ("已申请", "applied"), "reviewed": ("专家评审通过", "reviewed"), "certified": ("已发证", "certified"),
    "verified": ("已核实", "verified"), "closed": ("已办结", "closed"),
}
"""Chinese and English names of every task and warning state (error messages, pages, exports)."""
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


def next_states(kind: str, state: str) -> tuple[str, ...]:
    """The states a task of ``kind`` may move to from ``state`` (empty once closed)."""
    return TRANSITIONS.get(kind, {}).get(state, ())


def state_zh(state: str) -> str:
    return STATE_LABELS.get(state, (state, state))[0]


def move(conn: Connection, table: Table, row_id: int, state: str, *, allowed: tuple[str, ...], closed: frozenset[str],
         actor: str, on: date, note: str, action: str, subject: str, what: tuple[str, str],
         detail: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Check ``state`` against ``allowed``, append to the row's JSON history, stamp ``closed_on`` for
    closed states and log ``action`` (with ``detail``). ``what`` names the row in messages (zh, en).
    Returns the row as it now is."""
    row = conn.execute(select(table).where(table.c.id == row_id)).mappings().one()
    if state not in allowed:
        options_en = ", ".join(allowed) or "none (it is closed)"
        options_zh = "、".join(state_zh(s) for s in allowed) or "无（已办结）"
        raise StateError(
            f"{what[1]} cannot go from {row['state']} to {state}; allowed: {options_en}",
            f"{what[0]}不能从「{state_zh(row['state'])}」变为「{state_zh(state)}」；可选：{options_zh}",
        )
    history = json.loads(row["history"] or "[]")
    history.append({"state": state, "on": on.isoformat(), "actor": actor, "note": note})
    values: dict[str, Any] = {"state": state, "history": json.dumps(history, ensure_ascii=False)}
    if state in closed:
        values["closed_on"] = on
    conn.execute(update(table).where(table.c.id == row_id).values(**values))
    append_event(conn, actor=actor, action=action, subject=subject,
                 detail={**(detail or {}), "from": row["state"], "to": state, "note": note, "on": on.isoformat()})
    return dict(row) | values


def get_task(conn: Connection, task_id: int) -> dict[str, Any]:
    row = conn.execute(select(mgmt_task).where(mgmt_task.c.id == task_id)).mappings().first()
    if row is None:
        raise NotFound(f"task {task_id} does not exist", f"事项 {task_id} 不存在")
    return dict(row)


def advance(conn: Connection, task_id: int, state: str, *, actor: str, on: date, note: str = "",
            due_on: date | None = None) -> dict[str, Any]:
    """Move a task to ``state`` if the workflow allows it; closed states stamp ``closed_on``."""
    row = get_task(conn, task_id)
    kind = row["kind"]
    moved = move(conn, mgmt_task, task_id, state, allowed=next_states(kind, row["state"]), closed=CLOSED,
                 actor=actor, on=on, note=note, action="identify.task", subject=f"mgmt_task:{task_id}",
                 what=(f"事项 {task_id}（{KIND_LABELS.get(kind, kind)}）", f"task {task_id} ({kind})"),
                 detail={"kind": kind})
    if due_on is not None:
        conn.execute(update(mgmt_task).where(mgmt_task.c.id == task_id).values(due_on=due_on))
        moved["due_on"] = due_on
    return moved


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
