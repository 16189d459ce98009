"""One person and their household (个人/家庭视图): search, the full view, and "reveal ID".

Opening a person is a sensitive read (audit-logged under ``person:<token>``). Township staff only
see people registered in their township; anyone else is a logged 404. Revealing the full ID number
needs a written reason, is one ``sensitive_read`` audit event, and shows the number once (it is
returned in the htmx fragment only, never stored in the page URL or the session).
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from medaid.api import personview
from medaid.api.deps import Principal, authorize, engine_of, ensure_township
from medaid.api.roles import Permission, Role
from medaid.audit.log import append_event, record_sensitive_read, reveal_reason
from medaid.web import i18n
from medaid.web.templating import render

router = APIRouter(include_in_schema=False)

i18n.register({
    "nav.person": ("个人查询", "Person"),
    "person.title": ("个人与家庭", "Person and household"),
    "person.search": ("按姓名、脱敏身份证号、户编号或完整身份证号查询", "Search by name, masked ID, household or full ID number"),
    "person.search_go": ("查询", "Search"),
    "person.no_match": ("没有找到匹配的人员。", "Nobody matches."),
    "person.household": ("家庭成员", "Household members"),
    "person.relation": ("与户主关系", "Relation"),
    "person.died": ("死亡日期", "Died"),
    "person.categories": ("救助身份（来源部门、有效期）", "Categories (source department, validity)"),
    "person.category": ("身份类别", "Category"),
    "person.source": ("来源部门", "Source"),
    "person.valid": ("有效期", "Valid"),
    "person.enrolment": ("参保登记", "Enrolment"),
    "person.year": ("年度", "Year"),
    "person.scheme": ("险种", "Scheme"),
    "person.region": ("参保地", "Region"),
    "person.waived": ("个人缴费资助", "Premium waived"),
    "person.paid_self": ("个人缴费（元）", "Paid by self (yuan)"),
    "person.claims": ("就医结算与分层支付明细", "Claims and per-layer settlement trace"),
    "person.trace_source": ("计算来源", "Computed from"),
    "person.claim": ("结算单", "Claim"),
    "person.date": ("结算日期", "Settled"),
    "person.total": ("总费用", "Total"),
    "person.in_scope": ("政策范围内", "In scope"),
    "person.paid": ("各项支付", "Paid"),
    "person.oop": ("个人负担（范围内）", "Out of pocket (in scope)"),
    "person.layer": ("支付层次", "Layer"),
    "person.base": ("计算基数", "Base"),
    "person.remaining": ("剩余", "Remaining"),
    "person.rule": ("适用规则", "Rule"),
    "person.warnings": ("预警", "Warnings"),
    "person.tasks": ("动态管理任务", "Tasks"),
    "person.cases": ("救助案件", "Cases"),
    "person.problems": ("参保核查问题", "Reconciliation problems"),
    "person.history": ("全部记录", "Full history"),
    "person.reveal": ("查看完整身份证号", "Reveal full ID number"),
    "person.reveal_reason": ("查看原因（必填，将记入审计日志）", "Reason (required, audit-logged)"),
    "person.reveal_once": ("完整身份证号仅显示这一次：", "Full ID number, shown this once:"),
    "person.none": ("无", "None"),
    "person.overdue": ("已逾期", "Overdue"),
    "person.due": ("截止日期", "Due"),
})


def _default_year() -> int:
    return dt.date.today().year


def open_person(request: Request, principal: Principal, token: str) -> dict[str, object]:
    """The person's register row with the object-scope check (logged 404 outside the township)."""
    with engine_of(request).connect() as conn:
        row = personview.person_row(conn, token)
    ensure_township(request, principal, str(row["township_code"]))
    return row


@router.get("/person")
def person_search(request: Request, q: str = Query("", max_length=64),
                  principal: Principal = Depends(authorize(Permission.PEOPLE_READ))) -> Response:
    """Search by name / masked fragment / household in the URL; a full ID number only by POST (the
    form), so it never lands in access logs or browser history."""
    if personview.token_of_id_number(q) or sum(ch.isdigit() for ch in q) >= 15:
        q = ""
    return _search(request, principal, q)


@router.post("/person")
def person_search_post(request: Request, q: str = Form("", max_length=64),
                       principal: Principal = Depends(authorize(Permission.PEOPLE_READ))) -> Response:
    return _search(request, principal, q)


def _search(request: Request, principal: Principal, q: str) -> Response:
    township = principal.user.township_code if principal.role is Role.TOWNSHIP else None
    results = None
    if q.strip():
        with engine_of(request).begin() as conn:
            results = personview.search(conn, q, township=township)
            record_sensitive_read(conn, principal.user.username, "person-search", "web: person search")
        if len(results) == 1:
            return RedirectResponse(f"/person/{results[0]['id_token']}", status_code=303)
    # never echo a typed full ID number back into the page
    shown_q = "" if personview.token_of_id_number(q) else q
    return render(request, "person/search.html", {"q": shown_q, "results": results})


@router.get("/person/{token}")
def person_page(request: Request, token: str, year: int = Query(default_factory=_default_year, ge=2000, le=2100),
                principal: Principal = Depends(authorize(Permission.PEOPLE_READ))) -> Response:
    _check_token(token)
    open_person(request, principal, token)
    with engine_of(request).begin() as conn:
        view = personview.person_view(conn, token, year=year)
        append_event(conn, actor=principal.user.username, action="sensitive_read",
                     subject=personview.person_subject(token), detail={"reason": "web: person view"})
    return render(request, "person/view.html", {"v": view, "can_reveal": principal.can(Permission.ID_REVEAL)})


@router.post("/person/{token}/reveal")
def reveal(request: Request, token: str, reason: str = Form("", max_length=200),
           principal: Principal = Depends(authorize(Permission.ID_REVEAL))) -> Response:
    """Show the full number once; the reason is mandatory and goes into the audit event."""
    from medaid.privacy.vault import reveal as vault_reveal

    _check_token(token)
    open_person(request, principal, token)
    why = reveal_reason(reason)
    with engine_of(request).begin() as conn:
        number = vault_reveal(conn, token)
        record_sensitive_read(conn, principal.user.username, personview.person_subject(token), why,
                              what="id_number revealed")
    return render(request, "person/revealed.html", {"number": number})


def _check_token(token: str) -> None:
    if len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
        from medaid.errors import NotFound

        raise NotFound("person not found", "未找到此人")
