"""A reconciliation round (核查轮次): detect, compare with the last round, store, audit.

Every (year, person, problem) has one ``recon_problem`` row whose status moves
open → fixed (a later round no longer finds it) or open → closed (the township fed back that it is
handled), and back to open when a later round finds it again (``regressed``). Each move is a
``recon_problem_event``, so a problem's whole history reads round by round, who did what.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Connection, bindparam, select, update

from medaid.reconcile.detect import detect
from medaid.reconcile.inputs import read_inputs
from medaid.reconcile.problems import Problem, action_for
from medaid.store import tables as t
from medaid.store.db import engine_for
from medaid.store.reconcile_tables import recon_problem, recon_problem_event, recon_round

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class RoundSummary:
    """What a round found: per problem code, and per transition (new/still_open/fixed/regressed)."""

    round_id: int
    year: int
    previous_round_id: int | None
    by_problem: dict[str, int] = field(default_factory=dict)
    transitions: dict[str, int] = field(default_factory=dict)

    @property
    def open_problems(self) -> int:
        return sum(self.by_problem.values())


def now_text() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _masks(conn: Connection, tokens: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(tokens), 5000):
        chunk = tokens[i:i + 5000]
        out.update(dict(conn.execute(select(t.identity.c.id_token, t.identity.c.id_masked)
                                     .where(t.identity.c.id_token.in_(chunk))).fetchall()))
    return out


def run_round(year: int, *, url: str | None = None, actor: str = "cli", county_code: str | None = None,
              progress: Progress | None = None) -> RoundSummary:
    """Run one round for ``year`` and store it; returns the counts (``medaid reconcile --year``)."""
    from medaid.audit.log import append_event

    tick = progress or (lambda _s, _d, _t: None)
    engine = engine_for(url)
    tick("读取数据 reading", 0, 4)
    with engine.connect() as conn:
        inp = read_inputs(conn, year, county_code=county_code)
    tick("核查 detecting", 1, 4)
    found = detect(inp)
    tick("保存 storing", 2, 4)
    with engine.begin() as conn:
        prev = conn.execute(select(recon_round.c.id).where(recon_round.c.year == year)
                            .order_by(recon_round.c.id.desc()).limit(1)).scalar()
        started = now_text()
        pk = conn.execute(recon_round.insert().values(
            year=year, started_at=started, actor=actor, previous_round_id=prev, summary="{}")).inserted_primary_key
        assert pk is not None
        round_id = int(pk[0])
        transitions = _apply(conn, year, round_id, found, actor, started)
        by_problem = dict(Counter(found["problem"]))
        summary = RoundSummary(round_id, year, prev, by_problem, transitions)
        conn.execute(update(recon_round).where(recon_round.c.id == round_id).values(
            finished_at=now_text(),
            summary=json.dumps({"by_problem": by_problem, "transitions": transitions}, sort_keys=True)))
        append_event(conn, actor=actor, action="reconcile.round", subject=f"round:{round_id}",
                     detail={"year": year, "previous_round_id": prev, "by_problem": by_problem,
                             "transitions": transitions})
    tick("完成 done", 4, 4)
    return summary


def _apply(conn: Connection, year: int, round_id: int, found: pd.DataFrame, actor: str,
           at: str) -> dict[str, int]:
    """Merge this round's findings into ``recon_problem`` and write one event per transition."""
    existing = {(k, p): (pid, status) for pid, k, p, status in conn.execute(
        select(recon_problem.c.id, recon_problem.c.subject_key, recon_problem.c.problem, recon_problem.c.status)
        .where(recon_problem.c.year == year))}
    masks = _masks(conn, sorted({x for x in found["id_token"] if isinstance(x, str)}))
    reject_masks = _reject_masks(conn, found)
    new_rows, updates, events = [], [], []
    seen: set[tuple[str, str]] = set()
    counts: Counter[str] = Counter()
    for rec in found.itertuples(index=False):
        key = (str(rec.subject_key), str(rec.problem))
        seen.add(key)
        token = rec.id_token if isinstance(rec.id_token, str) else None
        fields = {"detail": str(rec.detail), "name": str(rec.name), "township_code": str(rec.township_code),
                  "last_round_id": round_id}
        if key not in existing:
            new_rows.append({"year": year, "subject_key": key[0], "problem": key[1], "status": "open",
                             "id_token": token,
                             "id_masked": masks.get(token or "", reject_masks.get(key[0], "")),
                             "action": action_for(Problem(key[1])), "first_round_id": round_id, **fields})
            counts["new"] += 1
            continue
        pid, status = existing[key]
        kind = "still_open" if status == "open" else "regressed"
        counts[kind] += 1
        updates.append({"pid": pid, "status": "open", **fields})
        events.append({"problem_id": pid, "round_id": round_id, "at": at, "actor": actor, "kind": kind,
                       "note": None if kind == "still_open" else f"此前状态 was {status}"})
    for key, (pid, status) in existing.items():
        if key not in seen and status == "open":
            counts["fixed"] += 1
            updates.append({"pid": pid, "status": "fixed", "detail": None, "name": None, "township_code": None,
                            "last_round_id": None})
            events.append({"problem_id": pid, "round_id": round_id, "at": at, "actor": actor, "kind": "fixed",
                           "note": "本轮未再发现 not found this round"})
    if new_rows:
        conn.execute(recon_problem.insert(), new_rows)
        ids = dict(((k, p), i) for i, k, p in conn.execute(
            select(recon_problem.c.id, recon_problem.c.subject_key, recon_problem.c.problem)
            .where(recon_problem.c.year == year, recon_problem.c.first_round_id == round_id)))
        events += [{"problem_id": ids[(r["subject_key"], r["problem"])], "round_id": round_id, "at": at,
                    "actor": actor, "kind": "new", "note": None} for r in new_rows]
    _update(conn, [u for u in updates if u["status"] == "open"], full=True)
    _update(conn, [u for u in updates if u["status"] == "fixed"], full=False)
    if events:
        conn.execute(recon_problem_event.insert(), events)
    return dict(counts)


def _update(conn: Connection, rows: list[dict[str, object]], *, full: bool) -> None:
    if not rows:
        return
    values: dict[str, object] = {"status": bindparam("status")}
    if full:
        values |= {c: bindparam(c) for c in ("detail", "name", "township_code", "last_round_id")}
        rows = [dict(r) for r in rows]
    else:
        rows = [{"pid": r["pid"], "status": r["status"]} for r in rows]
    conn.execute(update(recon_problem).where(recon_problem.c.id == bindparam("pid")).values(**values), rows)


def _reject_masks(conn: Connection, found: pd.DataFrame) -> dict[str, str]:
    """Masked ID numbers of reject rows, as the ingest kept them in the raw JSON."""
    keys = [k for k in found["subject_key"] if str(k).startswith("reject:")]
    if not keys:
        return {}
    from medaid.domain.idnumber import mask
    from medaid.reconcile.inputs import read_id_rejects

    rej = read_id_rejects(conn)
    return {f"reject:{r.load_id}:{r.row_number}": mask(str(r.id_masked)) if "*" not in str(r.id_masked)
            else str(r.id_masked) for r in rej.itertuples(index=False)}
