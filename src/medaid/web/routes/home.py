"""The start page: rows per contract table (ECharts bar chart) and the most recent loads."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from medaid.api import readmodels
from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.roles import Permission
from medaid.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, principal: Principal = Depends(authorize(Permission.DASHBOARD))) -> Response:
    with engine_of(request).connect() as conn:
        counts = readmodels.table_counts(conn)
        loads = readmodels.list_loads(conn, limit=10)
    return render(request, "home.html", {"counts": counts, "counts_json": json.dumps(counts), "loads": loads,
                                         "can_loads": principal.can(Permission.LOADS_READ)})
