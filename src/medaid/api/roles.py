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
    ID_REVEAL = "id:reveal"                # show a full ID number (reason required, audit-logged)
    RECONCILE_READ = "reconcile:read"      # work lists and problem history, scoped by township
    RECONCILE_WRITE = "reconcile:write"    # run rounds, upload township feedback
    IDENTIFY_READ = "identify:read"        # candidates, explanations, warnings, due lists
    IDENTIFY_WRITE = "identify:write"      # act on warnings and tasks (scoped by township)
    IDENTIFY_RUN = "identify:run"          # start a county-wide identification round (background job)
    CASES_READ = "cases:read"              # case inbox, plans, history
    CASES_WRITE = "cases:write"            # open cases, manage batches and notices
    CASES_APPROVE = "cases:approve"        # decide one department's share (scoped by department)
    PAYOUTS_READ = "payouts:read"
    PAYOUTS_WRITE = "payouts:write"        # create/run batches, bank file export and result import
    SUPERVISE_READ = "supervise:read"      # 受而不办/缓办/少救漏救/人情救助, indicators, funds
    POLICY_READ = "policy:read"            # policy viewer
    POLICY_SIMULATE = "policy:simulate"    # what-if on this year's claims (batch engine)
    QUOTE = "claims:quote"                 # one-stop settlement quote (hospital machine clients)


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.CLERK: frozenset({
        P.DASHBOARD, P.LOADS_READ, P.LOADS_WRITE, P.JOBS_READ, P.PEOPLE_READ, P.ID_REVEAL,
        P.RECONCILE_READ, P.RECONCILE_WRITE, P.IDENTIFY_READ, P.IDENTIFY_WRITE, P.IDENTIFY_RUN,
        P.CASES_READ, P.CASES_WRITE, P.PAYOUTS_READ, P.PAYOUTS_WRITE, P.POLICY_READ, P.POLICY_SIMULATE, P.QUOTE,
    }),
    Role.TOWNSHIP: frozenset({
        P.DASHBOARD, P.PEOPLE_READ, P.RECONCILE_READ, P.RECONCILE_WRITE, P.IDENTIFY_READ,
        P.IDENTIFY_WRITE, P.CASES_READ,
    }),
    Role.APPROVER: frozenset({P.DASHBOARD, P.CASES_READ, P.CASES_APPROVE, P.POLICY_READ}),
    Role.SUPERVISOR: frozenset({
        P.DASHBOARD, P.LOADS_READ, P.JOBS_READ, P.PEOPLE_READ, P.AUDIT_READ, P.RECONCILE_READ,
        P.IDENTIFY_READ, P.CASES_READ, P.PAYOUTS_READ, P.SUPERVISE_READ, P.POLICY_READ,
    }),
    Role.ANALYST: frozenset({P.DASHBOARD, P.LOADS_READ, P.POLICY_READ, P.POLICY_SIMULATE}),
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
