"""Notice texts: amounts per program with rules; a denial always gives a reason and other help."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from medaid.cases.notices import OTHER_HELP, NoticeLine, denial_reasons, render_denial, render_grant


def test_grant_lists_each_program_amount_rule_and_denied_program_reason() -> None:
    lines = [NoticeLine("assistance", "医疗救助", 549010, "assistance.all.dibao_orphan", "approved"),
             NoticeLine("temp_aid", "临时救助", 100000, "temp_aid.all.base", "denied", "本年度已享受")]
    sms, letter = render_grant("张三", "C1", "2026-03-10", lines, "2026-03-25")
    assert "医疗救助5,490.10元" in sms and "合计5,490.10元" in sms
    assert "assistance.all.dibao_orphan" in letter and "倾斜政策" in letter
    assert "临时救助：不予救助。理由：本年度已享受" in letter and OTHER_HELP in letter


@given(st.lists(st.text(min_size=0, max_size=20), max_size=3), st.text(min_size=1, max_size=8))
def test_a_denial_always_says_why_and_what_else_may_help(reasons: list[str], name: str) -> None:
    sms, letter = render_denial(name, "C9", reasons)
    assert "原因：" in sms and "理由：" in letter
    assert OTHER_HELP in sms and OTHER_HELP in letter
    assert "临时救助" in letter and "慈善" in letter


def test_denial_reasons_from_the_trace() -> None:
    layers = [{"layer": "assistance", "name": "医疗救助", "rule": "assistance.not_eligible", "paid_fen": 0},
              {"layer": "reassist", "name": "再救助", "rule": "reassist.inpatient.base", "paid_fen": 0}]
    assert denial_reasons(layers, "")[0].startswith("结算日不在")
    assert any("起付线" in r for r in denial_reasons(layers, "dibao"))
