"""One person and their household on one page (and in the API): who, which categories from which
department, enrolment, claims with the per-layer settlement trace, warnings and tasks, cases,
reconciliation problems and the audit history.

Read-only; every function takes a connection and returns plain dicts with masked ID numbers only.
The settlement trace comes from the newest stored settlement run of the year when one exists,
otherwise it is replayed live through the policy engine (``settle_person_year``) — the same
calculation the batch does, so the clerk sees the same numbers either way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, func, or_, select

from medaid.domain.idnumber import find_problem, normalise
from medaid.domain.money import format_yuan, to_fen
from medaid.errors import NotFound
from medaid.linkage.records import current
from medaid.store import tables as t
from medaid.store.audit_tables import audit_event
from medaid.store.cases_tables import aid_case, case_event
from medaid.store.identify_tables import early_warning, mgmt_task
from medaid.store.reconcile_tables import recon_problem, recon_problem_event
from medaid.store.settlement_tables import settlement_line, settlement_run


def person_subject(token: str) -> str:
    """Audit subject of a person (what reveal/view events are filed under)."""
    return f"person:{token}"


def token_of_id_number(raw: str) -> str | None:
    """The id_token of a typed full ID number, or None when it is not a valid number."""
    from medaid.privacy.tokens import id_token

    value = normalise(raw)
    if len(value) != 18 or find_problem(value) is not None:
        return None
    return id_token(value)


def search(conn: Connection, q: str, *, township: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """People matching ``q``: a full ID number (→ token), a name, or a masked-ID fragment."""
    p, i = t.person, t.identity
    query = (select(p.c.id_token, i.c.id_masked, p.c.name, p.c.township_code, p.c.household_id, p.c.village)
             .join(i, i.c.id_token == p.c.id_token, isouter=True).where(current(p)))
    q = q.strip()
    token = token_of_id_number(q) if len(q) >= 15 else None
    if token:
        query = query.where(p.c.id_token == token)
    elif q:
        like = f"%{q}%"
        query = query.where(or_(p.c.name.like(like), i.c.id_masked.like(like), p.c.household_id == q))
    else:
        return []
    if township:
        query = query.where(p.c.township_code == township)
    rows = conn.execute(query.order_by(p.c.township_code, p.c.household_id, p.c.name).limit(limit)).mappings()
    seen: dict[str, dict[str, Any]] = {}
    for r in rows:
        seen.setdefault(str(r["id_token"]), dict(r))
    return list(seen.values())


def person_row(conn: Connection, token: str) -> dict[str, Any]:
    """The register row of a person (newest current load wins); NotFound if they are not registered."""
    p, i = t.person, t.identity
    row = conn.execute(select(p, i.c.id_masked).join(i, i.c.id_token == p.c.id_token, isouter=True)
                       .where(p.c.id_token == token, current(p))
                       .order_by(p.c.load_id.desc(), p.c.source_row.desc()).limit(1)).mappings().first()
    if row is None:
        raise NotFound("person not found", "未找到此人")
    return dict(row)


def _household(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    p, i, d = t.person, t.identity, t.death
    rows = conn.execute(select(p.c.id_token, i.c.id_masked, p.c.name, p.c.sex, p.c.birth_date, p.c.relation,
                               d.c.death_date)
                        .join(i, i.c.id_token == p.c.id_token, isouter=True)
                        .join(d, (d.c.id_token == p.c.id_token) & current(d), isouter=True)
                        .where(p.c.household_id == household_id, current(p))
                        .order_by(p.c.relation, p.c.name)).mappings()
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        out.setdefault(str(r["id_token"]), dict(r))
    return list(out.values())


def _categories(conn: Connection, token: str) -> list[dict[str, Any]]:
    r = t.roster
    return [dict(x) for x in conn.execute(
        select(r.c.category, r.c.source_dept, r.c.valid_from, r.c.valid_to, r.c.township_code, r.c.load_id)
        .where(r.c.id_token == token, current(r)).order_by(r.c.valid_from)).mappings()]


def _enrolment(conn: Connection, token: str) -> list[dict[str, Any]]:
    e = t.enrolment
    rows = conn.execute(select(e.c.year, e.c.scheme, e.c.region_code, e.c.status, e.c.premium_waived,
                               e.c.paid_by_self_fen).where(e.c.id_token == token, current(e))
                        .order_by(e.c.year.desc())).mappings()
    return [dict(x) | {"paid_by_self": format_yuan(int(x["paid_by_self_fen"] or 0))} for x in rows]


def _claim_rows(conn: Connection, token: str, year: int) -> list[Any]:
    c = t.claim
    return list(conn.execute(select(c).where(c.c.id_token == token, current(c),
                                              c.c.settle_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
                             .order_by(c.c.settle_date, c.c.claim_id)))


def claims_with_trace(conn: Connection, token: str, year: int) -> tuple[str, list[dict[str, Any]]]:
    """(source, claims) — each claim with its per-layer lines (amounts in fen and as text)."""
    rows = _claim_rows(conn, token, year)
    if not rows:
        return "none", []
    run_id = conn.execute(select(func.max(settlement_run.c.id)).where(settlement_run.c.year == year)).scalar()
    traces: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if run_id is not None:
        names = _layer_names()
        sl = settlement_line
        for ln in conn.execute(select(sl).where(sl.c.run_id == run_id, sl.c.id_token == token)
                               .order_by(sl.c.claim_id, sl.c.position)).mappings():
            traces[str(ln["claim_id"])].append({"layer": ln["layer"], "name": names.get(str(ln["layer"]), ln["layer"]),
                                                "base_fen": ln["base_fen"],
                                                "paid_fen": ln["paid_fen"], "remaining_fen": ln["remaining_fen"],
                                                "rule": ln["rule"]})
        source = f"settlement run {run_id}"
    else:
        source = _replay(conn, token, year, rows, traces)
    claims = []
    for r in rows:
        lines = [ln | {"base": format_yuan(ln["base_fen"]), "paid": format_yuan(ln["paid_fen"]),
                       "remaining": format_yuan(ln["remaining_fen"])} for ln in traces.get(r.claim_id, [])]
        paid = sum(int(ln["paid_fen"]) for ln in lines)
        claims.append({"claim_id": r.claim_id, "settle_date": r.settle_date, "visit_type": r.visit_type,
                       "hospital_code": r.hospital_code, "diagnosis_code": r.diagnosis_code,
                       "total_fen": r.total_fen, "total": format_yuan(r.total_fen),
                       "in_scope": format_yuan(r.in_scope_fen), "reverses_claim_id": r.reverses_claim_id,
                       "layers": lines, "paid_fen": paid, "paid": format_yuan(paid),
                       "oop": format_yuan(max(0, int(r.in_scope_fen) - paid))})
    return source, claims


def _layer_names() -> dict[str, str]:
    """Display names of the reference policy's layers (ids are shown when the file is unavailable)."""
    from medaid.errors import MedaidError
    from medaid.policy import load_policy
    from medaid.policy.settle_store import default_policy_path

    try:
        return {layer.id: layer.name for layer in load_policy(default_policy_path()).layers}
    except (MedaidError, OSError):
        return {}


def _replay(conn: Connection, token: str, year: int, rows: list[Any],
            traces: dict[str, list[dict[str, Any]]]) -> str:
    """No stored run: settle the person's year live with the reference policy (online engine)."""
    from medaid.cases.service import categories_on, to_claim
    from medaid.errors import MedaidError
    from medaid.policy import load_policy, settle_person_year
    from medaid.policy.settle_store import default_policy_path

    try:
        policy = load_policy(default_policy_path())
    except MedaidError as exc:  # a missing/bad policy file must not take the person page down
        return f"unavailable: {exc}"
    spans = [(str(c["category"]), c["valid_from"], c["valid_to"]) for c in _categories(conn, token)]
    claims = [to_claim(r, categories_on(spans, r.settle_date)) for r in rows]
    for s in settle_person_year(claims, (), policy):
        traces[s.claim_id] = [{"layer": ly.layer, "name": ly.name, "base_fen": to_fen(ly.base),
                               "paid_fen": to_fen(ly.paid), "remaining_fen": to_fen(ly.remaining), "rule": ly.rule}
                              for ly in s.layers]
    return f"live quote ({policy.id})"


def _warnings(conn: Connection, household_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    w = early_warning
    rows = conn.execute(select(w).where(w.c.household_id == household_id).order_by(w.c.raised_on.desc()))
    return [dict(r) | {"overdue": r["state"] == "open" and r["due_on"] < as_of} for r in rows.mappings()]


def _tasks(conn: Connection, token: str, household_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    m = mgmt_task
    rows = conn.execute(select(m).where(or_(m.c.id_token == token, m.c.household_id == household_id))
                        .order_by(m.c.due_on.desc(), m.c.id)).mappings()
    return [dict(r) | {"overdue": r["closed_on"] is None and r["due_on"] < as_of,
                       "what": json.loads(r["detail"] or "{}").get("why", "")} for r in rows]


def _cases(conn: Connection, token: str) -> list[dict[str, Any]]:
    c = aid_case
    rows = conn.execute(select(c.c.id, c.c.claim_id, c.c.year, c.c.status, c.c.payable_fen, c.c.due_date,
                               c.c.categories).where(c.c.id_token == token).order_by(c.c.id)).mappings()
    return [dict(r) | {"payable": format_yuan(int(r["payable_fen"]))} for r in rows]


def _problems(conn: Connection, token: str) -> list[dict[str, Any]]:
    rp = recon_problem
    return [dict(r) for r in conn.execute(
        select(rp.c.id, rp.c.year, rp.c.problem, rp.c.status, rp.c.detail, rp.c.action, rp.c.township_code)
        .where(rp.c.id_token == token).order_by(rp.c.year.desc(), rp.c.id)).mappings()]


def history(conn: Connection, token: str, problem_ids: list[int], case_ids: list[int]) -> list[dict[str, Any]]:
    """Everything that happened to this person, newest first: audit events filed under the person,
    reconciliation problem events, case events. Times are ISO text."""
    out: list[dict[str, Any]] = []
    for r in conn.execute(select(audit_event).where(audit_event.c.subject == person_subject(token))).mappings():
        detail = json.loads(r["detail"] or "{}")
        out.append({"at": str(r["at"]), "actor": r["actor"], "what": r["action"],
                    "note": str(detail.get("reason", "")) if isinstance(detail, dict) else ""})
    if problem_ids:
        ev = recon_problem_event
        for r in conn.execute(select(ev, recon_problem.c.problem).join(recon_problem, recon_problem.c.id == ev.c.problem_id)
                              .where(ev.c.problem_id.in_(problem_ids))).mappings():
            out.append({"at": str(r["at"]), "actor": r["actor"], "what": f"reconcile.{r['kind']}",
                        "note": f"{r['problem']} #{r['problem_id']} {r['note'] or ''}".strip()})
    if case_ids:
        for r in conn.execute(select(case_event).where(case_event.c.case_id.in_(case_ids))).mappings():
            out.append({"at": str(r["at"]).replace(" ", "T"), "actor": r["actor"], "what": f"case.{r['action']}",
                        "note": f"case #{r['case_id']} {r['from_status'] or ''}→{r['to_status'] or ''} {r['reason'] or ''}"})
    return sorted(out, key=lambda e: str(e["at"]), reverse=True)


def person_view(conn: Connection, token: str, *, year: int, as_of: dt.date | None = None) -> dict[str, Any]:
    """Everything the person page shows (NotFound if the token is not registered)."""
    today = as_of or dt.date.today()
    me = person_row(conn, token)
    problems = _problems(conn, token)
    cases = _cases(conn, token)
    source, claims = claims_with_trace(conn, token, year)
    death = conn.execute(select(t.death.c.death_date).where(t.death.c.id_token == token, current(t.death))).scalar()
    return {
        "token": token, "person": me, "death_date": death, "year": year,
        "household": _household(conn, str(me["household_id"])),
        "categories": _categories(conn, token), "enrolment": _enrolment(conn, token),
        "trace_source": source, "claims": claims,
        "claims_paid": format_yuan(sum(int(c["paid_fen"]) for c in claims)),
        "warnings": _warnings(conn, str(me["household_id"]), today),
        "tasks": _tasks(conn, token, str(me["household_id"]), today),
        "cases": cases, "problems": problems,
        "history": history(conn, token, [int(p["id"]) for p in problems], [int(c["id"]) for c in cases]),
    }

