"""One-stop settlement quote (一站式结算): a hospital posts a claim, gets the per-layer split and trace.

The quote is a reservation that commits the person's year-to-date state (the hospital settles on
it); a cancellation is posted as another quote with ``reverses_claim_id``. See docs/api.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator, model_validator

from medaid.api.admission import Gate
from medaid.api.deps import Principal, authorize, engine_of
from medaid.api.roles import Permission
from medaid.api.v1.schemas import Problem
from medaid.domain.idnumber import find_problem, mask, normalise, problem_text
from medaid.policy.quote_store import QuoteRequest, QuoteResult, policy_for, reserve_quote
from medaid.policy.settle_store import default_policy_path
from medaid.privacy.tokens import tokeniser

router = APIRouter(tags=["quote"], responses={401: {"model": Problem}, 403: {"model": Problem}})

Yuan = Annotated[Decimal, Field(ge=0, le=Decimal("100000000"), max_digits=12, decimal_places=2,
                                description="yuan, at most 2 decimals (send a string: \"40000.00\")")]
ClaimId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


class QuoteIn(BaseModel):
    """A settlement record as the hospital sends it (DESIGN §4 claims columns)."""

    claim_id: ClaimId
    id_number: str = Field(min_length=1, max_length=32, description="GB 11643 ID number (never echoed)")
    hospital_code: str = Field(min_length=1, max_length=64)
    hospital_level: int = Field(ge=1, le=3)
    location: Literal["county", "province", "out_of_province"]
    visit_type: Literal["inpatient", "chronic_outpatient", "general_outpatient"]
    settle_date: dt.date
    total: Yuan
    in_scope: Yuan
    basic_paid: Yuan | None = None
    critical_paid: Yuan | None = None
    reverses_claim_id: ClaimId | None = None

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, v: str) -> str:
        problem = find_problem(v)
        if problem is not None:
            raise ValueError(problem_text(problem))
        return v

    @model_validator(mode="after")
    def _amounts(self) -> QuoteIn:
        if self.in_scope > self.total:
            raise ValueError("in_scope must not exceed total / 政策范围内费用不能大于总费用")
        if self.reverses_claim_id == self.claim_id:
            raise ValueError("a claim cannot reverse itself / 结算单不能冲销自身")
        return self


class LayerLine(BaseModel):
    layer: str
    name: str
    base: str
    paid: str
    remaining: str
    rule: str
    deductible_used: str | None = None
    band: int | None = None
    ratio: str | None = None
    cap_remaining: str | None = None
    ytd_paid: str | None = None


class QuoteOut(BaseModel):
    claim_id: str
    status: Literal["reserved", "reversal"]
    policy_id: str
    person: str = Field(description="masked ID number")
    categories: list[str]
    settle_date: str
    in_scope: str
    total: str
    layers: list[LayerLine]
    total_paid: str
    person_pays: str
    reverses_claim_id: str | None
    released: list[LayerLine] = Field(description="for a reversal: the cancelled claim's lines, now free again")


def _id_tokeniser(request: Request) -> Callable[[str], str]:
    """The app's ``id_token`` function, bound to the key once (finding the key file costs a few ``stat``)."""
    bound: Callable[[str], str] | None = getattr(request.app.state, "id_tokeniser", None)
    if bound is None:
        bound = request.app.state.id_tokeniser = tokeniser()
    return bound


def _policy_path(request: Request) -> Path:
    configured: Path | None = getattr(request.app.state, "quote_policy_path", None)
    return configured or default_policy_path()


@router.post("/quote", response_model=QuoteOut, status_code=201,
             responses={200: {"model": QuoteOut, "description": "a retry: the first answer again"},
                        404: {"model": Problem}, 409: {"model": Problem}, 422: {"model": Problem},
                        503: {"model": Problem, "description": "at capacity: nothing done, see Retry-After"}})
async def post_quote(request: Request, body: QuoteIn,
                     idempotency_key: str = Header(..., min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$"),
                     principal: Principal = Depends(authorize(Permission.QUOTE))) -> JSONResponse:
    """Settle one claim on the person's year-to-date state and reserve it (201). ``Idempotency-Key`` is
    required: a retry with the same key and body gets the first answer (200), never a second reservation.
    At capacity a quote waits its turn for up to ``MEDAID_QUOTE_QUEUE_SECONDS``, then is a 503 with
    ``Retry-After`` that did nothing (decision 0011)."""
    engine = engine_of(request)
    token = _id_tokeniser(request)(body.id_number)
    req = QuoteRequest(claim_id=body.claim_id, id_token=token, hospital_code=body.hospital_code,
                       hospital_level=body.hospital_level, location=body.location, visit_type=body.visit_type,
                       settle_date=body.settle_date, total=body.total, in_scope=body.in_scope,
                       basic_paid=body.basic_paid, critical_paid=body.critical_paid,
                       reverses_claim_id=body.reverses_claim_id)
    policy_path, masked = _policy_path(request), mask(normalise(body.id_number))

    def work() -> QuoteResult:  # in a worker thread: a policy edit is parsed there, not in the event loop
        return reserve_quote(engine, req, policy_for(policy_path), user_id=principal.user.id,
                             idempotency_key=idempotency_key, id_masked=masked)

    gate: Gate = request.app.state.quote_gate
    result = await gate.run(work)
    out: dict[str, Any] = result.body
    return JSONResponse(out, status_code=result.status_code,
                        headers={"Idempotent-Replayed": "true"} if result.replayed else None)
