"""Chinese names (姓名) sampled from frequency pools, and realistic name typos.

Faker zh_CN costs ~20 µs per name and has flat surname frequencies; instead surnames are drawn
with approximate national frequencies (公安部《2020年全国姓名报告》 order and shares, rounded),
nudged for Jining (孔, 颜, 孟 are common around Qufu/Wenshang). Given names are one or two
characters from sex-leaning pools. Typos replace a given-name character by a homophone (same
pinyin with tone, via pypinyin) — the way a clerk mishears 王晓明 as 王小明.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.4), ("李", 7.0), ("张", 7.0), ("刘", 5.4), ("陈", 4.0), ("杨", 3.2), ("黄", 1.6),
    ("赵", 2.4), ("吴", 1.8), ("周", 1.9), ("徐", 1.8), ("孙", 2.0), ("马", 1.6), ("朱", 1.5),
    ("胡", 1.3), ("郭", 1.5), ("何", 1.0), ("林", 1.0), ("高", 1.4), ("罗", 0.8), ("郑", 1.0),
    ("梁", 1.0), ("谢", 0.8), ("宋", 1.0), ("唐", 0.8), ("许", 0.8), ("韩", 0.9), ("冯", 0.8),
    ("邓", 0.6), ("曹", 0.8), ("彭", 0.6), ("曾", 0.4), ("肖", 0.6), ("田", 0.8), ("董", 0.8),
    ("袁", 0.6), ("潘", 0.5), ("于", 0.8), ("蒋", 0.5), ("蔡", 0.5), ("余", 0.4), ("杜", 0.6),
    ("叶", 0.4), ("程", 0.5), ("苏", 0.5), ("魏", 0.6), ("吕", 0.6), ("丁", 0.5), ("任", 0.5),
    ("沈", 0.4), ("姚", 0.4), ("卢", 0.4), ("姜", 0.6), ("崔", 0.5), ("钟", 0.3), ("谭", 0.3),
    ("陆", 0.3), ("汪", 0.3), ("范", 0.4), ("金", 0.3), ("石", 0.4), ("廖", 0.2), ("贾", 0.4),
    ("夏", 0.3), ("付", 0.3), ("方", 0.3), ("白", 0.3), ("邹", 0.2), ("孟", 0.5), ("熊", 0.2),
    ("秦", 0.3), ("邱", 0.2), ("江", 0.2), ("尹", 0.2), ("薛", 0.2), ("闫", 0.3), ("段", 0.2),
    ("雷", 0.2), ("侯", 0.3), ("龙", 0.1), ("史", 0.2), ("孔", 0.6), ("颜", 0.2), ("欧阳", 0.03),
    ("司马", 0.01), ("诸葛", 0.01),
)

MALE_CHARS = (
    "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林东建国峰海亮成志文庆永胜"
    "晓小子家立新振德洪兵红春秋金山松长福贵广运发树学义德玉保"
)
FEMALE_CHARS = (
    "芳娜敏静丽艳娟霞秀英玲桂兰燕萍红梅琳婷雪慧莉倩颖佳欣怡悦晶妍蕾丹玉凤洁华晓小美"
    "云荣翠珍香春月菊芬爱彩秋青素"
)
# Characters that appear in names but are rarer; they give homophones somewhere to go.
HOMOPHONE_EXTRAS = (
    "筱铭鸣玮炜靖鸿宏铃苓桦君钧捷钢苹锋枫剑滔晖朋昕馨宜仪月越莹盈钰雨语亭庭惠会茜嘉玫媚"
    "彦雁瑛岚蓝奉侠鹃舫雯闻智治涌冬靓诚城程心力利蔷垒博彬滨皓昊楷骏峻绪序凝隆霖得"
)


def _weights(pairs: tuple[tuple[str, float], ...]) -> tuple[list[str], np.ndarray]:
    names = [s for s, _ in pairs]
    w = np.array([x for _, x in pairs], dtype=np.float64)
    return names, w / w.sum()


def sample_names(rng: np.random.Generator, sexes: np.ndarray) -> np.ndarray:
    """One name per person; ``sexes`` holds 'M'/'F'. Returns an object array of str."""
    n = len(sexes)
    surnames, sw = _weights(SURNAMES)
    sur = np.array(surnames, dtype=object)[rng.choice(len(surnames), size=n, p=sw)]
    male = np.array(list(MALE_CHARS), dtype=object)
    female = np.array(list(FEMALE_CHARS), dtype=object)
    is_m = sexes == "M"
    # 20% of characters come from the other pool: many characters are used for both sexes.
    own_pool = rng.random((n, 2)) >= 0.2
    use_male = np.where(own_pool, is_m[:, None], ~is_m[:, None])
    c_m = male[rng.integers(0, len(male), size=(n, 2))]
    c_f = female[rng.integers(0, len(female), size=(n, 2))]
    chars = np.where(use_male, c_m, c_f)
    two = rng.random(n) < 0.72
    given = np.where(two, chars[:, 0] + chars[:, 1], chars[:, 0])
    return np.asarray(sur + given, dtype=object)


@lru_cache(maxsize=1)
def homophones() -> dict[str, tuple[str, ...]]:
    """Character → other name characters with the same pinyin and tone (pypinyin TONE3)."""
    from pypinyin import Style, lazy_pinyin

    chars = sorted(set(MALE_CHARS + FEMALE_CHARS + HOMOPHONE_EXTRAS))
    by_sound: dict[str, list[str]] = {}
    for ch in chars:
        by_sound.setdefault(lazy_pinyin(ch, style=Style.TONE3)[0], []).append(ch)
    return {
        ch: tuple(o for o in group if o != ch)
        for group in by_sound.values()
        for ch in group
        if len(group) > 1
    }


def surname_length(name: str) -> int:
    return 2 if len(name) >= 3 and name[:2] in {s for s, _ in SURNAMES if len(s) == 2} else 1


def homophone_typo(name: str, rng: np.random.Generator) -> str:
    """The same name with one given-name character replaced by a homophone (晓明 → 小明).

    Falls back to another character of the pools when no given-name character has a homophone,
    so the result always differs from ``name``.
    """
    table = homophones()
    start = surname_length(name)
    positions = [i for i in range(start, len(name)) if name[i] in table]
    if positions:
        i = positions[int(rng.integers(0, len(positions)))]
        options = table[name[i]]
        return name[:i] + options[int(rng.integers(0, len(options)))] + name[i + 1 :]
    pool = MALE_CHARS + FEMALE_CHARS
    i = len(name) - 1
    while True:
        ch = pool[int(rng.integers(0, len(pool)))]
        if ch != name[i]:
            return name[:i] + ch
