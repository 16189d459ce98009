"""Names come from frequency pools; typos are homophones (王晓明 → 王小明), never the same name."""

from __future__ import annotations

import numpy as np
from pypinyin import Style, lazy_pinyin

from medaid.synth.namepool import homophone_typo, homophones, sample_names


def test_sampled_names_are_two_to_four_chinese_characters() -> None:
    rng = np.random.default_rng(1)
    names = sample_names(rng, np.array(["M", "F"] * 500, dtype=object))
    assert all(2 <= len(n) <= 4 for n in names)
    assert all("\u4e00" <= ch <= "\u9fff" for n in names for ch in n)
    # common surnames dominate, as in the population
    assert sum(n[0] in "王李张刘" for n in names) > 200


def test_homophone_typo_keeps_pinyin_and_changes_the_name() -> None:
    rng = np.random.default_rng(2)
    assert homophones()["晓"]  # 小, 筱
    typo = homophone_typo("王晓明", rng)
    assert typo != "王晓明" and typo[0] == "王"
    assert lazy_pinyin(typo, style=Style.TONE3) == lazy_pinyin("王晓明", style=Style.TONE3)


def test_typo_falls_back_when_no_homophone_exists() -> None:
    rng = np.random.default_rng(3)
    for name in ["李磊", "欧阳娜", "赵"]:
        assert homophone_typo(name, rng) != name
