"""People of one township (masked IDs), scoped: township staff see only their own township."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from medaid.api import personview, readmodels
from medaid.api.deps import Principal, authorize, engine_of, ensure_township
from medaid.api.params import Offset
from medaid.api.roles import Permission, Role
from medaid.api.v1.schemas import PeoplePage, Person, Problem
from medaid.audit.log import record_sensitive_read
from medaid.errors import ContractError

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


# ---- one person (engineer I): search, ID number → token, the person view ----------------------

class PersonHit(BaseModel):
    id_token: str
    id_masked: str | None
    name: str
    township_code: str
    household_id: str
    village: str | None


class IdLookup(BaseModel):
    id_number: str = Field(min_length=15, max_length=20, description="full ID number; sent in the body, never the URL")


def _own_township(principal: Principal) -> str | None:
    return principal.user.township_code if principal.role is Role.TOWNSHIP else None


@router.get("/people/search", response_model=list[PersonHit])
def search_people(request: Request, q: str = Query(min_length=1, max_length=64,
                                                   description="name, masked ID fragment or household id"),
                  principal: Principal = Depends(authorize(Permission.PEOPLE_READ))) -> list[PersonHit]:
    """Search within the caller's scope (township staff: own township only). Full ID numbers are
    refused here (they would sit in URLs and access logs): use POST /people/lookup."""
    if sum(ch.isdigit() for ch in q) >= 15:
        raise ContractError("q looks like a full ID number; use POST /api/v1/people/lookup",
                            "完整身份证号请用 POST /api/v1/people/lookup 查询", field="q")
    with engine_of(request).begin() as conn:
        hits = personview.search(conn, q, township=_own_township(principal))
        record_sensitive_read(conn, principal.user.username, "person-search", "api: person search")
    return [PersonHit(**h) for h in hits]


@router.post("/people/lookup", response_model=PersonHit)
def lookup(request: Request, body: IdLookup,
           principal: Principal = Depends(authorize(Permission.PEOPLE_READ))) -> PersonHit:
    """Full ID number → the person's token and masked record (404 if unknown or out of scope)."""
    token = personview.token_of_id_number(body.id_number)
    if token is None:
        raise ContractError("id_number is not a valid ID number (GB 11643)", "身份证号无效（GB 11643 校验失败）",
                            field="id_number")
    with engine_of(request).connect() as conn:
        row = personview.person_row(conn, token)
    ensure_township(request, principal, str(row["township_code"]))
    with engine_of(request).begin() as conn:
        record_sensitive_read(conn, principal.user.username, personview.person_subject(token), "api: id lookup")
    return PersonHit(id_token=token, id_masked=row["id_masked"], name=row["name"], township_code=row["township_code"],
                     household_id=row["household_id"], village=row["village"])


@router.get("/people/{token}", response_model=dict[str, Any])
def person(request: Request, token: str = Path(pattern=r"^[0-9a-f]{32}$"),
           year: int = Query(default_factory=lambda: dt.date.today().year, ge=2000, le=2100),
           principal: Principal = Depends(authorize(Permission.PEOPLE_READ))) -> dict[str, Any]:
    """The person view (household, categories, enrolment, claims with per-layer trace, warnings,
    tasks, cases, reconciliation problems, history); masked IDs only; amounts in fen."""
    with engine_of(request).connect() as conn:
        row = personview.person_row(conn, token)
    ensure_township(request, principal, str(row["township_code"]))
    with engine_of(request).begin() as conn:
        view = personview.person_view(conn, token, year=year)
        record_sensitive_read(conn, principal.user.username, personview.person_subject(token), "api: person view")
    encoded: dict[str, Any] = jsonable_encoder(view)
    return encoded
