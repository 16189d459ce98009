"""Shared request parameter types. Bounds keep absurd numbers a 422 instead of a driver overflow."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2_147_483_647  # INTEGER primary keys on PostgreSQL; SQLite's limit is larger

ObjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="object id")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="rows to skip")]
