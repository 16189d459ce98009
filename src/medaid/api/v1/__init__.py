"""JSON API, version 1 (``/api/v1``). One module per area; errors are problem+json."""

from __future__ import annotations

from fastapi import APIRouter

from medaid.api.v1 import cases, identify, jobs, loads, me, payouts, people, policy, quote, reconcile, reports

router = APIRouter(prefix="/api/v1")
for module in (me, loads, jobs, people, cases, payouts, reports, reconcile, identify, quote, policy):
    router.include_router(module.router)
