"""SQLAlchemy Core tables: the loaded data of contract v1 (DESIGN.md §4) and load bookkeeping.

Conventions: amounts are integer fen (``*_fen``); people are joined by ``id_token`` (keyed HMAC of
the normalised ID number, see ``medaid.privacy``), never by the raw number, which lives only
encrypted in ``identity``. Every loaded row keeps ``load_id`` and ``source_row`` (its line in the
file, header = row 1) for provenance. Migrations in ``migrations/versions`` create these tables;
this module is what code queries with.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

TOKEN = String(32)  # hex of the first 128 bits of HMAC-SHA256(key, normalised id number)


def _provenance() -> list[Column[int]]:
    return [Column("load_id", Integer, nullable=False, index=True), Column("source_row", Integer, nullable=False)]


load = Table(
    "load", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False, index=True),  # persons, deaths, roster, … (file stem)
    Column("file_name", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False, index=True),
    Column("scope", Text, nullable=False, default=""),   # what this load supersedes (see ingest docs)
    Column("status", String(16), nullable=False),        # loaded | failed | superseded | duplicate
    Column("rows_read", Integer, nullable=False, default=0),
    Column("rows_accepted", Integer, nullable=False, default=0),
    Column("rows_rejected", Integer, nullable=False, default=0),
    Column("message", Text),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("actor", String(64), nullable=False, default="system"),
)

reject = Table(
    "reject", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("load_id", Integer, nullable=False, index=True),
    Column("file_name", Text, nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("field", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),  # the row as read, JSON object; ID numbers masked
    # field = id_number and the first 17 characters well-formed (region, date, sequence): what they
    # encode, so linkage can match a wrong check digit exactly without the raw number (see 0006)
    Column("id_stem_token", TOKEN),   # HMAC (stem subkey) of the first 17 digits
    Column("id_birth_date", Date),
    Column("id_sex", String(1)),
)

identity = Table(
    "identity", metadata,
    Column("id_token", TOKEN, primary_key=True),
    Column("id_cipher", Text, nullable=False),   # AES-GCM ciphertext of the ID number, base64
    Column("id_masked", String(18), nullable=False),
    Column("region_code", String(6), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("id_stem_token", TOKEN, index=True),  # HMAC (stem subkey) of the first 17 digits
)

person = Table(
    "person", metadata,
    Column("id_token", TOKEN, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("name_norm", Text, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("household_id", String(64), nullable=False, index=True),
    Column("relation", String(16)),
    Column("township_code", String(9), nullable=False, index=True),
    Column("village", Text),
    Column("address", Text),
    Column("phone", String(32)),
    *_provenance(),
)

death = Table(
    "death", metadata,
    Column("id_token", TOKEN, nullable=False, unique=True),  # keyed: a newer deaths file wins per person
    Column("name", Text, nullable=False),
    Column("death_date", Date, nullable=False),
    Column("source", Text),
    *_provenance(),
)

roster = Table(
    "roster", metadata,
    Column("id_token", TOKEN, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("category", String(32), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    Column("township_code", String(9)),
    Column("source_dept", Text),
    *_provenance(),
)

enrolment = Table(
    "enrolment", metadata,
    Column("id_token", TOKEN, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("year", Integer, nullable=False, index=True),
    Column("scheme", String(16), nullable=False),
    Column("region_code", String(6), nullable=False),
    Column("status", String(16), nullable=False),
    Column("premium_waived", Boolean, nullable=False),
    Column("paid_by_self_fen", BigInteger),
    *_provenance(),
)

claim = Table(
    "claim", metadata,
    Column("claim_id", String(64), primary_key=True),
    Column("id_token", TOKEN, nullable=False),
    Column("name", Text, nullable=False),
    Column("hospital_code", String(64), nullable=False),
    Column("hospital_level", Integer, nullable=False),
    Column("location", String(16), nullable=False),
    Column("visit_type", String(24), nullable=False),
    Column("admit_date", Date),
    Column("discharge_date", Date),
    Column("settle_date", Date, nullable=False, index=True),
    Column("diagnosis_code", String(16), nullable=False),
    Column("total_fen", BigInteger, nullable=False),
    Column("in_scope_fen", BigInteger, nullable=False),
    Column("basic_paid_fen", BigInteger),
    Column("critical_paid_fen", BigInteger),
    Column("reverses_claim_id", String(64)),
    *_provenance(),
    # a person's claims of a period: the read every quote makes (migration 0010 replaced the plain
    # id_token index, which this one's leading column serves as well)
    Index("ix_claim_person_date", "id_token", "settle_date"),
)

income = Table(
    "income", metadata,
    Column("id_token", TOKEN, nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    *_provenance(),
)

asset = Table(
    "asset", metadata,
    Column("id_token", TOKEN, nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("value_fen", BigInteger, nullable=False),
    Column("count", Integer),
    *_provenance(),
)

disability = Table(
    "disability", metadata,
    Column("id_token", TOKEN, nullable=False, index=True),
    Column("level", Integer, nullable=False),
    Column("type", Text),
    *_provenance(),
)

chronic_cert = Table(
    "chronic_cert", metadata,
    Column("id_token", TOKEN, nullable=False, index=True),
    Column("disease_code", String(16), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
    *_provenance(),
)

employment = Table(
    "employment", metadata,
    Column("id_token", TOKEN, nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("since", Date, nullable=False),
    *_provenance(),
)

CONTRACT_TABLES: dict[str, Table] = {
    "persons": person,
    "deaths": death,
    "roster": roster,
    "enrolment": enrolment,
    "claims": claim,
    "income": income,
    "assets": asset,
    "disability": disability,
    "chronic_certs": chronic_cert,
    "employment": employment,
}
"""Contract file stem → table it loads into."""
