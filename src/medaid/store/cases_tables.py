"""Tables of 免申即享 cases, parallel approvals, funds and payout batches. Created by migration 0006.

One ``aid_case`` per person-claim that any program pays (``claim_id`` unique, so re-opening is a
no-op); ``case_line`` holds the plan's amount per program, ``case_share`` each department's decision
on its programs (并联审批). Money leaves only through ``payout_line``: a line is ``queued`` in a
batch, ``issued`` once the fund is debited (the commit point: one transaction per line), then
``paid`` or ``failed`` from the bank's result file. The partial unique index
``uq_payout_line_live`` allows at most one non-failed line per (case, program) — the database, not
the code path, is what makes a retry unable to pay twice. ``fund`` and ``person_ledger`` are
debited with conditional updates (``… WHERE issued + amount <= budget``), which take the row lock
on PostgreSQL, so budgets and annual caps hold under concurrency.

Timestamps are ISO-8601 UTC text (like the audit log); business dates (due, paid on) are ``Date``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from medaid.store.tables import TOKEN, metadata

_ID = BigInteger().with_variant(Integer, "sqlite")
_TS = String(32)

aid_case = Table(
    "aid_case", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("claim_id", String(64), nullable=False, unique=True),  # one case per person-claim
    Column("id_token", TOKEN, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("year", Integer, nullable=False, index=True),
    Column("policy_id", String(64), nullable=False),
    Column("township_code", String(9)),
    Column("village", Text),
    Column("household_id", String(64)),
    Column("categories", Text, nullable=False),  # comma list valid on the settle date
    Column("visit_type", String(24), nullable=False),
    Column("settle_date", Date, nullable=False),
    Column("discharge_date", Date),
    Column("due_date", Date, nullable=False),  # 20 working days after discharge (seed 003)
    Column("total_fen", BigInteger, nullable=False),
    Column("in_scope_fen", BigInteger, nullable=False),
    Column("payable_fen", BigInteger, nullable=False),  # sum of case_line amounts
    Column("status", String(16), nullable=False, index=True),
    Column("plan", Text, nullable=False),  # JSON: order, per-layer trace, alternatives
    Column("opened_at", _TS, nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("last_action_on", Date, nullable=False),
    Column("approved_on", Date),
    Column("paid_on", Date),
    Column("version", Integer, nullable=False, server_default=text("1")),
)

case_line = Table(
    "case_line", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("case_id", _ID, ForeignKey("aid_case.id"), nullable=False),
    Column("program", String(64), nullable=False),  # policy layer id, e.g. assistance
    Column("department", String(64), nullable=False),
    Column("planned_fen", BigInteger, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),  # planned unless a department corrected it
    Column("rule", String(128), nullable=False),
    Column("cap_fen", BigInteger),  # the annual cap of the applied parameters; NULL = none
    UniqueConstraint("case_id", "program", name="uq_case_line"),
)

case_share = Table(
    "case_share", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("case_id", _ID, ForeignKey("aid_case.id"), nullable=False),
    Column("department", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # pending | approved | returned | denied
    Column("reason", Text),
    Column("decided_by", String(64)),
    Column("decided_on", Date),
    Column("version", Integer, nullable=False, server_default=text("1")),
    UniqueConstraint("case_id", "department", name="uq_case_share"),
)
Index("ix_case_share_dept_status", case_share.c.department, case_share.c.status)

case_event = Table(
    "case_event", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("case_id", _ID, nullable=False, index=True),
    Column("at", _TS, nullable=False),
    Column("actor", String(64), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("department", String(64)),
    Column("from_status", String(16)),
    Column("to_status", String(16)),
    Column("reason", Text),
    Column("override", Integer, nullable=False, server_default=text("0")),  # 1 = amount changed by hand
    Column("audit_seq", BigInteger),
)

fund = Table(
    "fund", metadata,
    Column("program", String(64), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("department", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("budget_fen", BigInteger),  # NULL = no budget set (unlimited)
    Column("issued_fen", BigInteger, nullable=False, server_default=text("0")),
)

person_ledger = Table(
    "person_ledger", metadata,
    Column("id_token", TOKEN, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("program", String(64), primary_key=True),
    Column("issued_fen", BigInteger, nullable=False, server_default=text("0")),
    Column("cap_fen", BigInteger),
)

payout_batch = Table(
    "payout_batch", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("batch_key", String(64), nullable=False, unique=True),
    Column("program", String(64), nullable=False),
    Column("year", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # filled | issued
    Column("created_at", _TS, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("line_count", Integer, nullable=False),
    Column("total_fen", BigInteger, nullable=False),
)

payout_line = Table(
    "payout_line", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("line_key", String(96), nullable=False, unique=True),
    Column("batch_id", _ID, ForeignKey("payout_batch.id"), nullable=False, index=True),
    Column("case_id", _ID, nullable=False),
    Column("program", String(64), nullable=False),
    Column("id_token", TOKEN, nullable=False),
    Column("year", Integer, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # queued | issued | paid | failed
    Column("reason", Text),
    Column("bank_ref", String(64)),
    Column("updated_at", _TS, nullable=False),
    Column("paid_on", Date),
)
Index("uq_payout_line_live", payout_line.c.case_id, payout_line.c.program, unique=True,
      sqlite_where=text("state <> 'failed'"), postgresql_where=text("state <> 'failed'"))
Index("ix_payout_line_state", payout_line.c.state)

case_notice = Table(
    "case_notice", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("case_id", _ID, nullable=False),
    Column("kind", String(16), nullable=False),  # grant | denial
    Column("created_at", _TS, nullable=False),
    Column("sms", Text, nullable=False),
    Column("letter", Text, nullable=False),
    UniqueConstraint("case_id", "kind", name="uq_case_notice"),
)
