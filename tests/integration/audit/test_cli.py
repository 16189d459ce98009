"""``medaid audit`` and ``medaid user`` through the CLI on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from medaid.cli.app import app, console
from medaid.settings import get_settings
from medaid.store.db import engine_for, migrate

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
runner = CliRunner()


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MEDAID_DATABASE_URL", db_url)
    monkeypatch.setattr("medaid.api.users._hasher",
                        __import__("argon2").PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(console, "width", 200)  # CliRunner is not a terminal; keep rows whole
    get_settings.cache_clear()
    migrate(db_url)
    return db_url


def test_user_add_token_and_verify(cli_db: str) -> None:
    result = runner.invoke(app, ["user", "add", "wang", "--role", "township", "--township", "370830101",
                                 "--password-stdin"], input="a-good-password\n")
    assert result.exit_code == 0, result.output
    assert "wang" in result.output and "370830101" in result.output
    token = runner.invoke(app, ["user", "token", "wang", "--scope", "people:read"])
    assert token.exit_code == 0 and token.output.strip().startswith("mda_")
    bad = runner.invoke(app, ["user", "add", "li", "--role", "township", "--password-stdin"], input="a-good-password\n")
    assert bad.exit_code != 0
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "2 events" in verified.output
    tail = runner.invoke(app, ["audit", "tail", "-n", "5"])
    assert "user.create" in tail.output and "user.token_issue" in tail.output


def test_verify_exits_1_and_names_the_seq(cli_db: str) -> None:
    for name in ("a1", "a2", "a3"):
        assert runner.invoke(app, ["user", "add", name, "--role", "clerk", "--password-stdin"],
                             input="a-good-password\n").exit_code == 0
    engine = engine_for(cli_db)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_change ON audit_event")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        conn.execute(sa.text("UPDATE audit_event SET subject = 'user:mallory' WHERE seq = 2"))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "seq 2" in result.output


def test_revoke_token_says_when_servers_refuse_it(cli_db: str) -> None:
    assert runner.invoke(app, ["user", "add", "his", "--role", "clerk", "--password-stdin"],
                         input="a-good-password\n").exit_code == 0
    secret = runner.invoke(app, ["user", "token", "his", "--scope", "claims:quote"]).output.strip()
    revoked = runner.invoke(app, ["user", "revoke-token", secret[:12]])
    assert revoked.exit_code == 0, revoked.output
    assert "token revoked; running servers refuse it within 5 s" in revoked.output
    assert runner.invoke(app, ["user", "revoke-token", secret[:12]]).exit_code != 0  # already revoked
    tail = runner.invoke(app, ["audit", "tail", "-n", "5"])
    assert "user.token_revoke" in tail.output
