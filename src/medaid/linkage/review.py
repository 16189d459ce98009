"""The clerical review queue (人工复核): uncertain links, decided with a reason, audited.

A decision is stored on the pair and applied by the next ``resolve`` run (accept → same person,
reject → never linked by the model again).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from medaid.errors import NotFound, StateError
from medaid.store.db import engine_for
from medaid.store.reconcile_tables import link_review


def pending(*, url: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The uncertain pairs waiting for a clerk, most likely first."""
    with engine_for(url).connect() as conn:
        rows = conn.execute(select(link_review).where(link_review.c.status == "pending")
                            .order_by(link_review.c.match_probability.desc(), link_review.c.id).limit(limit))
        return [dict(r) for r in rows.mappings()]


def decide(review_id: int, *, accept: bool, reason: str, actor: str, url: str | None = None) -> None:
    """Accept or reject one pending pair; the reason is required and goes into the audit log."""
    from medaid.audit.log import append_event

    if not reason.strip():
        raise StateError("a review decision needs a reason", "复核结论必须填写理由")
    with engine_for(url).begin() as conn:
        status = conn.execute(select(link_review.c.status).where(link_review.c.id == review_id)).scalar()
        if status is None:
            raise NotFound(f"review {review_id} does not exist", f"复核记录 {review_id} 不存在")
        if status != "pending":
            raise StateError(f"review {review_id} is already {status}", f"复核记录 {review_id} 已处理（{status}）")
        verdict = "accepted" if accept else "rejected"
        conn.execute(update(link_review).where(link_review.c.id == review_id).values(
            status=verdict, decided_by=actor, reason=reason,
            decided_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")))
        append_event(conn, actor=actor, action="linkage.review", subject=f"link_review:{review_id}",
                     detail={"decision": verdict, "reason": reason})
