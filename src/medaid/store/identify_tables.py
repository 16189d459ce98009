"""Tables of identification (精准识别), early warnings (预警) and dynamic-management tasks (动态管理).

Every obligation with a deadline — a red warning to verify, a review, an exit buffer, a green-channel
decision, a notice, a publicity period, a follow-up, a screening application — is one ``mgmt_task``
row with a state, a due date in working days and a JSON history, so "what is overdue" is one query.
Migration 0005 creates these tables (mirrors them column for column); 0008 adds the warning's
closed_on and history, 0009 the 待入户核实 band (``verify``, ``to_verify``).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from medaid.store.tables import TOKEN, metadata

identify_run = Table(
    "identify_run", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False, index=True),
    Column("thresholds_id", String(64), nullable=False),
    Column("model_id", String(64)),            # None = rules only
    Column("oop_source", String(32), nullable=False),  # settlement run N | claims (given payments)
    Column("households", Integer, nullable=False),
    Column("flagged", Integer, nullable=False),
    Column("not_on_roster", Integer, nullable=False),
    Column("to_verify", Integer, nullable=False, server_default="0"),  # 待入户核实 households (0009)
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
)

identify_result = Table(
    "identify_result", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, nullable=False, index=True),
    Column("household_id", String(64), nullable=False),
    Column("head_token", TOKEN, nullable=False),
    Column("township_code", String(9), nullable=False, index=True),
    Column("tier", String(8), nullable=False),           # high | medium | low
    Column("score", Float, nullable=False),              # calibrated probability of need (rules: 0/1)
    Column("risk_score", Integer, nullable=False),       # DESIGN §6 health risk score, max over members
    Column("rules_in_need", Boolean, nullable=False),
    Column("rigid", Boolean, nullable=False),
    Column("model_probability", Float),
    Column("on_roster", Boolean, nullable=False),
    Column("reasons", Text, nullable=False),
    # between the model's screen and confirm thresholds: a home visit decides (0009, decision 0010)
    Column("verify", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("run_id", "household_id", name="uq_identify_result_household"),
)

early_warning = Table(
    "early_warning", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False, index=True),
    Column("household_id", String(64), nullable=False),
    Column("id_token", TOKEN, nullable=False),
    Column("township_code", String(9), nullable=False, index=True),
    Column("village", Text),
    Column("rule", String(32), nullable=False),      # single_admission | oop_share | unemployed | business_drop
    Column("tier", String(8), nullable=False),       # high | medium | low
    Column("colour", String(8), nullable=False),     # red | yellow | blue
    Column("owner_level", String(16), nullable=False),  # county | township | village
    Column("raised_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("state", String(16), nullable=False),     # open | verified | closed
    Column("detail", Text, nullable=False),
    Column("closed_on", Date),                        # migration 0008
    Column("history", Text),                          # JSON list of {state, on, actor, note}; 0008
    UniqueConstraint("year", "household_id", "id_token", "rule", name="uq_early_warning_rule"),
)

mgmt_task = Table(
    "mgmt_task", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(24), nullable=False, index=True),
    Column("dedupe_key", String(160), nullable=False, unique=True),  # re-running never doubles a task
    Column("household_id", String(64)),
    Column("id_token", TOKEN),
    Column("township_code", String(9), index=True),
    Column("state", String(16), nullable=False, index=True),
    Column("opened_on", Date, nullable=False),
    Column("due_on", Date, nullable=False, index=True),
    Column("due_at", DateTime(timezone=True)),        # hour-precise deadlines (24 h home visit)
    Column("closed_on", Date),
    Column("detail", Text, nullable=False),           # JSON: what, why, source claim, category…
    Column("history", Text, nullable=False),          # JSON list of {state, on, actor, note}
)

IDENTIFY_TABLES = (identify_run, identify_result, early_warning, mgmt_task)
