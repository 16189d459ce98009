"""Health (no auth) and who-am-I."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import text

from medaid import __version__ as version
from medaid.api.deps import Principal, engine_of, signed_in
from medaid.api.v1.schemas import Health, Me

router = APIRouter(tags=["system"])


@router.get("/health", response_model=Health)
def health(request: Request) -> Health:
    """Liveness and database reachability; needs no credentials (for load balancers)."""
    engine = engine_of(request)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return Health(status="ok", database=engine.dialect.name, version=version)


@router.get("/me", response_model=Me)
def me(principal: Principal = Depends(signed_in)) -> Me:
    u = principal.user
    return Me(username=u.username, display_name=u.display_name, role=u.role.value, township_code=u.township_code,
              department=u.department.value if u.department else None,
              permissions=sorted(p.value for p in principal.permissions), via=principal.via)
