"""Dynamic management (动态管理): turn the year's data into tasks with deadlines (seed 000, seed 002).

- Review cycles by category: tekun / severe disability / catastrophic monthly tracking + quarterly
  review; dibao / edge / monitored half-yearly; lifted yearly + a random 5% spot check.
- Exit: a rostered household whose income per head has been above the standard for the last 6 months
  enters a 3-month buffer (渐退期) before it exits.
- Green channel: a sudden income drop (main earner unemployed, business income halved) outside any
  roster is decided within 3 working days.
- Decisions of the newest identification run: notice within 10 working days with reasons; publicity
  for ≥ 5 days (household and village only, never diagnoses).
- Follow-ups at 1, 3 and 6 months after discharge from a major stay of a household in need, opened
  when due within a month either side of the planning date.
- Chronic-disease screening (seed 002): inpatient claims for a chronic disease, no valid outpatient
  chronic certificate → a township work list, tracked found → applied → reviewed → certified.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, func, select

from medaid.domain.workdays import add_workdays
from medaid.identify.features import classify_codes
from medaid.identify.service import Assessment, assess_year
from medaid.identify.tasks import NewTask, open_tasks
from medaid.identify.thresholds import load_disease_map
from medaid.store.db import engine_for, migrate
from medaid.store.identify_tables import identify_result, identify_run


def add_months(d: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    y, m0 = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m0 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def period_end(as_of: date, months: int) -> date:
    """Last day of the ``months``-long period of the year that contains ``as_of``."""
    start_month = ((as_of.month - 1) // months) * months + 1
    return add_months(date(as_of.year, start_month, 1), months) - timedelta(days=1)


@dataclass(slots=True)
class PlanSummary:
    opened: dict[str, int] = field(default_factory=dict)


def plan_tasks(year: int, *, url: str | None = None, as_of: date | None = None,
               thresholds_path: Path | None = None, seed: int = 0) -> PlanSummary:
    """Open every task that is due for ``year`` as of ``as_of``; re-running opens nothing twice."""
    as_of = as_of or date.today()
    migrate(url)
    a = assess_year(year, url=url, thresholds_path=thresholds_path)
    tasks: list[NewTask] = []
    tasks += _reviews(a, as_of, seed)
    tasks += _exits_and_green_channel(a, as_of)
    tasks += _follow_ups(a, as_of)
    tasks += _screening(a, as_of)
    engine = engine_for(url)
    summary = PlanSummary()
    with engine.begin() as conn:
        tasks += _notices(conn, a, year, as_of)
        for kind in sorted({t.kind for t in tasks}):
            summary.opened[kind] = open_tasks(conn, [t for t in tasks if t.kind == kind])
    return summary


def _reviews(a: Assessment, as_of: date, seed: int) -> list[NewTask]:
    m = a.thresholds.management
    hh = a.households[a.households["categories"] != ""]
    out: list[NewTask] = []
    for hid, cats, township in zip(hh.index, hh["categories"], hh["township_code"], strict=True):
        cs = cats.split(",")
        cycles = [m.review_cycles_months[c] for c in cs if c in m.review_cycles_months]
        if cycles:
            months = min(cycles)
            end = period_end(as_of, months)
            out.append(NewTask("review", f"review:{hid}:{end}", as_of, end,
                               {"categories": cats, "cycle_months": months}, hid, None, township))
        if any(c in m.monthly_tracking for c in cs):
            end = period_end(as_of, 1)
            out.append(NewTask("tracking", f"tracking:{hid}:{end:%Y-%m}", as_of, end, {"categories": cats},
                               hid, None, township))
    lifted = sorted(hh.index[hh["categories"].str.contains("lifted")])
    rng = random.Random(f"{seed}:{as_of.year}")
    for hid in rng.sample(lifted, round(len(lifted) * m.spot_check_share)):
        out.append(NewTask("spot_check", f"spot_check:{hid}:{as_of.year}", as_of,
                           date(as_of.year, 12, 31), {"why": "脱贫人口随机抽查"}, hid, None,
                           str(hh.at[hid, "township_code"])))
    return out


def _exits_and_green_channel(a: Assessment, as_of: date) -> list[NewTask]:
    m, hh = a.thresholds.management, a.households
    std = a.thresholds.dibao_standard_yuan * 100
    inc = a.inputs.income
    window_start = pd.Timestamp(as_of) - pd.DateOffset(months=m.exit_income_months)
    recent = inc[(inc["period_to"] >= window_start) & (inc["period_from"] <= pd.Timestamp(as_of))]
    owner = a.people.set_index("id_token")["household_id"]
    months_covered = recent.assign(household_id=recent["id_token"].map(owner))
    # annualised income per head over the window: only households with records covering it
    per_hh = months_covered.groupby("household_id")["amount_fen"].sum()
    span_days = (months_covered["period_to"].clip(upper=pd.Timestamp(as_of))
                 - months_covered["period_from"].clip(lower=window_start)).dt.days + 1
    covered = span_days.groupby(months_covered["household_id"]).max()
    out: list[NewTask] = []
    rostered = hh[hh["on_roster"]]
    for hid in rostered.index:
        if hid not in per_hh.index or covered.get(hid, 0) < 30 * m.exit_income_months - 5:
            continue
        full_days = (pd.Timestamp(as_of) - window_start).days or 1
        annual = per_hh[hid] * 365 / full_days / rostered.at[hid, "members"]
        if annual > std:
            out.append(NewTask("exit", f"exit:{hid}:{as_of.year}", as_of, add_months(as_of, m.exit_buffer_months),
                               {"why": f"近{m.exit_income_months}个月人均年化收入 {annual / 100:,.0f} 元高于低保标准",
                                "buffer_months": m.exit_buffer_months}, hid, None,
                               str(rostered.at[hid, "township_code"])))
    drop = hh[~hh["on_roster"] & (hh["main_earner_unemployed"]
                                  | (hh["business_drop"] >= a.thresholds.warnings.business_income_drop))]
    for hid in drop.index:
        why = "主要劳动力失业" if drop.at[hid, "main_earner_unemployed"] else "经营收入骤降"
        out.append(NewTask("green_channel", f"green_channel:{hid}:{as_of.year}", as_of,
                           add_workdays(as_of, m.green_channel_workdays), {"why": why}, hid, None,
                           str(drop.at[hid, "township_code"])))
    return out


def _follow_ups(a: Assessment, as_of: date) -> list[NewTask]:
    m, th = a.thresholds.management, a.thresholds
    needy = a.households[a.households["rules_in_need"]]
    c = a.inputs.claims
    stays = c[(c["visit_type"] == "inpatient") & (c["year"] == a.inputs.year)
              & (c["oop_fen"] > th.risk_score.major_inpatient_oop_yuan * 100) & c["discharge_date"].notna()]
    owner = a.people.set_index("id_token")["household_id"]
    stays = stays.assign(household_id=stays["id_token"].map(owner))
    stays = stays[stays["household_id"].isin(needy.index)]
    out = []
    for r in stays.itertuples(index=False):
        discharged = r.discharge_date.date()
        for months in m.follow_up_months:
            due = add_months(discharged, months)
            # open a follow-up once its month comes near; ones more than a month overdue before the
            # first planning run are history, not work (otherwise switching medaid on floods the list)
            if as_of - timedelta(days=31) <= due <= as_of + timedelta(days=31):
                out.append(NewTask("follow_up", f"follow_up:{r.claim_id}:{months}", as_of, due,
                                   {"months_after_discharge": months, "claim_id": r.claim_id},
                                   r.household_id, r.id_token, str(needy.at[r.household_id, "township_code"])))
    return out


def _screening(a: Assessment, as_of: date) -> list[NewTask]:
    """Inpatient claims for a chronic disease without a valid outpatient chronic certificate (seed 002)."""
    dmap = load_disease_map()
    c = a.inputs.claims
    c = c[(c["visit_type"] == "inpatient") & (c["year"] == a.inputs.year)]
    c = c.assign(dclass=classify_codes(c["diagnosis_code"], dmap))
    chronic = c[c["dclass"].isin(["chronic", "esrd"])]
    certs = a.inputs.certs
    valid = certs[certs["valid_to"].isna() | (certs["valid_to"] >= pd.Timestamp(as_of.year, 1, 1))]
    found = chronic[~chronic["id_token"].isin(set(valid["id_token"]))]
    found = found.sort_values("settle_date").drop_duplicates("id_token")
    people = a.people.set_index("id_token")
    due = add_workdays(as_of, a.thresholds.management.screening_review_workdays)
    return [
        NewTask("screening", f"screening:{a.inputs.year}:{r.id_token}", as_of, due,
                {"disease_code": r.diagnosis_code, "claim_id": r.claim_id},
                str(people.at[r.id_token, "household_id"]) if r.id_token in people.index else None,
                r.id_token,
                str(people.at[r.id_token, "township_code"]) if r.id_token in people.index else None)
        for r in found.itertuples(index=False)
    ]


def _notices(conn: Connection, a: Assessment, year: int, as_of: date) -> list[NewTask]:
    run_id = conn.execute(select(func.max(identify_run.c.id)).where(identify_run.c.year == year)).scalar()
    if run_id is None:
        return []
    m = a.thresholds.management
    rows = conn.execute(select(identify_result.c.household_id, identify_result.c.township_code,
                               identify_result.c.tier, identify_result.c.head_token)
                        .where(identify_result.c.run_id == run_id, identify_result.c.tier.in_(["high", "medium"])))
    out = []
    for hid, township, tier, token in rows:
        # keyed by year and household, not run: a household is told (and publicised) once a year, and
        # a second identification round does not reopen what a township has already done
        out.append(NewTask("notice", f"notice:{year}:{hid}", as_of, add_workdays(as_of, m.notice_workdays),
                           {"run_id": run_id, "tier": tier}, hid, token, township))
        # publicity shows household and village only — never diagnoses or reasons
        out.append(NewTask("publicity", f"publicity:{year}:{hid}", as_of,
                           as_of + timedelta(days=m.publicity_days), {"run_id": run_id}, hid, None, township))
    return out
