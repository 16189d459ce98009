"""Data faults injected at ``fault_rate``, each recorded so that loaders and reconciliation can be scored.

Per file, ``round(fault_rate × rows)`` rows get exactly one fault, split over the kinds that can
occur in that file by the weights below (what seed 002 reports and what county IT sees most).
Faults that *add* rows (duplicate people, duplicate claim ids) append them at the end of the file,
as a later export batch would; the first occurrence is the original, so "first row wins" keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from medaid.synth import geography as geo
from medaid.synth.ids import make_ids, wrong_check_char
from medaid.synth.namepool import homophone_typo

PLAN: dict[str, tuple[tuple[str, int], ...]] = {
    "persons": (("bad_check_digit", 3), ("missing_required", 2), ("bad_date", 1), ("bad_code", 1),
                ("duplicate_person", 3)),
    "deaths": (("bad_check_digit", 2), ("bad_date", 1), ("missing_required", 1)),
    "roster": (("bad_check_digit", 2), ("swapped_names", 1), ("name_typo", 3), ("missing_required", 1),
               ("bad_date", 1), ("bad_code", 1), ("dead_on_roster", 2)),
    "enrolment": (("bad_check_digit", 2), ("name_typo", 2), ("dead_still_enrolled", 1), ("enrolled_outside", 1),
                  ("premium_charged", 1), ("waiver_missing", 1), ("waiver_without_basis", 1),
                  ("assisted_not_enrolled", 1), ("missing_required", 1), ("negative_amount", 1), ("bad_code", 1)),
    "claims": (("bad_check_digit", 2), ("name_typo", 3), ("missing_required", 2), ("bad_date", 2),
               ("negative_amount", 1), ("in_scope_exceeds_total", 1), ("too_many_decimals", 1),
               ("duplicate_claim_id", 1)),
    "income": (("bad_check_digit", 1), ("negative_amount", 1), ("bad_date", 1), ("bad_code", 1)),
    "assets": (("bad_check_digit", 1), ("negative_amount", 1), ("bad_code", 1)),
    "disability": (("bad_check_digit", 1), ("bad_code", 1)),
    "chronic_certs": (("bad_check_digit", 1), ("bad_date", 1), ("missing_required", 1)),
    "employment": (("bad_check_digit", 1), ("bad_date", 1), ("bad_code", 1)),
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "persons": ("name", "sex", "birth_date", "household_id", "township_code"),
    "deaths": ("name", "death_date"),
    "roster": ("name", "category", "valid_from"),
    "enrolment": ("scheme", "status", "premium_waived", "region_code"),
    "claims": ("diagnosis_code", "settle_date", "hospital_code", "total_yuan"),
    "chronic_certs": ("disease_code", "valid_from"),
}
DATE_FIELDS: dict[str, tuple[str, ...]] = {
    "persons": ("birth_date",), "deaths": ("death_date",), "roster": ("valid_from",),
    "claims": ("settle_date", "admit_date"), "income": ("period_from", "period_to"),
    "chronic_certs": ("valid_from",), "employment": ("since",),
}
BAD_CODES: dict[str, tuple[str, tuple[str, ...]]] = {
    "persons": ("sex", ("1", "2", "U", "未知")),  # 男/女 are tolerated by the loader: not a fault
    "roster": ("category", ("低保", "特困人员", "dibao2", "poor")),
    "enrolment": ("scheme", ("城乡居民", "职工", "rural")),
    "income": ("kind", ("工资", "salary", "养老金")),
    "assets": ("kind", ("房产", "car", "存款")),
    "disability": ("level", ("5", "0", "一级", "二级")),
    "employment": ("status", ("在岗", "失业", "retired")),
}
AMOUNT_FIELDS: dict[str, tuple[str, ...]] = {
    "enrolment": ("paid_by_self_yuan",), "claims": ("total_yuan", "in_scope_yuan"), "income": ("yuan",),
    "assets": ("value_yuan",),
}


@dataclass(slots=True)
class Fault:
    file: str
    rid: int
    field: str
    id_number: str
    fault: str
    detail: str


@dataclass(slots=True)
class Duplicate:
    file: str
    rid_a: int
    rid_b: int
    person: int
    kind: str


@dataclass
class Injector:
    rng: np.random.Generator
    tables: dict[str, pd.DataFrame]
    assisted: np.ndarray  # bool per true person: on any roster during the year
    dead: np.ndarray  # bool per true person
    year: int
    faults: list[Fault] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    used: dict[str, set[int]] = field(default_factory=dict)

    def run(self, rate: float) -> None:
        if rate <= 0:
            return
        for kind, plan in PLAN.items():
            counts = _split(round(rate * len(self.tables[kind])), plan)
            for fault, k in counts:
                if k:
                    getattr(self, f"_{fault}")(kind, k)

    # -- choosing rows ------------------------------------------------------------------------
    def _pick(self, kind: str, k: int, mask: np.ndarray | None = None) -> np.ndarray:
        df = self.tables[kind]
        used = self.used.setdefault(kind, set())
        ok = ~df["_rid"].isin(used).to_numpy()
        if mask is not None:
            ok &= mask
        cand = df.index.to_numpy()[ok]
        if len(cand) == 0:
            return np.asarray(cand)
        chosen = np.sort(self.rng.choice(cand, size=min(k, len(cand)), replace=False))
        used.update(int(x) for x in df.loc[chosen, "_rid"])
        return chosen

    def _record(self, kind: str, idx: np.ndarray, fld: str, fault: str, details: list[str] | str) -> None:
        df = self.tables[kind]
        ids = df.loc[idx, "id_number"].tolist()
        rids = df.loc[idx, "_rid"].tolist()
        texts = details if isinstance(details, list) else [details] * len(idx)
        self.faults += [Fault(kind, int(r), fld, i, fault, t) for r, i, t in zip(rids, ids, texts, strict=True)]

    def _persons_mask(self, kind: str, flags: np.ndarray) -> np.ndarray:
        p = self.tables[kind]["_p"].to_numpy()
        return np.asarray(flags[np.maximum(p, 0)] & (p >= 0), dtype=bool)

    # -- fault kinds --------------------------------------------------------------------------
    def _bad_check_digit(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, k)
        old = df.loc[idx, "id_number"].tolist()
        df.loc[idx, "id_number"] = [wrong_check_char(v) for v in old]
        self._record(kind, idx, "id_number", "bad_check_digit", [f"check digit {v[-1]} changed" for v in old])

    def _name_typo(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, k)
        old = df.loc[idx, "name"].tolist()
        new = [homophone_typo(v, self.rng) for v in old]
        df.loc[idx, "name"] = new
        self._record(kind, idx, "name", "name_typo", [f"{a}→{b} (homophone)" for a, b in zip(old, new, strict=True)])

    def _swapped_names(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, 2 * max(1, k // 2))
        idx = idx[: len(idx) // 2 * 2]
        a, b = idx[0::2], idx[1::2]
        na, nb = df.loc[a, "name"].to_numpy(), df.loc[b, "name"].to_numpy()
        df.loc[a, "name"], df.loc[b, "name"] = nb, na
        ida, idb = df.loc[a, "id_number"].tolist(), df.loc[b, "id_number"].tolist()
        self._record(kind, a, "name", "swapped_names", [f"name swapped with {i}" for i in idb])
        self._record(kind, b, "name", "swapped_names", [f"name swapped with {i}" for i in ida])

    def _missing_required(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, k)
        fields = REQUIRED[kind]
        which = self.rng.integers(0, len(fields), len(idx))
        for j, fld in enumerate(fields):
            sel = idx[which == j]
            df.loc[sel, fld] = ""
            self._record(kind, sel, fld, "missing_required", f"{fld} left empty")

    def _bad_date(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        fields = DATE_FIELDS[kind]
        fld = fields[0]
        idx = self._pick(kind, k, (df[fld] != "").to_numpy())
        if len(fields) > 1:  # split between the date fields that are filled in
            fld2 = fields[1]
            second = (self.rng.random(len(idx)) < 0.3) & (df.loc[idx, fld2] != "").to_numpy()
            self._bad_date_at(kind, idx[second], fld2)
            idx = idx[~second]
        self._bad_date_at(kind, idx, fld)

    def _bad_date_at(self, kind: str, idx: np.ndarray, fld: str) -> None:
        df = self.tables[kind]
        old = df.loc[idx, fld].tolist()
        style = self.rng.integers(0, 4, len(idx))
        new = [_mangle_date(v, int(s)) for v, s in zip(old, style, strict=True)]
        df.loc[idx, fld] = new
        self._record(kind, idx, fld, "bad_date", [f"{a}→{b}" for a, b in zip(old, new, strict=True)])

    def _bad_code(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        fld, options = BAD_CODES[kind]
        idx = self._pick(kind, k)
        new = np.array(options, dtype=object)[self.rng.integers(0, len(options), len(idx))]
        old = df.loc[idx, fld].tolist()
        df.loc[idx, fld] = new
        self._record(kind, idx, fld, "bad_code", [f"{a}→{b}" for a, b in zip(old, new, strict=True)])

    def _negative_amount(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        fld = AMOUNT_FIELDS[kind][0]
        idx = self._pick(kind, k, ((df[fld] != "") & (df[fld] != "0.00")).to_numpy())
        df.loc[idx, fld] = ["-" + v for v in df.loc[idx, fld]]
        self._record(kind, idx, fld, "negative_amount", f"{fld} made negative")

    def _in_scope_exceeds_total(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, k)
        tot = df.loc[idx, "total_yuan"].tolist()
        df.loc[idx, "in_scope_yuan"] = [_add_yuan(t, 1 + int(self.rng.integers(0, 5000))) for t in tot]
        self._record(kind, idx, "in_scope_yuan", "in_scope_exceeds_total", "in_scope_yuan above total_yuan")

    def _too_many_decimals(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, k)
        digits = self.rng.integers(1, 10, len(idx))
        df.loc[idx, "total_yuan"] = [f"{v}{d}" for v, d in zip(df.loc[idx, "total_yuan"], digits, strict=True)]
        self._record(kind, idx, "total_yuan", "too_many_decimals", "three decimals in total_yuan")

    def _duplicate_claim_id(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, k, (df["reverses_claim_id"] == "").to_numpy())
        extra = df.loc[idx].copy()
        self._append(kind, extra, "claim_id", "duplicate_claim_id",
                     [f"claim_id {v} repeated from an earlier row" for v in extra["claim_id"]])
        self.used[kind].update(int(x) for x in self.tables[kind]["_rid"].iloc[-len(extra):])

    def _duplicate_person(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, k)
        extra = df.loc[idx].copy()
        style = self.rng.random(len(idx))
        names = extra["name"].tolist()
        ids = extra["id_number"].tolist()
        kinds: list[str] = []
        existing = set(df["id_number"].tolist())
        for j in range(len(idx)):
            if style[j] < 0.4:
                names[j] = homophone_typo(names[j], self.rng)
                kinds.append("same_id_name_typo")
            elif style[j] < 0.6:
                kinds.append("same_id")
            else:
                ids[j] = self._second_id(ids[j], existing)
                existing.add(ids[j])
                kinds.append("second_id")
        extra["name"], extra["id_number"] = names, ids
        orig_rids = df.loc[idx, "_rid"].tolist()
        self._append(kind, extra, "id_number", "duplicate_person",
                     [f"{t}: same person as {v}" for t, v in zip(kinds, df.loc[idx, "id_number"], strict=True)])
        new_rids = self.tables[kind]["_rid"].iloc[-len(extra):].tolist()
        self.used[kind].update(int(x) for x in new_rids)
        persons = extra["_p"].tolist()
        self.duplicates += [Duplicate(kind, a, b, int(p), t) for a, b, p, t in zip(orig_rids, new_rids, persons, kinds, strict=True)]

    def _second_id(self, v: str, existing: set[str]) -> str:
        """Registered twice under a second valid number: same region, birth date and sex."""
        born = np.array([np.datetime64(f"{v[6:10]}-{v[10:12]}-{v[12:14]}")])
        sex = np.array(["M" if int(v[16]) % 2 else "F"], dtype=object)
        while True:
            seq = np.array([int(self.rng.integers(0, 500))])
            cand = str(make_ids(np.array([v[:6]], dtype=object), born, seq, sex)[0])
            if cand not in existing:
                return cand

    def _append(self, kind: str, extra: pd.DataFrame, fld: str, fault: str, details: list[str]) -> None:
        df = self.tables[kind]
        start = int(df["_rid"].max()) + 1
        extra = extra.copy()
        extra["_rid"] = np.arange(start, start + len(extra))
        extra.index = pd.RangeIndex(int(df.index.max()) + 1, int(df.index.max()) + 1 + len(extra))
        self.tables[kind] = pd.concat([df, extra])
        self._record(kind, extra.index.to_numpy(), fld, fault, details)

    # -- reconciliation-visible faults (seed 002) ---------------------------------------------
    def _dead_on_roster(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, k, self._persons_mask(kind, self.dead) & (df["valid_to"] != "").to_numpy())
        old = df.loc[idx, "valid_to"].tolist()
        df.loc[idx, "valid_to"] = ""
        self._record(kind, idx, "valid_to", "dead_on_roster", [f"died {v}; roster entry left open" for v in old])

    def _dead_still_enrolled(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, k, self._persons_mask(kind, self.dead))
        df.loc[idx, "status"] = "active"
        self._record(kind, idx, "status", "dead_still_enrolled", "deceased but status active")

    def _enrolled_outside(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        mask = self._persons_mask(kind, self.assisted | (self.rng.random(len(self.assisted)) < 0.05))
        idx = self._pick(kind, k, mask & (df["status"] == "active").to_numpy())
        others = np.array([r for r in geo.OTHER_REGIONS], dtype=object)
        df.loc[idx, "region_code"] = others[self.rng.integers(0, len(others), len(idx))]
        self._record(kind, idx, "region_code", "enrolled_outside", [f"insured in {r}" for r in df.loc[idx, "region_code"]])

    def _premium_charged(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, k, ((df["premium_waived"] == "Y") & (df["region_code"] == geo.COUNTY_CODE)).to_numpy())
        df.loc[idx, "paid_by_self_yuan"] = "400.00"
        self._record(kind, idx, "paid_by_self_yuan", "premium_charged", "waived but 400.00 paid")

    def _waiver_missing(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, k, ((df["premium_waived"] == "Y") & (df["region_code"] == geo.COUNTY_CODE)).to_numpy())
        df.loc[idx, "premium_waived"] = "N"
        df.loc[idx, "paid_by_self_yuan"] = "400.00"
        self._record(kind, idx, "premium_waived", "waiver_missing", "assisted person charged the premium")

    def _waiver_without_basis(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        mask = self._persons_mask(kind, ~self.assisted) & (df["scheme"] == "resident").to_numpy()
        idx = self._pick(kind, k, mask & (df["region_code"] == geo.COUNTY_CODE).to_numpy())
        df.loc[idx, "premium_waived"] = "Y"
        df.loc[idx, "paid_by_self_yuan"] = "0.00"
        self._record(kind, idx, "premium_waived", "waiver_without_basis", "waived with no assistance category")

    def _assisted_not_enrolled(self, kind: str, k: int) -> None:
        df = self.tables[kind]
        idx = self._pick(kind, k, self._persons_mask(kind, self.assisted & ~self.dead))
        ids = df.loc[idx, "id_number"].tolist()
        self.faults += [Fault(kind, -1, "", i, "assisted_not_enrolled", "enrolment row missing") for i in ids]
        self.tables[kind] = df.drop(index=idx)


def _split(total: int, plan: tuple[tuple[str, int], ...]) -> list[tuple[str, int]]:
    weight = sum(w for _, w in plan)
    counts = [total * w // weight for _, w in plan]
    for j in range(total - sum(counts)):
        counts[j % len(counts)] += 1
    return [(name, k) for (name, _), k in zip(plan, counts, strict=True)]


def _mangle_date(value: str, style: int) -> str:
    y, m, d = value[:4], value[5:7], value[8:10]
    if style == 0:
        return f"{y}/{m}/{d}"
    if style == 1:
        return f"{y}{m}{d}"
    if style == 2:
        return f"{y}-02-30"
    return f"{y}-13-{d}"


def _add_yuan(text: str, fen: int) -> str:
    whole, _, part = text.partition(".")
    total = int(whole) * 100 + int(part or 0) + fen
    return f"{total // 100}.{total % 100:02d}"
