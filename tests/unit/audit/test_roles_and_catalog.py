"""Role table invariants and the page message catalog (every key a template uses exists, both languages)."""

from __future__ import annotations

import re
from pathlib import Path

import medaid.api.app  # noqa: F401  (imports every route module, which registers its messages)
from medaid.api.roles import ROLE_PERMISSIONS, Permission, Role
from medaid.web.i18n import MESSAGES, translate

TEMPLATES = Path(__file__).resolve().parents[3] / "src" / "medaid" / "web" / "templates"


def test_read_only_roles_never_write() -> None:
    for role in (Role.SUPERVISOR, Role.ANALYST):
        assert not any(p.value.endswith(":write") or p is Permission.USERS_MANAGE for p in ROLE_PERMISSIONS[role])


def test_analyst_sees_no_personal_data() -> None:
    assert Permission.PEOPLE_READ not in ROLE_PERMISSIONS[Role.ANALYST]
    assert Permission.PEOPLE_READ not in ROLE_PERMISSIONS[Role.APPROVER]


def test_every_role_has_permissions_and_only_admin_manages_users() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert [r for r, perms in ROLE_PERMISSIONS.items() if Permission.USERS_MANAGE in perms] == [Role.ADMIN]


def test_templates_use_only_catalogued_keys() -> None:
    used: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r't\("([a-z_.]+)"\)', path.read_text(encoding="utf-8")))
    used |= {f"jobs.{s}" for s in ("queued", "running", "succeeded", "failed")}  # built as "jobs." + status
    assert used, "no keys found: the pattern is wrong"
    assert not sorted(used - set(MESSAGES))


def test_catalog_has_both_languages() -> None:
    for key, (zh, en) in MESSAGES.items():
        assert zh and en, key
        assert translate(key, "en") == en and translate(key, "zh") == zh
    assert translate("no.such.key", "zh") == "no.such.key"
