"""The audit page (admin, supervisor): chain verification and the newest events."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.roles import Permission
from medaid.audit.log import tail, verify
from medaid.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_page(request: Request, action: str | None = Query(None, max_length=64),
               principal: Principal = Depends(authorize(Permission.AUDIT_READ))) -> Response:
    with engine_of(request).connect() as conn:
        report = verify(conn)
        events = tail(conn, 200, action_prefix=action)
    for e in events:
        e["detail_text"] = json.dumps(e["detail"], ensure_ascii=False)
    return render(request, "audit.html", {"report": report, "events": events})
