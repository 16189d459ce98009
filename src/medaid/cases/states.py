"""The guarded state machine of a 免申即享 case and of each department's share (并联审批).

Pure rules, no I/O: the service layer asks these functions whether a move is allowed and what the
case status becomes, inside the transaction that makes the move. A share is decided by its own
department; the case follows from all shares and from its payout lines:

    share:  pending ──approve──▶ approved          case: approving ─(all decided)─▶ approved
               │  └──deny────▶ denied                     returned (any share returned)
               └──return──▶ returned ──resubmit──▶ pending         approved ─issue─▶ paying ─bank─▶ paid
                                                                   denied (every share denied)
                                                                   cancelled (claim reversed before payout)

No approval after payout starts (a case in paying/paid/cancelled refuses decisions), no payout
before every share is decided (only ``approved`` and ``paying`` cases are queued for payment).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from medaid.errors import StateError


class CaseStatus(StrEnum):
    APPROVING = "approving"  # 审批中
    RETURNED = "returned"  # 退回补正
    APPROVED = "approved"  # 已审批，待支付
    PAYING = "paying"  # 支付中（已出账）
    PAID = "paid"  # 已支付
    DENIED = "denied"  # 不予救助
    CANCELLED = "cancelled"  # 结算单被冲销


class ShareStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    DENIED = "denied"


class ShareAction(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    DENY = "deny"
    RESUBMIT = "resubmit"


DECIDABLE: frozenset[CaseStatus] = frozenset({CaseStatus.APPROVING, CaseStatus.RETURNED})
"""Case statuses in which a department may still act on its share."""

PAYABLE: frozenset[CaseStatus] = frozenset({CaseStatus.APPROVED, CaseStatus.PAYING})
"""Case statuses whose approved lines may be queued for payout."""

_MOVES: dict[tuple[ShareStatus, ShareAction], ShareStatus] = {
    (ShareStatus.PENDING, ShareAction.APPROVE): ShareStatus.APPROVED,
    (ShareStatus.PENDING, ShareAction.RETURN): ShareStatus.RETURNED,
    (ShareStatus.PENDING, ShareAction.DENY): ShareStatus.DENIED,
    (ShareStatus.RETURNED, ShareAction.RESUBMIT): ShareStatus.PENDING,
}

_CASE_ZH = {
    CaseStatus.APPROVING: "审批中", CaseStatus.RETURNED: "退回补正", CaseStatus.APPROVED: "已审批待支付",
    CaseStatus.PAYING: "支付中", CaseStatus.PAID: "已支付", CaseStatus.DENIED: "不予救助",
    CaseStatus.CANCELLED: "已撤销",
}


def case_zh(status: str) -> str:
    return _CASE_ZH.get(CaseStatus(status), status)


def next_share_status(case: CaseStatus, share: ShareStatus, action: ShareAction, *, reason: str | None) -> ShareStatus:
    """The share's new status, or ``StateError`` saying why the move is refused."""
    if case not in DECIDABLE:
        raise StateError(
            f"case is {case.value}: no {action.value} after approval is complete or payout has started",
            f"案件状态为“{case_zh(case)}”，审批已结束或已进入支付，不能再{action.value}",
        )
    if action in (ShareAction.RETURN, ShareAction.DENY) and not (reason and reason.strip()):
        raise StateError(f"{action.value} needs a reason (who/when/why is audited)", "退回或不予救助必须填写理由")
    new = _MOVES.get((share, action))
    if new is None:
        raise StateError(
            f"share is {share.value}: {action.value} is not allowed (allowed: "
            f"{', '.join(a.value for (s, a) in _MOVES if s == share) or 'none'})",
            f"该部门份额状态为 {share.value}，不能执行 {action.value}",
        )
    return new


def case_status_after_decision(shares: Iterable[ShareStatus]) -> CaseStatus:
    """The case status implied by its shares while no line has been issued."""
    states = list(shares)
    if any(s is ShareStatus.RETURNED for s in states):
        return CaseStatus.RETURNED
    if any(s is ShareStatus.PENDING for s in states):
        return CaseStatus.APPROVING
    if states and all(s is ShareStatus.DENIED for s in states):
        return CaseStatus.DENIED
    return CaseStatus.APPROVED
