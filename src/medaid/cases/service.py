"""Open 免申即享 cases: one per person-claim that any assistance program would pay, with the plan.

Reads the year's claims, roster categories and person details, replays each person's year with the
policy engine under every permitted program order (``plan.py``), and inserts a case, its program
lines and one pending share per department that must approve. Idempotent: ``aid_case.claim_id`` is
unique and existing cases are skipped, so re-running (or re-loading the same claims) never opens a
second case. A case whose claim has since been reversed (冲销) is cancelled if no money has left.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, select, update
from sqlalchemy.exc import IntegrityError

from medaid.audit.log import append_event
from medaid.cases.history import now_text, record
from medaid.cases.payout import on_conflict_do_nothing
from medaid.cases.plan import case_programs, plan_detail
from medaid.cases.states import CaseStatus, ShareStatus
from medaid.domain.money import to_fen, to_yuan
from medaid.domain.workdays import add_workdays
from medaid.errors import ConfigError
from medaid.policy import Claim, Policy, load_policy
from medaid.policy.optimal import optimal_plan
from medaid.settings import get_settings
from medaid.store.cases_tables import aid_case, case_event, case_line, case_share, fund
from medaid.store.db import engine_for
from medaid.store.tables import claim as claim_t
from medaid.store.tables import person, roster

PAY_WITHIN_WORKDAYS = 20
"""Seed 003 (新津): paid within 20 working days of discharge (was 90 days)."""

Progress = Callable[[str, int, int], None]
CHUNK = 2000


@dataclass
class OpenSummary:
    """What one ``open_cases`` run did; ``opened + already_open == eligible`` when nothing failed."""

    year: int
    policy_id: str
    claims_read: int = 0
    persons: int = 0
    eligible: int = 0
    opened: int = 0
    already_open: int = 0
    cancelled: int = 0
    reversed_after_payout: list[int] = field(default_factory=list)
    payable_fen: int = 0
    seconds: float = 0.0


def default_policy_path(year: int) -> Path:
    path = get_settings().policies_dir / f"reference-{year}.yaml"
    if not path.exists():
        raise ConfigError(f"no policy file for {year}: pass --policy FILE (looked for {path})",
                          f"找不到 {year} 年的政策文件，请用 --policy 指定（查找位置 {path}）")
    return path


@dataclass(frozen=True)
class _PersonInfo:
    name: str
    township_code: str | None
    village: str | None
    household_id: str | None


def _claims_by_person(conn: Connection, year: int) -> tuple[dict[str, list[Any]], set[str]]:
    """Claim rows of the medical year (by settle date) grouped by person; also the reversed claim ids."""
    lo, hi = dt.date(year, 1, 1), dt.date(year, 12, 31)
    c = claim_t.c
    rows = conn.execute(select(
        c.claim_id, c.id_token, c.name, c.hospital_level, c.location, c.visit_type, c.discharge_date,
        c.settle_date, c.total_fen, c.in_scope_fen, c.basic_paid_fen, c.critical_paid_fen, c.reverses_claim_id,
    ).where(c.settle_date.between(lo, hi)))
    out: dict[str, list[Any]] = defaultdict(list)
    reversed_ids: set[str] = set()
    for r in rows:
        if r.reverses_claim_id:
            reversed_ids.add(r.reverses_claim_id)
        out[r.id_token].append(r)
    return out, reversed_ids


def to_claim(r: Any, categories: frozenset[str]) -> Claim:
    """A stored claim row as the policy engine sees it (yuan ``Decimal``)."""
    return Claim(
        claim_id=r.claim_id, settle_date=r.settle_date, visit_type=r.visit_type, location=r.location,
        hospital_level=r.hospital_level, in_scope=to_yuan(r.in_scope_fen), total=to_yuan(r.total_fen),
        basic_paid=None if r.basic_paid_fen is None else to_yuan(r.basic_paid_fen),
        critical_paid=None if r.critical_paid_fen is None else to_yuan(r.critical_paid_fen),
        reverses_claim_id=r.reverses_claim_id, categories=categories,
    )


@lru_cache(maxsize=8192)
def due_date(discharged: dt.date) -> dt.date:
    """Pay-by date: 20 official working days after discharge (cached: the calendar lookup is slow)."""
    return add_workdays(discharged, PAY_WITHIN_WORKDAYS)


def _categories(conn: Connection, year: int) -> dict[str, list[tuple[str, dt.date, dt.date | None]]]:
    lo, hi = dt.date(year, 1, 1), dt.date(year, 12, 31)
    r = roster.c
    out: dict[str, list[tuple[str, dt.date, dt.date | None]]] = defaultdict(list)
    query = select(r.id_token, r.category, r.valid_from, r.valid_to).where(
        r.valid_from <= hi, (r.valid_to.is_(None)) | (r.valid_to >= lo))
    for row in conn.execute(query):
        out[row.id_token].append((row.category, row.valid_from, row.valid_to))
    return out


def categories_on(spans: Iterable[tuple[str, dt.date, dt.date | None]], day: dt.date) -> frozenset[str]:
    """Roster categories valid on ``day`` (valid_to inclusive; open-ended when missing)."""
    return frozenset(cat for cat, a, b in spans if a <= day and (b is None or day <= b))


def _people(conn: Connection, tokens: set[str]) -> dict[str, _PersonInfo]:
    """Name/township/village/household per person: the row of the newest load wins."""
    p = person.c
    out: dict[str, _PersonInfo] = {}
    for row in conn.execute(select(p.id_token, p.name, p.township_code, p.village, p.household_id)
                            .order_by(p.load_id, p.source_row)):
        if row.id_token in tokens:
            out[row.id_token] = _PersonInfo(row.name, row.township_code, row.village, row.household_id)
    return out


def open_cases(*, url: str | None = None, year: int, policy_path: Path | None = None,
               progress: Progress | None = None, actor: str = "system",
               today: dt.date | None = None) -> OpenSummary:
    """Open a case for every person-claim of ``year`` that any case program pays (idempotent)."""
    started = time.perf_counter()
    today = today or dt.date.today()
    policy = load_policy(policy_path or default_policy_path(year))
    programs = case_programs(policy)
    program_ids = frozenset(layer.id for layer in programs)
    summary = OpenSummary(year=year, policy_id=policy.id)
    needed = _admitting_tags(programs)
    engine = engine_for(url)
    with engine.connect() as conn:
        by_person, reversed_ids = _claims_by_person(conn, year)
        spans = _categories(conn, year)
        existing = {row.claim_id: (row.id, row.status) for row in conn.execute(
            select(aid_case.c.claim_id, aid_case.c.id, aid_case.c.status).where(aid_case.c.year == year))}
        people = _people(conn, set(by_person))
    summary.persons = len(by_person)
    summary.claims_read = sum(len(v) for v in by_person.values())
    new_cases: list[dict[str, Any]] = []
    new_lines: dict[str, list[dict[str, Any]]] = {}
    done = 0
    for token, items in by_person.items():
        person_spans = spans.get(token, ())
        cats = {r.claim_id: categories_on(person_spans, r.settle_date) for r in items}
        done += len(items)
        if progress and done % 5000 < len(items):
            progress("plan", done, summary.claims_read)
        if needed is not None and not any(c & needed for c in cats.values()):
            continue  # no case program admits this person on any claim date: nothing to plan
        plan = optimal_plan([to_claim(r, cats[r.claim_id]) for r in items], (), policy)
        rows = {r.claim_id: r for r in items}
        for s in plan.settlements:
            lines = _lines(s.layers, policy, program_ids)
            if not lines:
                continue
            summary.eligible += 1
            if s.claim_id in existing:
                summary.already_open += 1
                continue
            new_cases.append(_case_row(rows[s.claim_id], token, people.get(token), cats[s.claim_id],
                                       plan_detail(s, plan, policy), lines, year, policy.id, today))
            new_lines[s.claim_id] = lines
    if progress:
        progress("plan", summary.claims_read, summary.claims_read)
    _ensure_funds(engine, programs, year)
    digest = hashlib.sha256()
    for i in range(0, len(new_cases), CHUNK):
        chunk = new_cases[i:i + CHUNK]
        try:
            with engine.begin() as conn:
                _insert_chunk(conn, chunk, new_lines, actor)
        except IntegrityError:  # a concurrent run opened some of these first: keep theirs, add the rest
            with engine.begin() as conn:
                taken = set(conn.execute(select(aid_case.c.claim_id).where(
                    aid_case.c.claim_id.in_([c["claim_id"] for c in chunk]))).scalars())
                summary.already_open += len(taken)
                chunk = [c for c in chunk if c["claim_id"] not in taken]
                if chunk:
                    _insert_chunk(conn, chunk, new_lines, actor)
        for row in chunk:
            digest.update(row["claim_id"].encode())
            summary.payable_fen += row["payable_fen"]
        summary.opened += len(chunk)
        if progress:
            progress("open", summary.opened, len(new_cases))
    cancel = [(cid, st) for claim_id, (cid, st) in existing.items() if claim_id in reversed_ids]
    with engine.begin() as conn:
        for case_id, status in cancel:
            if status in (CaseStatus.PAYING, CaseStatus.PAID):
                summary.reversed_after_payout.append(case_id)
                continue
            if status == CaseStatus.CANCELLED:
                continue
            done_rows = conn.execute(update(aid_case).where(and_(aid_case.c.id == case_id,
                                                                 aid_case.c.status == status))
                                     .values(status=CaseStatus.CANCELLED, last_action_on=today,
                                             version=aid_case.c.version + 1)).rowcount
            if done_rows:
                record(conn, case_id=case_id, actor=actor, action="cancel", from_status=status,
                       to_status=CaseStatus.CANCELLED, reason="结算单已冲销 / claim reversed")
                summary.cancelled += 1
        append_event(conn, actor=actor, action="case.open", subject=f"year:{year}", detail={
            "policy": policy.id, "opened": summary.opened, "already_open": summary.already_open,
            "cancelled": summary.cancelled, "claim_ids_sha256": digest.hexdigest()})
    summary.seconds = time.perf_counter() - started
    return summary


def _admitting_tags(programs: list[Any]) -> frozenset[str] | None:
    """Tags that any case program admits, or None when some program is open to everyone.

    A layer whose ``eligible`` list excludes the person pays 0 in every order, so people holding
    none of these tags on any claim date can be skipped without changing a single plan.
    """
    tags: set[str] = set()
    for layer in programs:
        if layer.eligible == "all":
            return None
        tags.update(layer.eligible)
    return frozenset(tags)


def _lines(layers: Iterable[Any], policy: Policy, program_ids: frozenset[str]) -> list[dict[str, Any]]:
    out = []
    for r in layers:
        if r.layer not in program_ids or r.paid <= 0:
            continue
        cap = None if r.cap_remaining is None or r.ytd_paid is None else int(to_fen(r.ytd_paid + r.cap_remaining))
        fen = int(to_fen(r.paid))
        out.append({"program": r.layer, "department": policy.layer(r.layer).department, "planned_fen": fen,
                    "amount_fen": fen, "rule": r.rule, "cap_fen": cap})
    return out


def _case_row(r: Any, token: str, info: _PersonInfo | None, cats: frozenset[str], plan: dict[str, object],
              lines: list[dict[str, Any]], year: int, policy_id: str, today: dt.date) -> dict[str, Any]:
    start = r.discharge_date or r.settle_date
    return {
        "claim_id": r.claim_id, "id_token": token, "name": info.name if info else r.name, "year": year,
        "policy_id": policy_id, "township_code": info.township_code if info else None,
        "village": info.village if info else None, "household_id": info.household_id if info else None,
        "categories": ",".join(sorted(cats)), "visit_type": r.visit_type, "settle_date": r.settle_date,
        "discharge_date": r.discharge_date, "due_date": due_date(start),
        "total_fen": r.total_fen, "in_scope_fen": r.in_scope_fen,
        "payable_fen": sum(x["amount_fen"] for x in lines), "status": CaseStatus.APPROVING,
        "plan": json.dumps(plan, ensure_ascii=False, separators=(",", ":")), "opened_at": now_text(),
        "opened_on": today, "last_action_on": today, "version": 1,
    }


def _insert_chunk(conn: Connection, chunk: list[dict[str, Any]], lines: dict[str, list[dict[str, Any]]],
                  actor: str) -> None:
    conn.execute(aid_case.insert(), chunk)
    ids = dict(conn.execute(select(aid_case.c.claim_id, aid_case.c.id)
                            .where(aid_case.c.claim_id.in_([c["claim_id"] for c in chunk]))).all())
    line_rows, share_rows, events = [], [], []
    at = now_text()
    for c in chunk:
        case_id = ids[c["claim_id"]]
        depts = sorted({x["department"] for x in lines[c["claim_id"]]})
        line_rows += [{**x, "case_id": case_id} for x in lines[c["claim_id"]]]
        share_rows += [{"case_id": case_id, "department": d, "status": ShareStatus.PENDING, "version": 1}
                       for d in depts]
        events.append({"case_id": case_id, "at": at, "actor": actor, "action": "open", "department": None,
                       "from_status": None, "to_status": CaseStatus.APPROVING,
                       "reason": f"免申即享自动立案 / opened automatically; approvers: {', '.join(depts)}",
                       "override": 0, "audit_seq": None})
    conn.execute(case_line.insert(), line_rows)
    conn.execute(case_share.insert(), share_rows)
    conn.execute(case_event.insert(), events)


def _ensure_funds(engine: Any, programs: list[Any], year: int) -> None:
    """One fund row per program and year (budget unset = unlimited until a clerk sets it)."""
    with engine.begin() as conn:
        have = {r.program for r in conn.execute(select(fund.c.program).where(fund.c.year == year))}
        rows = [{"program": p.id, "year": year, "department": p.department, "name": p.name, "budget_fen": None,
                 "issued_fen": 0} for p in programs if p.id not in have]
        if rows:  # a concurrent run may insert the same rows: ignore those
            conn.execute(on_conflict_do_nothing(conn, fund), rows)



def open_cases_after_load(load_ids: Iterable[int], *, url: str | None = None, actor: str = "system",
                          progress: Progress | None = None) -> list[OpenSummary]:
    """免申即享 "in the same run as the load": open cases for every year the given claim loads touch.

    Called by the entry points (``medaid load``, the web upload job) after a load; loads without
    claims open nothing. ``open_cases`` is idempotent, so re-loading never opens a second case.
    """
    ids = sorted(set(load_ids))
    if not ids:
        return []
    with engine_for(url).connect() as conn:
        dates = conn.execute(select(claim_t.c.settle_date).where(claim_t.c.load_id.in_(ids)).distinct()).scalars()
        years = sorted({d.year if isinstance(d, dt.date) else int(str(d)[:4]) for d in dates})
    return [open_cases(url=url, year=year, actor=actor, progress=progress) for year in years]
