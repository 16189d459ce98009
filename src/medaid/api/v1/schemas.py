"""Response models of the JSON API (they are the OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel


class Health(BaseModel):
    status: str
    database: str
    version: str


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    township_code: str | None
    department: str | None
    permissions: list[str]
    via: str


class Load(BaseModel):
    id: int
    kind: str
    file_name: str
    status: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    message: str | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    actor: str


class Reject(BaseModel):
    row_number: int
    field: str
    reason: str


class LoadDetail(Load):
    rejects: list[Reject]


class Job(BaseModel):
    id: int
    kind: str
    status: str
    actor: str
    stage: str
    done: int
    total: int
    percent: int
    result: dict[str, Any] | None
    error: str | None


class JobCreated(BaseModel):
    job_id: int
    status_url: str


class Person(BaseModel):
    id_masked: str | None
    name: str
    sex: str
    birth_date: dt.date
    household_id: str
    village: str | None


class PeoplePage(BaseModel):
    township_code: str
    total: int
    limit: int
    offset: int
    items: list[Person]


class Problem(BaseModel):
    """RFC 9457 problem details with Chinese text alongside English."""

    type: str = "about:blank"
    status: int
    title: str
    title_zh: str
    detail: str
    detail_zh: str
