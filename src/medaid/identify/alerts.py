"""Early warnings (预警), DESIGN.md §6: four monitoring rules → blue/yellow/red with owner and deadline.

Rules: a single admission with OOP > 10,000; annual medical spending > 30% of household income; the
main earner unemployed; business income down ≥ 50% on the previous year. The household tier sets
the colour: high (spending share > 50% or a severe patient) → red, county verifies within 3 working
days and a home visit is due within 24 hours; medium (30–50%) → yellow, township tracks; low →
blue, village monitors. Deadlines count official working days (``medaid.domain.workdays``).

A warning is acted on with ``set_warning_state``: open → verified (核实: the owner has checked the
household; this meets the deadline) → closed (办结), or open → closed directly; each change is in the
warning's history and an ``identify.warning`` audit event. A warning is overdue while open past due.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, select

from medaid.domain.workdays import add_workdays
from medaid.errors import NotFound
from medaid.identify.service import assess_year
from medaid.identify.tasks import NewTask, move, open_tasks
from medaid.store.db import engine_for, migrate
from medaid.store.identify_tables import early_warning

COLOUR_OF_TIER = {"high": "red", "medium": "yellow", "low": "blue"}
RULE_LABELS = {
    "single_admission": "单次住院自付超过1万元",
    "oop_share": "年度医疗支出超过家庭收入30%",
    "unemployed": "主要劳动力失业",
    "business_drop": "经营收入下降50%以上",
}


WARNING_STATES = ("open", "verified", "closed")
WARNING_TRANSITIONS: dict[str, tuple[str, ...]] = {"open": ("verified", "closed"), "verified": ("closed",)}
WARNING_CLOSED = frozenset({"closed"})


@dataclass(slots=True)
class WarningSummary:
    raised: int
    existing: int
    by_colour: dict[str, int] = field(default_factory=dict)
    home_visits: int = 0


def warning_tier(hh: pd.DataFrame, high_share: float, share: float) -> pd.Series:
    severe = (hh["severe_disabled"] > 0) | hh["has_cancer"] | hh["has_esrd"] | hh["has_rare"]
    return pd.Series(np.select([(hh["oop_share"] > high_share) | severe, hh["oop_share"] > share],
                               ["high", "medium"], default="low"), index=hh.index)


def raise_warnings(year: int, *, url: str | None = None, as_of: date | None = None,
                   thresholds_path: Path | None = None) -> WarningSummary:
    """Evaluate the rules for ``year`` and store new warnings (idempotent per household, person, rule)."""
    as_of = as_of or date.today()
    migrate(url)
    a = assess_year(year, url=url, thresholds_path=thresholds_path)
    w, hh, people = a.thresholds.warnings, a.households, a.people
    tier = warning_tier(hh, w.high_share, w.oop_share_of_income)
    hits: list[tuple[str, str, str, str]] = []  # household, token, rule, detail

    big = people[people["max_stay_oop_year_fen"] > w.single_admission_oop_yuan * 100]
    for r in big.itertuples(index=False):
        hits.append((r.household_id, r.id_token, "single_admission",
                     f"单次住院自付 {r.max_stay_oop_year_fen / 100:,.0f} 元"))
    for rule, mask, fmt in (
        ("oop_share", hh["oop_share"] > w.oop_share_of_income, "医疗支出占收入 {:.0%}"),
        ("unemployed", hh["main_earner_unemployed"], "主要劳动力失业"),
        ("business_drop", hh["business_drop"] >= w.business_income_drop, "经营收入下降 {:.0%}"),
    ):
        col = {"oop_share": "oop_share", "business_drop": "business_drop"}.get(rule)
        for hid in hh.index[mask.to_numpy()]:
            text = fmt.format(min(float(hh.at[hid, col]), 9.99)) if col else fmt
            hits.append((hid, hh.at[hid, "head_token"], rule, text))

    engine = engine_for(url)
    summary = WarningSummary(0, 0)
    with engine.begin() as conn:
        existing = {(h, t, r) for h, t, r in conn.execute(
            select(early_warning.c.household_id, early_warning.c.id_token, early_warning.c.rule)
            .where(early_warning.c.year == year))}
        rows, visits = [], []
        for hid, token, rule, detail in hits:
            if (hid, token, rule) in existing or hid not in hh.index:
                summary.existing += (hid, token, rule) in existing
                continue
            existing.add((hid, token, rule))
            t = tier[hid]
            colour = COLOUR_OF_TIER[t]
            c = w.colours[colour]
            township = str(hh.at[hid, "township_code"])
            rows.append({
                "year": year, "household_id": hid, "id_token": token, "township_code": township,
                "village": hh.at[hid, "village"], "rule": rule, "tier": t, "colour": colour,
                "owner_level": c.owner, "raised_on": as_of, "due_on": add_workdays(as_of, c.deadline_workdays),
                "state": "open", "history": json.dumps([{"state": "open", "on": as_of.isoformat(), "actor": "system"}]),
                "detail": json.dumps({"rule": RULE_LABELS[rule], "detail": detail,
                                                       "action": c.action}, ensure_ascii=False),
            })
            summary.by_colour[colour] = summary.by_colour.get(colour, 0) + 1
            if t == "high":
                due_at = datetime.combine(as_of, time(9, 0), tzinfo=UTC) + timedelta(hours=w.home_visit_hours)
                visits.append(NewTask("home_visit", f"home_visit:{year}:{hid}", as_of, due_at.date(),
                                      {"why": RULE_LABELS[rule]}, hid, token, township, due_at))
        for i in range(0, len(rows), 5000):
            conn.execute(insert(early_warning), rows[i:i + 5000])
        summary.raised = len(rows)
        summary.home_visits = open_tasks(conn, visits)
    return summary


def list_warnings(conn: Connection, *, year: int, as_of: date, colour: str | None = None,
                  township: str | None = None, state: str | None = None) -> list[dict[str, object]]:
    """The year's warnings, red first then by deadline; ``None`` filters keep every value."""
    q = select(early_warning).where(early_warning.c.year == year)
    if colour:
        q = q.where(early_warning.c.colour == colour)
    if state:
        q = q.where(early_warning.c.state == state)
    if township:
        q = q.where(early_warning.c.township_code == township)
    order = {"red": 0, "yellow": 1, "blue": 2}
    rows = [dict(r) | {"overdue": r["state"] == "open" and r["due_on"] < as_of}
            for r in conn.execute(q).mappings()]
    return sorted(rows, key=lambda r: (order.get(str(r["colour"]), 3), str(r["due_on"]), int(str(r["id"]))))


def get_warning(conn: Connection, warning_id: int) -> dict[str, Any]:
    row = conn.execute(select(early_warning).where(early_warning.c.id == warning_id)).mappings().first()
    if row is None:
        raise NotFound(f"warning {warning_id} does not exist", f"预警 {warning_id} 不存在")
    return dict(row)


def warning_next_states(state: str) -> tuple[str, ...]:
    return WARNING_TRANSITIONS.get(state, ())


def set_warning_state(conn: Connection, warning_id: int, state: str, *, actor: str, on: date,
                      note: str = "") -> dict[str, Any]:
    """Verify (核实) or close (办结) a warning; illegal moves are a ``StateError`` naming the allowed ones."""
    row = get_warning(conn, warning_id)
    rule = str(row["rule"])
    return move(conn, early_warning, warning_id, state, allowed=warning_next_states(str(row["state"])),
                closed=WARNING_CLOSED, actor=actor, on=on, note=note, action="identify.warning",
                subject=f"early_warning:{warning_id}",
                what=(f"预警 {warning_id}（{RULE_LABELS.get(rule, rule)}）", f"warning {warning_id} ({rule})"),
                detail={"rule": rule, "colour": row["colour"], "household_id": row["household_id"]})
