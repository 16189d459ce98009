"""Use case ``reserve_quote``: one-stop settlement (一站式结算) of one claim posted by a hospital.

The person's year-to-date state is rebuilt from the database — claims of the year already loaded
from settlement files (``claim``) plus claims quoted online before (``quote``), reversals applied —
and the new claim is settled on top of it with the online evaluator. The quote is a reservation:
it is stored and counts in every later quote of the person's year until a reversal names it.

Concurrency: quotes of one person-year are serialised on a lock row (``quote_lock``; row lock on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so two hospitals posting at once cannot both use the
same remaining cap. Idempotency: the key is stored in the same transaction as the quote, so a
retry returns the first answer and a failure leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, cast, literal, null, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from medaid.domain.money import round_fen, to_fen, to_yuan
from medaid.errors import ContractError, IdempotencyConflict, NotFound, StateError
from medaid.policy.online import Claim, LayerResult, Settlement, YtdState, quote, settle_person_year
from medaid.policy.schema import Policy, load_policy
from medaid.store.quote_tables import quote as quote_t
from medaid.store.quote_tables import quote_lock
from medaid.store.tables import claim as claim_t
from medaid.store.tables import roster as roster_t


@dataclass(frozen=True)
class QuoteRequest:
    """A claim as the hospital posts it (amounts in yuan, ``Decimal``)."""

    claim_id: str
    id_token: str
    hospital_code: str
    hospital_level: int
    location: str
    visit_type: str
    settle_date: date
    total: Decimal
    in_scope: Decimal
    basic_paid: Decimal | None = None
    critical_paid: Decimal | None = None
    reverses_claim_id: str | None = None

    def digest(self) -> str:
        """Hash of the request, to tell a retry from a different request under the same key."""
        fields = {k: str(v) for k, v in self.__dict__.items()}
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class QuoteResult:
    status_code: int
    body: dict[str, Any]
    replayed: bool


_policy_cache: dict[tuple[str, int, int, int], Policy] = {}


def policy_for(path: Path) -> Policy:
    """The validated policy of ``path``, parsed once per file version.

    A version is (inode, mtime in ns, size): one ``stat`` per quote notices an edit in place and a
    file replaced by rename, so an officer's change applies to the next quote without a restart.
    """
    st = path.stat()
    key = (str(path), st.st_ino, st.st_mtime_ns, st.st_size)
    policy = _policy_cache.get(key)
    if policy is None:
        policy = load_policy(path)
        _policy_cache.clear()
        _policy_cache[key] = policy
    return policy


_lq = quote_lock.c
_SQLITE_LOCK_ROW = select(_lq.id_token).where(_lq.id_token == bindparam("token"), _lq.year == bindparam("year"))
_NEW_LOCK_ROW = quote_lock.insert()
_pg_lock = pg_insert(quote_lock).values(id_token=bindparam("token"), year=bindparam("year"))
_PG_LOCK = _pg_lock.on_conflict_do_update(index_elements=["id_token", "year"], set_={"year": _pg_lock.excluded.year})
"""One statement that creates the lock row or, if it exists, row-locks it until commit."""


def _lock_person_year(conn: Connection, token: str, year: int) -> None:
    """Serialise quotes of one person-year (see module docstring); the first statement of the transaction."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # pysqlite has not begun yet: take the write lock now
        if conn.execute(_SQLITE_LOCK_ROW, {"token": token, "year": year}).first() is None:
            conn.execute(_NEW_LOCK_ROW, {"id_token": token, "year": year})
        return
    conn.execute(_PG_LOCK, {"token": token, "year": year})


_ROSTER_ROW = 2
_r = roster_t.c
_PERSON_YEAR = union_all(
    *(select(literal(rank).label("rank"), c.claim_id, c.settle_date, c.visit_type, c.location, c.hospital_level,
             c.in_scope_fen, c.total_fen, c.basic_paid_fen, c.critical_paid_fen, c.reverses_claim_id,
             cast(null(), _r.valid_to.type).label("valid_to"))
      .where(c.id_token == bindparam("token"), c.settle_date.between(bindparam("lo"), bindparam("hi")))
      for rank, c in ((0, quote_t.c), (1, claim_t.c))),
    # roster rows ride along in the same columns (category as claim_id, valid_from as settle_date):
    # one round trip instead of two, on the path every quote takes under the person-year lock
    select(literal(_ROSTER_ROW).label("rank"), _r.category, _r.valid_from, *(null() for _ in range(8)), _r.valid_to)
    .where(_r.id_token == bindparam("token")))
"""Quoted (rank 0) and loaded (rank 1) claims of the person-year, and the person's roster rows (rank 2).

Built once, like every statement of a quote: statement construction is a visible share of its cost."""
_NEW_QUOTE = quote_t.insert()

Roster = list[tuple[str, date, date | None]]


def _categories(roster: Roster, day: date) -> frozenset[str]:
    """Roster categories valid on ``day`` (DESIGN §4: a person may hold several)."""
    return frozenset(cat for cat, lo, hi in roster if lo <= day and (hi is None or hi >= day))


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else to_yuan(int(fen))


def _person_year(conn: Connection, token: str, year: int) -> tuple[Roster, list[Claim]]:
    """The person's roster rows and the loaded and quoted claims of the year (a claim both loaded and
    quoted counts once)."""
    rows = conn.execute(_PERSON_YEAR, {"token": token, "lo": date(year, 1, 1), "hi": date(year, 12, 31)}).all()
    roster = [(str(row.claim_id), row.settle_date, row.valid_to) for row in rows if int(row.rank) == _ROSTER_ROW]
    out: dict[str, Claim] = {}
    claims = sorted((row for row in rows if int(row.rank) != _ROSTER_ROW), key=lambda r: int(r.rank))
    for row in claims:  # loaded rows (rank 1) win: the file is the final record
        out[row.claim_id] = Claim(
            claim_id=row.claim_id, settle_date=row.settle_date, visit_type=row.visit_type,
            location=row.location, hospital_level=int(row.hospital_level),
            in_scope=to_yuan(int(row.in_scope_fen)), total=to_yuan(int(row.total_fen)),
            basic_paid=_yuan(row.basic_paid_fen), critical_paid=_yuan(row.critical_paid_fen),
            reverses_claim_id=row.reverses_claim_id, categories=_categories(roster, row.settle_date))
    return roster, list(out.values())


def ytd_state(earlier: list[Claim], policy: Policy) -> tuple[YtdState, dict[str, Settlement]]:
    """The person's state after ``earlier`` (reversals applied) and each earlier claim's settlement."""
    settlements = settle_person_year(earlier, (), policy)
    state = YtdState()
    for s in settlements:
        if s.layers and s.layers[0].rule not in ("reversed", "reversal"):
            state = s.state
    return state, {s.claim_id: s for s in settlements}


def _layers_json(s: Settlement) -> list[dict[str, Any]]:
    def money(v: Decimal | None) -> str | None:
        return None if v is None else str(round_fen(v))

    return [{"layer": r.layer, "name": r.name, "base": money(r.base), "paid": money(r.paid),
             "remaining": money(r.remaining), "rule": r.rule, "deductible_used": money(r.deductible_used),
             "band": r.band, "ratio": None if r.ratio is None else str(r.ratio),
             "cap_remaining": money(r.cap_remaining), "ytd_paid": money(r.ytd_paid)} for r in s.layers]


def _fen_or_none(v: Decimal | None) -> int | None:
    return None if v is None else to_fen(v)


def _replay(conn: Connection, user_id: int, key: str, digest: str) -> QuoteResult | None:
    row = conn.execute(select(quote_t.c.request_hash, quote_t.c.response).where(
        quote_t.c.user_id == user_id, quote_t.c.idempotency_key == key)).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise IdempotencyConflict(f"Idempotency-Key {key!r} was already used for a different claim; use a new key",
                                  f"幂等键 {key!r} 已用于另一笔结算，请换一个新键")
    return QuoteResult(200, json.loads(row.response), replayed=True)


def reserve_quote(engine: Engine, req: QuoteRequest, policy: Policy, *, user_id: int, idempotency_key: str,
                  id_masked: str) -> QuoteResult:
    """Settle ``req`` on the person's YTD state and store it as a reservation (or replay the first answer).

    ``id_masked`` is the masked ID number shown in the answer (never the number itself).
    """
    digest = req.digest()
    if not policy.covers(req.settle_date):
        raise ContractError(f"settle_date {req.settle_date} is outside policy {policy.id} "
                            f"({policy.valid_from}..{policy.valid_to or 'open'}); check the date",
                            f"结算日期 {req.settle_date} 不在政策 {policy.id} 有效期内，请核对", field="settle_date")
    year = req.settle_date.year
    try:
        with engine.begin() as conn:
            _lock_person_year(conn, req.id_token, year)
            body = _settle_locked(conn, req, policy, year, id_masked)
            conn.execute(_NEW_QUOTE, dict(
                claim_id=req.claim_id, id_token=req.id_token, year=year, settle_date=req.settle_date,
                visit_type=req.visit_type, location=req.location, hospital_level=req.hospital_level,
                hospital_code=req.hospital_code, in_scope_fen=to_fen(req.in_scope), total_fen=to_fen(req.total),
                basic_paid_fen=_fen_or_none(req.basic_paid), critical_paid_fen=_fen_or_none(req.critical_paid),
                reverses_claim_id=req.reverses_claim_id, policy_id=policy.id,
                paid_fen=to_fen(Decimal(body["total_paid"])), user_id=user_id, idempotency_key=idempotency_key,
                request_hash=digest, response=json.dumps(body, ensure_ascii=False), created_at=datetime.now(UTC)))
    except (_ClaimTaken, IntegrityError):
        # A retry finds its own claim already stored (or its key taken by a racing twin): answer as the
        # first time. Looked up only here, so a new quote costs no extra round trip.
        with engine.connect() as conn:
            earlier_answer = _replay(conn, user_id, idempotency_key, digest)
        if earlier_answer:
            return earlier_answer
        raise _claim_taken(req.claim_id) from None
    return QuoteResult(201, body, replayed=False)


class _ClaimTaken(StateError):
    """The claim id is already quoted or loaded (a retry, or a second attempt at the same claim)."""


def _claim_taken(claim_id: str) -> _ClaimTaken:
    return _ClaimTaken(f"claim {claim_id} was already quoted or settled; post a reversal (reverses_claim_id) "
                      "before quoting it again", f"结算单 {claim_id} 已结算或已试算，如需重算请先提交冲销")


def _settle_locked(conn: Connection, req: QuoteRequest, policy: Policy, year: int, id_masked: str) -> dict[str, Any]:
    roster, earlier = _person_year(conn, req.id_token, year)
    if any(c.claim_id == req.claim_id for c in earlier):
        raise _claim_taken(req.claim_id)
    state, by_claim = ytd_state(earlier, policy)
    cats = _categories(roster, req.settle_date)
    claim = Claim(claim_id=req.claim_id, settle_date=req.settle_date, visit_type=req.visit_type,
                  location=req.location, hospital_level=req.hospital_level, in_scope=req.in_scope,
                  total=req.total, basic_paid=req.basic_paid, critical_paid=req.critical_paid, categories=cats)
    released: list[dict[str, Any]] = []
    if req.reverses_claim_id:
        original = by_claim.get(req.reverses_claim_id)
        if original is None or (original.layers and original.layers[0].rule in ("reversed", "reversal")):
            raise NotFound(f"claim {req.reverses_claim_id} of this person in {year} is not quoted/settled (or already "
                           "reversed); check reverses_claim_id", f"未找到可冲销的结算单 {req.reverses_claim_id}")
        released = _layers_json(original)
        settlement = _zero_settlement(claim, policy)  # the replay then drops both claims (docs/policies.md)
        status = "reversal"
    else:
        settlement = quote(claim, state, policy)
        status = "reserved"
    total_paid = settlement.total_paid
    return {"claim_id": req.claim_id, "status": status, "policy_id": policy.id, "person": id_masked,
            "categories": sorted(cats), "settle_date": req.settle_date.isoformat(),
            "in_scope": str(round_fen(req.in_scope)), "total": str(round_fen(req.total)),
            "layers": _layers_json(settlement), "total_paid": str(round_fen(total_paid)),
            "person_pays": str(round_fen(req.total - total_paid)),
            "reverses_claim_id": req.reverses_claim_id, "released": released}


def _zero_settlement(claim: Claim, policy: Policy) -> Settlement:
    zero = Decimal(0)
    return Settlement(claim.claim_id, tuple(LayerResult(layer.id, layer.name, zero, zero, zero, "reversal")
                                            for layer in policy.layers), YtdState())
