"""Browser pages through TestClient on both databases: sign-in, lockout, CSRF, navigation by role."""

from __future__ import annotations

import re

import pytest

from tests.integration.api.conftest import PASSWORD, TOWN_A, TOWN_B, Env

pytestmark = pytest.mark.integration


def _login_form(env: Env) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', env.client.get("/login").text)
    assert match
    return match.group(1)


def _post_login(env: Env, username: str, password: str):  # type: ignore[no-untyped-def]
    return env.client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": _login_form(env), "next": "/"}, follow_redirects=False)


def test_pages_redirect_to_login_when_signed_out(env: Env) -> None:
    response = env.client.get("/loads", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/loads"


def test_session_cookie_is_httponly_and_lax(env: Env) -> None:
    response = _post_login(env, "clerk", PASSWORD)
    cookie = response.headers["set-cookie"]
    assert "medaid_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_login_without_csrf_token_is_refused(env: Env) -> None:
    env.client.get("/login")
    response = env.client.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403 and "medaid_session" not in response.headers.get("set-cookie", "")


def test_lockout_after_five_failures_even_with_the_right_password(env: Env) -> None:
    for _ in range(4):
        response = _post_login(env, "clerk", "wrong-password")
        assert response.status_code == 401 and "用户名或密码错误" in response.text
    response = _post_login(env, "clerk", "wrong-password")
    assert "锁定" in response.text
    response = _post_login(env, "clerk", PASSWORD)
    assert response.status_code == 401 and "锁定" in response.text
    actions = [a for _, a, _ in env.audit_actions()]
    assert actions.count("login.failure") == 5 and "login.locked" in actions and "login.success" not in actions


def test_unknown_user_and_wrong_password_look_the_same(env: Env) -> None:
    a = _post_login(env, "nobody", "x" * 10)
    b = _post_login(env, "clerk", "x" * 10)
    assert a.status_code == b.status_code == 401
    assert re.search(r'data-testid="login-error">([^<]+)<', a.text).group(1) == \
        re.search(r'data-testid="login-error">([^<]+)<', b.text).group(1)  # type: ignore[union-attr]


def test_open_redirect_is_blocked(env: Env) -> None:
    response = env.client.post("/login", data={"username": "clerk", "password": PASSWORD,
                                               "csrf_token": _login_form(env), "next": "//evil.example/"},
                               follow_redirects=False)
    assert response.headers["location"] == "/"


@pytest.mark.parametrize(("role", "visible", "hidden"), [
    ("admin", ["/loads", "/jobs", "/people", "/audit"], []),
    ("clerk", ["/loads", "/jobs", "/people"], ["/audit"]),
    ("supervisor", ["/loads", "/people", "/audit"], []),
    ("analyst", ["/loads"], ["/people", "/audit", "/jobs"]),
    ("township", ["/people"], ["/loads", "/audit"]),
    ("approver", [], ["/loads", "/people", "/audit"]),
])
def test_navigation_and_access_follow_the_role(env: Env, role: str, visible: list[str], hidden: list[str]) -> None:
    env.login(role)
    home = env.client.get("/")
    assert home.status_code == 200 and "persons" in home.text
    for href in visible:
        assert f'href="{href}"' in home.text
        assert env.client.get(href).status_code == 200
    for href in hidden:
        assert f'href="{href}"' not in home.text
        assert env.client.get(href, follow_redirects=False).status_code in (403, 303)


def test_township_page_scope(env: Env) -> None:
    env.login("township")
    assert env.client.get("/people", follow_redirects=False).headers["location"] == f"/people/{TOWN_A}"
    own = env.client.get(f"/people/{TOWN_A}")
    assert own.status_code == 200 and "370830********" in own.text
    other = env.client.get(f"/people/{TOWN_B}")
    assert other.status_code == 404 and "未找到" in other.text


def test_logout_needs_csrf_and_ends_the_session(env: Env) -> None:
    csrf = env.login("clerk")
    assert env.client.post("/logout", follow_redirects=False).status_code == 403
    response = env.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert env.client.get("/", follow_redirects=False).status_code == 303


def test_upload_without_csrf_is_refused(env: Env) -> None:
    env.login("clerk")
    response = env.client.post("/loads", files={"file": ("persons.csv", b"x", "text/csv")})
    assert response.status_code == 403


def test_language_switch(env: Env) -> None:
    env.login("clerk")
    assert "数据导入" in env.client.get("/").text
    env.client.get("/lang/en?next=/")
    page = env.client.get("/").text
    assert "Data loads" in page and "Sign out" in page


def test_audit_page_verifies_the_chain(env: Env) -> None:
    env.login("supervisor")
    page = env.client.get("/audit").text
    assert "审计链完整" in page and "login.success" in page and "user.create" in page
