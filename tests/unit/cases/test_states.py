"""The guarded state machine: explicit cases and Hypothesis walks over random action sequences."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medaid.cases.states import (
    DECIDABLE,
    CaseStatus,
    ShareAction,
    ShareStatus,
    case_status_after_decision,
    next_share_status,
)
from medaid.errors import StateError


def test_return_and_deny_need_a_reason() -> None:
    for action in (ShareAction.RETURN, ShareAction.DENY):
        with pytest.raises(StateError):
            next_share_status(CaseStatus.APPROVING, ShareStatus.PENDING, action, reason=" ")
    assert next_share_status(CaseStatus.APPROVING, ShareStatus.PENDING, ShareAction.RETURN,
                             reason="缺资料") is ShareStatus.RETURNED


@pytest.mark.parametrize("case", [CaseStatus.APPROVED, CaseStatus.PAYING, CaseStatus.PAID, CaseStatus.DENIED,
                                  CaseStatus.CANCELLED])
def test_no_decision_once_approval_is_complete_or_payout_started(case: CaseStatus) -> None:
    for share in ShareStatus:
        for action in ShareAction:
            with pytest.raises(StateError):
                next_share_status(case, share, action, reason="r")


def test_case_status_from_shares() -> None:
    P, A, R, D = ShareStatus.PENDING, ShareStatus.APPROVED, ShareStatus.RETURNED, ShareStatus.DENIED
    assert case_status_after_decision([A, P]) is CaseStatus.APPROVING
    assert case_status_after_decision([A, R]) is CaseStatus.RETURNED
    assert case_status_after_decision([A, D]) is CaseStatus.APPROVED
    assert case_status_after_decision([D, D]) is CaseStatus.DENIED


@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(list(ShareAction))), max_size=30))
def test_random_walks_never_approve_with_an_undecided_share(moves: list[tuple[int, ShareAction]]) -> None:
    shares = [ShareStatus.PENDING] * 3
    case = CaseStatus.APPROVING
    for i, action in moves:
        try:
            shares[i] = next_share_status(case, shares[i], action, reason="why")
        except StateError:
            assert case not in DECIDABLE or (shares[i], action) not in {
                (ShareStatus.PENDING, ShareAction.APPROVE), (ShareStatus.PENDING, ShareAction.RETURN),
                (ShareStatus.PENDING, ShareAction.DENY), (ShareStatus.RETURNED, ShareAction.RESUBMIT)}
            continue
        case = case_status_after_decision(shares)
        if case is CaseStatus.APPROVED:
            assert all(s in (ShareStatus.APPROVED, ShareStatus.DENIED) for s in shares)
            assert ShareStatus.APPROVED in shares
        if case not in DECIDABLE:
            break  # approval complete: the next move must be refused
    if case not in DECIDABLE:
        with pytest.raises(StateError):
            next_share_status(case, shares[0], ShareAction.APPROVE, reason="late")
