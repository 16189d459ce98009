"""People of one township (masked IDs), scoped: township staff see only their own township."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request

from medaid.api import readmodels
from medaid.api.deps import Principal, authorize, engine_of, ensure_township
from medaid.api.params import Offset
from medaid.api.roles import Permission
from medaid.api.v1.schemas import PeoplePage, Person, Problem
from medaid.audit.log import record_sensitive_read

router = APIRouter(tags=["people"], responses={401: {"model": Problem}, 403: {"model": Problem},
                                               404: {"model": Problem}})


@router.get("/townships/{township_code}/people", response_model=PeoplePage)
def township_people(request: Request, township_code: str = Path(pattern=r"^\d{9}$"),
                    limit: int = Query(100, ge=1, le=1000), offset: Offset = 0,
                    principal: Principal = Depends(authorize(Permission.PEOPLE_READ))) -> PeoplePage:
    ensure_township(request, principal, township_code)
    with engine_of(request).begin() as conn:
        total, rows = readmodels.township_people(conn, township_code, limit=limit, offset=offset)
        record_sensitive_read(conn, principal.user.username, f"township:{township_code}", "api: people list")
    return PeoplePage(township_code=township_code, total=total, limit=limit, offset=offset,
                      items=[Person(**r) for r in rows])
