"""Tables of identity resolution (人员身份归并) and reconciliation rounds (参保核查). Migration 0004.

``person_link`` says which real person every loaded (or ID-rejected) source row belongs to; a row is
named by ``(table_name, load_id, source_row)`` exactly as the ingest stores it, so provenance is
never lost. ``link_review`` is the clerical review queue of uncertain links. ``recon_problem`` has
one row per (year, person, problem code) with its current status; ``recon_problem_event`` is its
history, round by round and feedback by feedback.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from medaid.store.tables import TOKEN, metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

link_run = Table(
    "link_run", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32)),
    Column("actor", String(64), nullable=False),
    Column("upper", Float, nullable=False),      # match probability ≥ upper → accepted
    Column("lower", Float, nullable=False),      # < lower → rejected; between → review
    Column("summary", Text, nullable=False, default="{}"),  # JSON counts
)

person_link = Table(
    "person_link", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("table_name", String(32), nullable=False),   # person, roster, …, or reject
    Column("load_id", Integer, nullable=False),
    Column("source_row", Integer, nullable=False),
    Column("person_key", String(40), nullable=False, index=True),
    Column("id_token", TOKEN, index=True),              # the row's own token (None for invalid IDs)
    Column("method", String(16), nullable=False),       # id_exact | splink | review | own
    Column("match_probability", Float),
    Column("run_id", Integer, nullable=False),
    UniqueConstraint("table_name", "load_id", "source_row", name="uq_person_link_row"),
)

link_review = Table(
    "link_review", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, nullable=False, index=True),
    Column("left_uid", String(64), nullable=False),     # table:load_id:source_row of the uncertain row
    Column("right_uid", String(64), nullable=False),    # the register row it may be
    Column("right_person_key", String(40), nullable=False),
    # stable ids of both sides (T:<token> or R:<hash of the row's content>), sorted and joined by
    # "|": what a decision is keyed by, so it still applies after the rows are loaded again
    Column("pair_key", String(80), nullable=False, index=True),
    Column("match_probability", Float, nullable=False),
    Column("evidence", Text, nullable=False),           # JSON: compared values (IDs masked)
    Column("status", String(16), nullable=False, default="pending"),  # pending | accepted | rejected
    Column("decided_by", String(64)),
    Column("decided_at", String(32)),
    Column("reason", Text),
)

recon_round = Table(
    "recon_round", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False, index=True),
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32)),
    Column("actor", String(64), nullable=False),
    Column("previous_round_id", Integer),
    Column("summary", Text, nullable=False, default="{}"),  # JSON: counts per problem and transition
)

recon_problem = Table(
    "recon_problem", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("subject_key", String(64), nullable=False),  # id_token, or reject:<load>:<row> for bad IDs
    Column("problem", String(32), nullable=False),
    Column("status", String(16), nullable=False),       # open | fixed | closed
    Column("id_token", TOKEN),
    Column("id_masked", String(24), nullable=False),
    Column("name", Text, nullable=False),
    Column("township_code", String(9), nullable=False),
    Column("detail", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("first_round_id", Integer, nullable=False),
    Column("last_round_id", Integer, nullable=False),   # newest round that found it
    UniqueConstraint("year", "subject_key", "problem", name="uq_recon_problem"),
    Index("ix_recon_problem_year_town", "year", "township_code"),
)

recon_problem_event = Table(
    "recon_problem_event", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("problem_id", Integer, nullable=False, index=True),
    Column("round_id", Integer),
    Column("at", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("kind", String(24), nullable=False),  # new | still_open | fixed | regressed | closed | reopened
    Column("note", Text),
)
