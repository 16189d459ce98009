"""The start page: today's work for the caller's role (approver: shares waiting; clerk: cases to
pay, open batches, overdue; township: open work-list items and their cases), the case funnel and
fund charts, rows per contract table (ECharts bar chart) and the most recent loads."""

from __future__ import annotations

import datetime as dt
import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Connection, func, select

from medaid.api import readmodels
from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.roles import Permission, Role
from medaid.api.v1.cases import scope_of
from medaid.cases import inbox
from medaid.store.reconcile_tables import recon_problem
from medaid.supervise import views
from medaid.web import i18n
from medaid.web.routes.supervise import funds_chart, funnel_chart
from medaid.web.templating import lang_of, render

router = APIRouter(include_in_schema=False)

i18n.register({
    "work.title": ("今日待办", "Today's work"),
    "work.waiting": ("待本部门审批", "Shares waiting for my department"),
    "work.returned": ("退回待补正", "Returned, to resubmit"),
    "work.to_pay": ("已审批待支付", "Approved, to pay"),
    "work.paying": ("支付中（待回盘）", "Paying (awaiting bank result)"),
    "work.batches_open": ("未发完的支付批次", "Batches not fully issued"),
    "work.lines_issued": ("待银行回盘明细", "Lines awaiting the bank"),
    "work.overdue": ("超期案件（20 个工作日）", "Overdue cases (20 working days)"),
    "work.approving": ("审批中", "Being approved"),
    "work.worklist": ("对账问题（待处理）", "Open work-list items"),
    "work.funnel": ("本年案件漏斗", "Case funnel this year"),
    "work.funds": ("资金使用", "Funds"),
})


def _work(conn: Connection, principal: Principal) -> list[tuple[str, int, str]]:
    """(message key, count, link) for the caller's role; empty for roles without case work."""
    if not principal.can(Permission.CASES_READ):
        return []
    today = dt.date.today()
    counts = inbox.work_counts(conn, scope_of(principal), today=today)
    if principal.role is Role.APPROVER:
        keys = [("work.waiting", "/cases?mine=true"), ("work.overdue", "/cases?overdue=true&mine=false")]
    elif principal.role is Role.TOWNSHIP:
        open_items = int(conn.execute(select(func.count()).where(
            recon_problem.c.status == "open", recon_problem.c.township_code == principal.user.township_code))
            .scalar_one())
        return [("work.worklist", open_items, f"/people/{principal.user.township_code}"),
                ("work.approving", counts["approving"], "/cases?status=approving"),
                ("work.returned", counts["returned"], "/cases?status=returned"),
                ("work.overdue", counts["overdue"], "/cases?overdue=true")]
    else:
        keys = [("work.returned", "/cases?status=returned"), ("work.to_pay", "/payouts"),
                ("work.batches_open", "/payouts"), ("work.lines_issued", "/payouts"),
                ("work.overdue", "/cases?overdue=true"), ("work.approving", "/cases?status=approving")]
    return [(key, counts[key.split(".", 1)[1]], href) for key, href in keys]


@router.get("/")
def home(request: Request, principal: Principal = Depends(authorize(Permission.DASHBOARD))) -> Response:
    year = dt.date.today().year
    with engine_of(request).connect() as conn:
        counts = readmodels.table_counts(conn)
        loads = readmodels.list_loads(conn, limit=10)
        work = _work(conn, principal)
        funnel = views.funnel(conn, year=year)
        funds = views.fund_balance(conn, year=year)
    lang = lang_of(request)
    return render(request, "home.html", {"counts": counts, "counts_json": json.dumps(counts), "loads": loads,
                                         "can_loads": principal.can(Permission.LOADS_READ), "work": work,
                                         "funnel_chart": funnel_chart(funnel, lang) if funnel else None,
                                         "funds_chart": funds_chart(funds, lang) if funds else None})
