"""People by township (masked IDs). Township staff are sent to their own township; any other
township is a logged 404 for them. Listing personal data is recorded as a sensitive read."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from medaid.api import readmodels
from medaid.api.deps import Principal, authorize, engine_of, ensure_township
from medaid.api.roles import Permission, Role
from medaid.audit.log import record_sensitive_read
from medaid.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/people")
def people_index(request: Request, principal: Principal = Depends(authorize(Permission.PEOPLE_READ))) -> Response:
    if principal.role is Role.TOWNSHIP:
        return RedirectResponse(f"/people/{principal.user.township_code}", status_code=303)
    with engine_of(request).connect() as conn:
        return render(request, "people.html", {"township_list": readmodels.townships(conn), "people": None})


@router.get("/people/{township_code}")
def township_people(request: Request, township_code: str,
                    principal: Principal = Depends(authorize(Permission.PEOPLE_READ))) -> Response:
    ensure_township(request, principal, township_code)
    with engine_of(request).begin() as conn:
        total, people = readmodels.township_people(conn, township_code)
        record_sensitive_read(conn, principal.user.username, f"township:{township_code}", "web: people list")
    return render(request, "people.html", {"township": township_code, "people": people, "total": total,
                                           "township_list": None})
