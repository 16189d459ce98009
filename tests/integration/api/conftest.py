"""An app on a migrated database with one user per role and a few people in two townships.

People and a load are inserted straight into the tables (no dependency on the ingest service), so
these tests check auth, scope and the HTTP contract, not loading.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from medaid.api.app import create_app
from medaid.api.credentials import issue_token
from medaid.api.roles import Department, Role
from medaid.api.users import User, create_user
from medaid.domain.idnumber import make, mask
from medaid.store import tables
from medaid.store.db import engine_for, migrate

TOWN_A = "370830101"
TOWN_B = "370830102"
PASSWORD = "correct-horse-1"


def seed_people(engine: sa.Engine) -> None:
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        for i, town in enumerate([TOWN_A, TOWN_A, TOWN_B]):
            birth = dt.date(1950 + i, 1, 2)
            number = make("370830", birth, i, "M")
            token = f"tok{i:029d}"
            conn.execute(tables.identity.insert().values(id_token=token, id_cipher="x", id_masked=mask(number),
                                                         region_code="370830", birth_date=birth, sex="M"))
            conn.execute(tables.person.insert().values(
                id_token=token, name=f"张{i}", name_norm=f"张{i}", sex="M", birth_date=birth,
                household_id=f"H{i}", township_code=town, village="东村", load_id=1, source_row=i + 2))
        conn.execute(tables.load.insert().values(
            id=1, kind="persons", file_name="persons.csv", file_sha256="0" * 64, scope="", status="loaded",
            rows_read=4, rows_accepted=3, rows_rejected=1, started_at=now, finished_at=now, actor="test"))
        conn.execute(tables.reject.insert().values(load_id=1, file_name="persons.csv", row_number=5,
                                                   field="id_number", reason="id_check_digit", raw="{}"))


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 defaults cost ~0.5 s per hash on a busy CI box; the tests check logic, not cost."""
    from argon2 import PasswordHasher

    monkeypatch.setattr("medaid.api.users._hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass
class Env:
    client: TestClient
    engine: sa.Engine
    users: dict[str, User]

    def token(self, username: str, *scopes: str) -> dict[str, str]:
        with self.engine.begin() as conn:
            secret = issue_token(conn, self.users[username], set(scopes), actor="test")
        return {"Authorization": f"Bearer {secret}"}

    def login(self, username: str, password: str = PASSWORD) -> str:
        """Sign in through the form; returns the session's CSRF token (from the page)."""
        page = self.client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": csrf.group(1), "next": "/"},
                                    follow_redirects=False)
        assert response.status_code == 303, response.text
        home = self.client.get("/")
        token = re.search(r'"X-CSRF-Token": "([^"]+)"', home.text)
        assert token
        return token.group(1)

    def audit_actions(self) -> list[tuple[str, str, str]]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text("SELECT actor, action, subject FROM audit_event ORDER BY seq"))]


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> Iterator[Env]:
    migrate(db_url)
    engine = engine_for(db_url)
    seed_people(engine)
    users: dict[str, User] = {}
    with engine.begin() as conn:
        for role in Role:
            users[role.value] = create_user(
                conn, role.value, PASSWORD, role,
                township_code=TOWN_A if role is Role.TOWNSHIP else None,
                department=Department.CIVIL_AFFAIRS if role is Role.APPROVER else None, actor="test")
    app = create_app(url=db_url, data_dir=tmp_path / "data")
    with TestClient(app) as client:
        yield Env(client, engine, users)
