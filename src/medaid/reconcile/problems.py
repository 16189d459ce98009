"""Reconciliation problem codes (参保核查问题类型), DESIGN.md §4, with the clerk-facing label and action.

The code is what files and the database carry; the label and action are what a township clerk reads
in a work list. Actions quote the rule of seed 002 (Wenshang) where there is one.
"""

from __future__ import annotations

import enum


class Problem(enum.StrEnum):
    NOT_ENROLLED = "not_enrolled"
    DECEASED = "deceased"
    ENROLLED_ELSEWHERE = "enrolled_elsewhere"
    EMPLOYEE_SCHEME = "employee_scheme"
    PREMIUM_CHARGED = "premium_charged"
    WAIVER_MISSING = "waiver_missing"
    WAIVER_WITHOUT_BASIS = "waiver_without_basis"
    IDENTITY_MISMATCH = "identity_mismatch"
    LOST_CONTACT = "lost_contact"
    DELISTED_KEEP_WAIVER = "delisted_keep_waiver"

    @property
    def zh(self) -> str:
        return LABELS_ZH[self]


LABELS_ZH: dict[Problem, str] = {
    Problem.NOT_ENROLLED: "救助对象未参保",
    Problem.DECEASED: "已死亡仍参保或在册",
    Problem.ENROLLED_ELSEWHERE: "在县外参保",
    Problem.EMPLOYEE_SCHEME: "已参加职工医保",
    Problem.PREMIUM_CHARGED: "应资助参保却个人缴费",
    Problem.WAIVER_MISSING: "救助对象未标记资助参保",
    Problem.WAIVER_WITHOUT_BASIS: "无救助身份却资助参保",
    Problem.IDENTITY_MISMATCH: "身份信息不一致",
    Problem.LOST_CONTACT: "失联人员",
    Problem.DELISTED_KEEP_WAIVER: "年内退出救助名单",
}

ACTIONS: dict[Problem, str] = {
    Problem.NOT_ENROLLED: "动员参保并由医疗救助资助个人缴费 / enrol now with the premium paid by assistance",
    Problem.DECEASED: "自死亡当月起停保并移出名单，核查死亡后结算 / stop enrolment from the death month, "
                      "remove from rosters, check claims settled after death",
    Problem.ENROLLED_ELSEWHERE: "核实县外参保情况，避免重复参保；资助由参保地落实 / confirm the insurance "
                                "elsewhere; the premium subsidy follows the insuring region",
    Problem.EMPLOYEE_SCHEME: "保留职工医保，不重复资助居民保费；救助待遇照常 / keep employee insurance, "
                             "no resident premium subsidy; assistance still applies",
    Problem.PREMIUM_CHARGED: "退还个人已缴保费 / refund the premium the person paid",
    Problem.WAIVER_MISSING: "补录资助参保标识并由救助资金代缴 / mark the premium as waived and pay it from assistance",
    Problem.WAIVER_WITHOUT_BASIS: "核实救助身份；无依据则取消资助、按规定缴费 / verify the category; "
                                  "without one cancel the waiver and collect the premium",
    Problem.IDENTITY_MISMATCH: "核对身份证号与姓名，以户籍信息为准更正来源数据 / check ID number and name "
                               "against the household register and correct the source file",
    Problem.LOST_CONTACT: "入户核实并补充地址、电话 / visit the home and record address and phone",
    Problem.DELISTED_KEEP_WAIVER: "本年度资助参保保留至12月31日，次年起按规定缴费 / keep the waiver until "
                                  "31 Dec; the person pays from next year",
}


def action_for(problem: Problem) -> str:
    """The standard action text of a problem code (what the work list tells the clerk to do)."""
    return ACTIONS[problem]
