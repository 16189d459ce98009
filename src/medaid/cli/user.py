"""``medaid user …``: add users, issue and revoke API tokens, unlock accounts."""

from __future__ import annotations

import sys

import typer
from sqlalchemy import Engine, update

from medaid.api.credentials import issue_token, revoke_token
from medaid.api.roles import TOKEN_SCOPES, Department, Role
from medaid.api.users import create_user, find_user
from medaid.audit.log import append_event
from medaid.cli.app import app, console
from medaid.errors import ConfigError, NotFound
from medaid.settings import get_settings
from medaid.store.auth_tables import app_user
from medaid.store.db import engine_for

user_app = typer.Typer(help="用户与令牌 / users and API tokens")
app.add_typer(user_app, name="user")


def _engine() -> Engine:
    return engine_for(get_settings().resolved_database_url())


@user_app.command("add")
def add(
    username: str,
    role: Role = typer.Option(..., "--role", help="admin | clerk | township | approver | supervisor | analyst"),
    township: str | None = typer.Option(None, "--township", help="9-digit township code (role township)"),
    department: Department | None = typer.Option(None, "--department", help="department (role approver)"),
    display_name: str = typer.Option("", "--name", help="显示名 / display name"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from stdin"),
) -> None:
    """Create a user. The password is prompted for (twice) unless --password-stdin is given."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    with _engine().begin() as conn:
        user = create_user(conn, username, password, role, township_code=township, department=department,
                           display_name=display_name)
    scope = user.township_code or (user.department.value if user.department else "")
    console.print(f"已创建用户 / user created: [bold]{user.username}[/bold] ({user.role.value}{' ' + scope if scope else ''})")


@user_app.command("token")
def token(
    username: str,
    scope: list[str] = typer.Option(..., "--scope", help=f"repeat; one of {', '.join(sorted(TOKEN_SCOPES))}"),
    name: str = typer.Option("", "--name", help="what the token is for"),
    days: int = typer.Option(365, "--days", help="valid for N days"),
) -> None:
    """Issue an API token (printed once; store it in the client's secret store)."""
    with _engine().begin() as conn:
        user = find_user(conn, username)
        if user is None:
            raise NotFound(f"user {username!r} not found", f"未找到用户 {username!r}")
        secret = issue_token(conn, user, set(scope), name=name, days=days)
    console.print(secret, soft_wrap=True, highlight=False)


@user_app.command("revoke-token")
def revoke(prefix: str = typer.Argument(..., help="the first 12 characters of the token")) -> None:
    with _engine().begin() as conn:
        if not revoke_token(conn, prefix):
            raise NotFound(f"no active token starts with {prefix!r}", f"没有以 {prefix!r} 开头的有效令牌")
    wait = get_settings().token_cache_seconds
    console.print(f"令牌已吊销，运行中的服务最迟 {wait:g} 秒后拒绝该令牌 / token revoked; running servers refuse it "
                  f"within {wait:g} s")


@user_app.command("unlock")
def unlock(username: str) -> None:
    """Clear a lockout after too many failed logins."""
    with _engine().begin() as conn:
        n = conn.execute(update(app_user).where(app_user.c.username == username)
                         .values(failed_attempts=0, locked_until=None)).rowcount
        if not n:
            raise ConfigError(f"user {username!r} not found", f"未找到用户 {username!r}")
        append_event(conn, actor="cli", action="user.unlock", subject=f"user:{username}", detail={})
    console.print(f"已解锁 / unlocked: {username}")
