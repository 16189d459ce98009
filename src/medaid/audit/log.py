"""Append and verify the audit chain.

Each event's hash is ``sha256(prev_hash + canonical JSON of {seq, at, actor, action, subject,
detail})``; changing, deleting or reordering any stored event breaks the chain from that event on,
and ``verify`` names the first broken sequence number. The database refuses UPDATE and DELETE on
``audit_event`` through triggers (migration 0002), so tampering needs a DBA who drops them first;
the chain is what catches that DBA.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from medaid.domain.idnumber import find_problem, mask
from medaid.store.audit_tables import GENESIS_HASH, audit_event, audit_head

_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def canonical_json(value: Any) -> str:
    """One byte-exact JSON form: sorted keys, no spaces, UTF-8 kept (Chinese stays readable)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _mask_ids(value: Any) -> Any:
    """ID numbers never reach the log whole: any valid 18-character number inside is masked."""
    if isinstance(value, str):
        return _ID_LIKE.sub(lambda m: mask(m.group()) if find_problem(m.group()) is None else m.group(), value)
    if isinstance(value, Mapping):
        return {str(k): _mask_ids(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_ids(v) for v in value]
    return value


def event_hash(prev_hash: str, *, seq: int, at: str, actor: str, action: str, subject: str,
               detail: str) -> str:
    """The chain link; ``detail`` is the stored canonical JSON text."""
    body = canonical_json({"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject,
                           "detail": json.loads(detail)})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Event:
    """One entry to append with ``append_events``."""

    actor: str
    action: str
    subject: str
    detail: Mapping[str, Any]


def append_event(conn: Connection, *, actor: str, action: str, subject: str,
                 detail: Mapping[str, Any]) -> int:
    """Append one event inside the caller's transaction; returns its sequence number.

    Updating the head row first takes the lock (SQLite: the database write lock; PostgreSQL: the
    row lock), so two transactions never read the same head and the chain cannot fork. If the
    caller rolls back, the event disappears with the rest of its work — the log records what
    happened, not what was attempted (record failures in their own transaction).
    """
    return append_events(conn, [Event(actor, action, subject, detail)])[0]


def append_events(conn: Connection, events: Sequence[Event]) -> list[int]:
    """Append many events in one go (one lock, one multi-row INSERT): for batch jobs that log per
    case or per payout. Same chain, same guarantees as calling ``append_event`` in a loop."""
    if not events:
        return []
    n = len(events)
    bumped = conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq + n))
    if bumped.rowcount == 0:  # migration 0002 seeds the head; this only covers a hand-made schema
        conn.execute(audit_head.insert().values(id=1, seq=n, hash=GENESIS_HASH))
    last, prev = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
    at = _now()
    rows, seqs = [], []
    for seq, e in enumerate(events, start=int(last) - n + 1):
        detail_text = canonical_json(_mask_ids(dict(e.detail)))
        subject = str(_mask_ids(e.subject))
        digest = event_hash(prev, seq=seq, at=at, actor=e.actor, action=e.action, subject=subject,
                            detail=detail_text)
        rows.append({"seq": seq, "at": at, "actor": e.actor, "action": e.action, "subject": subject,
                     "detail": detail_text, "prev_hash": prev, "hash": digest})
        seqs.append(seq)
        prev = digest
    conn.execute(audit_event.insert(), rows)
    conn.execute(update(audit_head).where(audit_head.c.id == 1).values(hash=prev))
    return seqs


def record_sensitive_read(conn: Connection, actor: str, subject: str, reason: str, *, what: str | None = None) -> int:
    """Log that ``actor`` saw personal data of ``subject`` (e.g. an id_token) and why (敏感信息查阅);
    ``what`` says what was shown when it is more than masked data (e.g. full ID numbers)."""
    detail = {"reason": reason} if what is None else {"reason": reason, "what": what}
    return append_event(conn, actor=actor, action="sensitive_read", subject=subject, detail=detail)


REVEAL_REASON_MIN = 2


def reveal_reason(reason: str | None) -> str:
    """The reason a user typed for seeing full ID numbers (查看原因), stripped. "Reveal on reason" is
    the one rule for the person page and the bank file alike: no reason, no number."""
    text = (reason or "").strip()
    if len(text) < REVEAL_REASON_MIN:
        from medaid.errors import ContractError

        raise ContractError("give a reason for revealing full ID numbers (it goes into the audit log)",
                            "请填写查看完整身份证号的原因（将记入审计日志）", field="reason")
    return text


@dataclass(frozen=True)
class VerifyReport:
    """Result of walking the chain. ``broken_at`` is the first sequence number that fails."""

    ok: bool
    events: int
    last_seq: int
    broken_at: int | None = None
    problem: str | None = None

    def message(self) -> str:
        if self.ok:
            return f"审计链完整 / audit chain intact: {self.events} events, last seq {self.last_seq}"
        return f"审计链在第 {self.broken_at} 条断开 / audit chain broken at seq {self.broken_at}: {self.problem}"


def _walk(rows: Iterable[Any], head: tuple[int, str] | None) -> VerifyReport:
    expected_seq, prev, count = 1, GENESIS_HASH, 0
    for row in rows:
        if row.seq != expected_seq:
            problem = (f"expected seq {expected_seq}, found {row.seq}: event(s) deleted or renumbered"
                       if row.seq > expected_seq else f"seq {row.seq} out of order")
            return VerifyReport(False, count, expected_seq - 1, expected_seq, problem)
        if row.prev_hash != prev:
            return VerifyReport(False, count, row.seq - 1, row.seq,
                                "prev_hash does not match the previous event: reordered or replaced")
        digest = event_hash(prev, seq=row.seq, at=row.at, actor=row.actor, action=row.action,
                            subject=row.subject, detail=row.detail)
        if digest != row.hash:
            return VerifyReport(False, count, row.seq - 1, row.seq, "content does not match its hash: edited")
        prev, expected_seq, count = row.hash, expected_seq + 1, count + 1
    last = expected_seq - 1
    if head is None:
        if count:
            return VerifyReport(False, count, last, last, "chain head row is missing")
        return VerifyReport(True, 0, 0)
    head_seq, head_hash = head
    if head_seq != last or head_hash != prev:
        return VerifyReport(False, count, last, last + 1 if head_seq > last else head_seq,
                            f"chain head says seq {head_seq} but the log ends at {last}: tail deleted or head edited")
    return VerifyReport(True, count, last)


def verify(conn: Connection) -> VerifyReport:
    """Walk the whole chain in sequence order (streamed) and report the first break."""
    head_row = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).first()
    head = (int(head_row.seq), str(head_row.hash)) if head_row else None
    result = conn.execution_options(yield_per=5000).execute(select(audit_event).order_by(audit_event.c.seq))
    return _walk(result, head)


def tail(conn: Connection, n: int = 20, *, action_prefix: str | None = None) -> list[dict[str, Any]]:
    """The newest ``n`` events, newest first (for the CLI and the audit page)."""
    query = select(audit_event).order_by(audit_event.c.seq.desc()).limit(n)
    if action_prefix:
        query = query.where(audit_event.c.action.startswith(action_prefix))
    return [dict(r._mapping) | {"detail": json.loads(r.detail)} for r in conn.execute(query)]
