"""Roles, departments and what each role may do (RBAC). Scope (township, department) is separate:
the permission says *what kind* of thing a role may touch, the scope says *which ones*.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"              # 系统管理员: users, everything
    CLERK = "clerk"              # 医保局经办: loads, reconciliation, cases, payouts
    TOWNSHIP = "township"        # 乡镇医保所/民政办: own township only
    APPROVER = "approver"        # 部门审批: own department's share of a case
    SUPERVISOR = "supervisor"    # 纪委监委: read-only everything
    ANALYST = "analyst"          # 分析/局长: aggregates only, no personal data


class Department(enum.StrEnum):
    CIVIL_AFFAIRS = "civil_affairs"                  # 民政
    DISABILITY = "disability"                        # 残联
    VETERANS = "veterans"                            # 退役军人
    UNION = "union"                                  # 工会
    MEDICAL_SECURITY = "medical_security"            # 医保
    RURAL_REVITALISATION = "rural_revitalisation"    # 乡村振兴
    HEALTH = "health"                                # 卫健


class Permission(enum.StrEnum):
    DASHBOARD = "dashboard:read"     # aggregate counts and charts
    LOADS_READ = "loads:read"
    LOADS_WRITE = "loads:write"      # upload files, start load jobs
    JOBS_READ = "jobs:read"
    PEOPLE_READ = "people:read"      # personal data (masked IDs), scoped by township
    AUDIT_READ = "audit:read"
    USERS_MANAGE = "users:manage"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.CLERK: frozenset({P.DASHBOARD, P.LOADS_READ, P.LOADS_WRITE, P.JOBS_READ, P.PEOPLE_READ}),
    Role.TOWNSHIP: frozenset({P.DASHBOARD, P.PEOPLE_READ}),
    Role.APPROVER: frozenset({P.DASHBOARD}),
    Role.SUPERVISOR: frozenset({P.DASHBOARD, P.LOADS_READ, P.JOBS_READ, P.PEOPLE_READ, P.AUDIT_READ}),
    Role.ANALYST: frozenset({P.DASHBOARD, P.LOADS_READ}),
}
"""Read-only roles (supervisor, analyst) never get a ``*:write`` permission; a test checks this."""

ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.ADMIN: ("系统管理员", "administrator"),
    Role.CLERK: ("医保局经办", "bureau clerk"),
    Role.TOWNSHIP: ("乡镇经办", "township staff"),
    Role.APPROVER: ("部门审批", "department approver"),
    Role.SUPERVISOR: ("纪检监督", "supervisor"),
    Role.ANALYST: ("分析人员", "analyst"),
}

TOKEN_SCOPES = frozenset(p.value for p in Permission)
"""API token scopes are permission names; a token can only narrow its user's role."""
