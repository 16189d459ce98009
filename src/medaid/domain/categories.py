"""Assisted-person categories (救助对象类别), DESIGN.md §4. A person may hold several."""

from __future__ import annotations

import enum


class Category(enum.StrEnum):
    TEKUN = "tekun"
    DIBAO = "dibao"
    DIBAO_EDGE = "dibao_edge"
    MONITORED = "monitored"
    LIFTED = "lifted"
    CATASTROPHIC = "catastrophic"
    ORPHAN = "orphan"
    SEVERE_DISABILITY = "severe_disability"
    VETERAN_PRIORITY = "veteran_priority"
    HARDSHIP_WORKER = "hardship_worker"

    @property
    def zh(self) -> str:
        return LABELS_ZH[self]


LABELS_ZH: dict[Category, str] = {
    Category.TEKUN: "特困供养人员",
    Category.DIBAO: "低保对象",
    Category.DIBAO_EDGE: "低保边缘/低收入人口",
    Category.MONITORED: "防止返贫监测对象",
    Category.LIFTED: "脱贫人口",
    Category.CATASTROPHIC: "因病致贫重病患者",
    Category.ORPHAN: "孤儿/事实无人抚养儿童",
    Category.SEVERE_DISABILITY: "重度残疾人",
    Category.VETERAN_PRIORITY: "重点优抚对象",
    Category.HARDSHIP_WORKER: "困难职工",
}

CODES: frozenset[str] = frozenset(c.value for c in Category)
