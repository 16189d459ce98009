"""The batch input relation: claims as columns in integer fen, one ``cat_<tag>`` flag per tag.

Backends receive this as an Arrow table; ``claims_to_arrow`` builds it from online ``Claim``
objects, which is how tests feed the same claims to both evaluators.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pyarrow as pa

from medaid.domain.money import to_fen
from medaid.policy.compile import INPUT_COLUMNS
from medaid.policy.online import Claim
from medaid.policy.schema import TAGS

_ARROW = {"VARCHAR": pa.string(), "DATE": pa.date32(), "INTEGER": pa.int32(), "BIGINT": pa.int64(),
          "BOOLEAN": pa.bool_()}
SCHEMA = pa.schema([(name, _ARROW[t]) for name, t in INPUT_COLUMNS.items()])


def _fen(v: Decimal | None) -> int | None:
    return None if v is None else int(to_fen(v))


def claims_to_arrow(claims: Iterable[tuple[str, Claim]]) -> pa.Table:
    """(person key, claim) pairs → the batch input table."""
    cols: dict[str, list[Any]] = {name: [] for name in INPUT_COLUMNS}
    for person, c in claims:
        cols["person"].append(person)
        cols["claim_id"].append(c.claim_id)
        cols["settle_date"].append(c.settle_date)
        cols["visit_type"].append(c.visit_type)
        cols["location"].append(c.location)
        cols["hospital_level"].append(c.hospital_level)
        cols["in_scope_fen"].append(_fen(c.in_scope))
        cols["total_fen"].append(_fen(c.total))
        cols["basic_paid_fen"].append(_fen(c.basic_paid))
        cols["critical_paid_fen"].append(_fen(c.critical_paid))
        cols["reverses_claim_id"].append(c.reverses_claim_id)
        for t in TAGS:
            cols[f"cat_{t}"].append(t in c.categories)
    return pa.table(cols, schema=SCHEMA)
