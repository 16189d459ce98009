"""Rules-only need assessment of households (规则识别), DESIGN.md §6 and seed 000.

A household is in need when it passes the asset test and its adjusted income per head (explicit +
inferred income − rigid medical spending) is below the dibao standard, or below 1.5× the standard
with a severe patient (high-cost disease, level 1–2 disability, or a health risk score at the
threshold). A catastrophic medical burden (≥ 30% of income, income < 3× the standard) or a high
risk score alone puts the household on the monitor list (tier low). Rigid inclusion (一户多残; a rare disease with annual
OOP above 50,000) bypasses the income and asset tests and says so in the reasons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medaid.identify.thresholds import Thresholds


def _yuan(fen: float) -> str:
    return f"{fen / 100:,.0f}"


def assess(hh: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """Adds rules_in_need, rigid, rule_basis, tier and reasons (plain Chinese) to household features."""
    n, ri, rs = th.need, th.rigid_inclusion, th.risk_score
    std = th.dibao_standard_yuan * 100
    adj = hh["adjusted_per_head_fen"]
    ok_assets = ~hh["asset_fail"]
    multi_disabled = hh["disabled"] >= ri.multi_disabled_members
    rare = hh["rare_oop_fen"] > ri.rare_disease_annual_oop_yuan * 100
    below_dibao = ok_assets & (adj < n.dibao_multiple * std)
    high_risk = hh["risk_score"] >= rs.threshold
    ill = (hh["severe_disabled"] > 0) | hh["has_cancer"] | hh["has_esrd"] | hh["has_rare"] | high_risk
    below_edge = ok_assets & (adj < n.edge_multiple * std) & ~below_dibao & ill
    catastrophic = (ok_assets & (hh["income_per_head_fen"] < n.catastrophic_multiple * std)
                    & (hh["oop_share"] >= n.catastrophic_burden_share))

    out = hh.copy()
    out["rigid"] = multi_disabled | rare
    out["rules_in_need"] = out["rigid"] | below_dibao | below_edge
    severe = (hh["severe_disabled"] > 0) | hh["has_cancer"] | hh["has_esrd"] | hh["has_rare"]
    # "severe" makes any household found in need (by rules or model) tier high
    out["severe"] = out["rigid"] | (hh["oop_share"] > th.warnings.high_share) | severe
    high = out["rules_in_need"] & out["severe"]
    monitor = high_risk | catastrophic
    out["tier"] = np.select([high, out["rules_in_need"], monitor], ["high", "medium", "low"], default="")

    reasons: list[list[str]] = [[] for _ in range(len(out))]

    def add(mask: pd.Series, fmt: str, *cols: str) -> None:
        idx = np.flatnonzero(mask.to_numpy())
        values = [out[c].to_numpy() for c in cols]
        for i in idx:
            reasons[i].append(fmt.format(*(v[i] for v in values)))

    out["std"] = std
    add(multi_disabled, "刚性纳入：一户多残（{0} 名残疾成员），不看收入", "disabled")
    out["rare_yuan"] = hh["rare_oop_fen"].map(_yuan)
    add(rare, "刚性纳入：罕见病年自付 {0} 元超过 5 万元，不看收入", "rare_yuan")
    out["adj_yuan"] = adj.map(_yuan)
    add(below_dibao, "扣除刚性医疗支出后人均收入 {0} 元，低于低保标准", "adj_yuan")
    add(below_edge, "扣除刚性医疗支出后人均收入 {0} 元，低于低保标准 1.5 倍且有重病或重度残疾（低收入）", "adj_yuan")
    out["share_pct"] = (hh["oop_share"].clip(upper=9.99) * 100).round().astype(int)
    add(catastrophic & ~out["rules_in_need"], "医疗支出占家庭收入 {0}%，因病致贫风险，纳入监测", "share_pct")
    add(high_risk, "健康风险分 {0} 达到阈值", "risk_score")
    add(hh["asset_fail"] & ~out["rigid"], "资产核查未通过（房产、车辆、存款或经营资产超标）")
    out["reasons"] = ["；".join(r) for r in reasons]
    return out.drop(columns=["std", "rare_yuan", "adj_yuan", "share_pct"])
