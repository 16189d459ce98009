"""Ground truth written to ``DIR/truth/`` — never read by loaders, used to score later capabilities.

* households.csv — need per DESIGN.md §6 from the *verified* household situation: true income of
  every kind (``synth.income``, incl. what no record shows), rigid medical spending, the asset test
  with exemptions, rigid inclusion and major illness;
* persons.csv — which true person each persons.csv row is;
* faults.csv, duplicates.csv — every injected fault and duplicated person, by file and row;
* expected_problems.csv — the reconciliation problems (DESIGN.md §4) that a correct
  reconciliation of the files *as written* must report: computed here by a small reference
  implementation over the rows a contract-v1 loader accepts (see ``acceptance``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medaid.domain.names import normalise_name
from medaid.synth import geography as geo
from medaid.synth.acceptance import accepted, as_date
from medaid.synth.claims import Claims
from medaid.synth.departments import Rows
from medaid.synth.faults import Duplicate, Fault
from medaid.synth.ids import valid_mask
from medaid.synth.population import DIBAO_STANDARD_FEN, County
from medaid.synth.programs import Roster

NEED_PROGRAMMES = ("tekun", "dibao", "dibao_edge", "monitored")
RARE_OOP_FEN = 5_000_000  # rare disease with annual OOP > 50,000 yuan bypasses the income test (§6)
# asset test with exemptions, same numbers as policies/identification/identification-2026.yaml
EXEMPT_HOUSES = 1
VEHICLE_EXEMPT_FEN = 5_000_000
FINANCIAL_PER_HEAD_MULTIPLE = 2.0
BUSINESS_ASSETS_FEN = 10_000_000


def person_oop_fen(c: County, cl: Claims) -> np.ndarray:
    """Each person's rigid medical spending (刚性医疗支出): policy-scope OOP after basic insurance.

    Only inpatient and chronic-outpatient claims count, in_scope minus the reference-2026 basic
    layer (inpatient: per-admission deductible and ratio by level/location; chronic: annual
    deductible 300, 70%, cap 10,000). General outpatient and out-of-scope costs are left out as
    not rigid. Reversed claims and their reversals are left out; re-bills count. Critical illness
    and assistance are not deducted: need is judged on the burden assistance is meant to relieve.
    """
    reversed_ids = set(cl.reverses[cl.reverses != ""].tolist())
    live = (cl.reverses == "") & ~pd.Series(cl.claim_id).isin(reversed_ids).to_numpy()
    inp = live & (cl.visit == 0)
    ded = np.where(cl.location == "out_of_province", 120_000, np.array([0, 20_000, 60_000, 120_000])[cl.level])
    ratio = np.where(cl.location == "out_of_province", 0.55, np.array([0, 0.9, 0.8, 0.65])[cl.level])
    basic_inp = np.where(cl.basic_fen >= 0, cl.basic_fen, np.floor(np.maximum(cl.in_scope_fen - ded, 0) * ratio))
    oop = np.bincount(cl.person[inp], weights=(cl.in_scope_fen - basic_inp)[inp], minlength=c.n)
    chronic = live & (cl.visit == 1)
    chr_base = np.bincount(cl.person[chronic], weights=cl.in_scope_fen[chronic], minlength=c.n)
    oop += chr_base - np.minimum(np.maximum(chr_base - 30_000, 0) * 0.7, 1_000_000)
    return np.round(oop).astype(np.int64)


def asset_fail(c: County, assets: Rows) -> np.ndarray:
    """Per household: the asset test fails (a second home, a vehicle over 50,000 yuan, deposits and
    securities over 2x the annual standard per head, or business assets over 100,000 yuan)."""
    n_hh = len(c.hh_id)
    hh = c.hh[assets.person]
    kind, value, count = assets.cols["kind"], assets.cols["value_yuan"], assets.cols["count"]
    houses = np.bincount(hh[kind == "house"], weights=np.maximum(count[kind == "house"], 1), minlength=n_hh)
    car = np.bincount(hh[(kind == "vehicle") & (value > VEHICLE_EXEMPT_FEN)], minlength=n_hh) > 0
    fin_kind = (kind == "deposit") | (kind == "securities")
    fin = np.bincount(hh[fin_kind], weights=value[fin_kind], minlength=n_hh) / c.hh_size
    biz = np.bincount(hh[kind == "business"], weights=value[kind == "business"], minlength=n_hh)
    return np.asarray((houses > EXEMPT_HOUSES) | car | (fin > FINANCIAL_PER_HEAD_MULTIPLE * DIBAO_STANDARD_FEN)
                      | (biz > BUSINESS_ASSETS_FEN))


def households_truth(c: County, roster: Roster, oop: np.ndarray, assets: Rows) -> pd.DataFrame:
    """Need of each household from its verified situation (DESIGN.md §6).

    Income per head is the true income of every kind (assistance payments excluded); low income
    (< 1x the standard), medical burden (< 1x after rigid medical spending) and the edge band
    (< 1.5x after spending, with a major illness or a level 1-2 disability) need the asset test
    passed; rigid inclusion (2+ disabled members; a rare disease with annual OOP > 50,000) does not.
    """
    n_hh = len(c.hh_id)
    assets_ok = ~asset_fail(c, assets)
    hh_oop = np.bincount(c.hh, weights=oop, minlength=n_hh)
    gross = c.hh_income_per_head_fen
    net = gross - hh_oop / c.hh_size
    disabled = np.bincount(c.hh, weights=(c.disability > 0).astype(float), minlength=n_hh)
    severe = np.bincount(c.hh, weights=((c.disability >= 1) & (c.disability <= 2)).astype(float), minlength=n_hh)
    major = np.bincount(c.hh, weights=(c.major != "").astype(float), minlength=n_hh)
    rare = np.bincount(c.hh, weights=((c.major == "rare") & (oop > RARE_OOP_FEN)).astype(float), minlength=n_hh)
    std = DIBAO_STANDARD_FEN
    low = assets_ok & (gross < std)
    burden = assets_ok & ~low & (net < std)
    edge = assets_ok & (net >= std) & (net < 1.5 * std) & ((major > 0) | (severe > 0))
    multi = disabled >= 2
    rare_hit = rare > 0
    reasons = [
        "|".join(r for r, flag in zip(("low_income", "medical_burden", "edge_with_illness_or_disability",
                                       "multi_disability", "rare_disease"), flags, strict=True) if flag)
        for flags in zip(low, burden, edge, multi, rare_hit, strict=True)
    ]
    level = np.where(low | burden | multi | rare_hit, "dibao", np.where(edge, "edge", "none"))
    on = np.zeros(n_hh, dtype=bool)
    on[c.hh[roster.person[np.isin(roster.category, NEED_PROGRAMMES)]]] = True
    town_codes = np.array([code for code, _ in geo.TOWNSHIPS], dtype=object)
    return pd.DataFrame({
        "household_id": c.hh_id, "township_code": town_codes[c.hh_township], "size": c.hh_size,
        "income_per_head_yuan": _yuan(gross), "medical_oop_yuan": _yuan(np.round(hh_oop).astype(np.int64)),
        "net_income_per_head_yuan": _yuan(np.round(net).astype(np.int64)),
        "in_need": np.where(level != "none", "Y", "N"), "need_level": level, "reasons": reasons,
        "assets_pass": np.where(assets_ok, "Y", "N"), "on_need_roster": np.where(on, "Y", "N"),
    })


def _yuan(fen: np.ndarray) -> list[str]:
    return [f"{'-' if v < 0 else ''}{abs(v) // 100}.{abs(v) % 100:02d}" for v in fen.tolist()]


def row_numbers(df: pd.DataFrame) -> dict[int, int]:
    """_rid → line number in the written file (header is line 1)."""
    return dict(zip(df["_rid"].tolist(), range(2, len(df) + 2), strict=True))


def faults_frame(faults: list[Fault], tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = {k: row_numbers(df) for k, df in tables.items()}
    return pd.DataFrame({
        "file": [f"{f.file}.csv" for f in faults],
        "row": ["" if f.rid < 0 else str(rows[f.file][f.rid]) for f in faults],
        "field": [f.field for f in faults],
        "id_number": [f.id_number for f in faults],
        "fault": [f.fault for f in faults],
        "detail": [f.detail for f in faults],
    }, columns=["file", "row", "field", "id_number", "fault", "detail"])


def duplicates_frame(dups: list[Duplicate], tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    out = []
    maps: dict[str, tuple[dict[int, int], dict[int, str]]] = {}
    for d in dups:
        if d.file not in maps:
            df = tables[d.file]
            maps[d.file] = (row_numbers(df), dict(zip(df["_rid"].tolist(), df["id_number"].tolist(), strict=True)))
        rows, ids = maps[d.file]
        out.append((f"{d.file}.csv", rows[d.rid_a], ids[d.rid_a], f"{d.file}.csv", rows[d.rid_b], ids[d.rid_b],
                    person_key(d.person), d.kind))
    return pd.DataFrame(out, columns=["file_a", "row_a", "id_number_a", "file_b", "row_b", "id_number_b",
                                      "true_person_key", "kind"])


def person_key(p: int) -> str:
    return f"P{p:07d}"


def persons_truth(c: County, persons: pd.DataFrame) -> pd.DataFrame:
    p = persons["_p"].to_numpy()
    return pd.DataFrame({
        "row": np.arange(2, len(persons) + 2), "id_number": persons["id_number"].to_numpy(),
        "true_person_key": [person_key(x) for x in p.tolist()], "household_id": c.hh_id[c.hh[p]],
    })


def expected_problems(tables: dict[str, pd.DataFrame], year: int, county: str = geo.COUNTY_CODE) -> pd.DataFrame:
    """Reference reconciliation (DESIGN.md §4 problem codes) over the accepted rows of the files.

    Scope: ``deceased``, ``identity_mismatch`` and ``waiver_without_basis`` concern anyone in the
    files; the other codes concern the assisted — people with a roster entry valid at some time in
    the year. Waiver checks look only at resident-scheme enrolments inside the county.
    """
    acc = {k: tables[k][accepted(k, tables[k])] for k in ("persons", "deaths", "roster", "enrolment")}
    y0, y1 = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")
    ro = acc["roster"]
    vf, vt = as_date(ro["valid_from"]), as_date(ro["valid_to"])
    in_year = ((vf <= y1) & (vt.isna() | (vt >= y0))).to_numpy()
    assisted = set(ro.loc[in_year, "id_number"])
    still_on = set(ro.loc[in_year & (vt.isna() | (vt >= y1)).to_numpy(), "id_number"])
    en = acc["enrolment"]
    en = en[en["year"] == str(year)]
    deaths = dict(zip(acc["deaths"]["id_number"], as_date(acc["deaths"]["death_date"]), strict=True))
    out: list[tuple[str, str, str]] = []

    en_dead = en[en["id_number"].isin(deaths) & (en["status"] == "active")]
    out += [(i, "deceased", "enrolment still active after death") for i in en_dead["id_number"]]
    ro_dead = ro[ro["id_number"].isin(deaths)]
    death_of = pd.to_datetime(ro_dead["id_number"].map(deaths))
    open_after = as_date(ro_dead["valid_to"]).isna() | (as_date(ro_dead["valid_to"]) > death_of)
    out += [(i, "deceased", "roster entry open after death") for i in ro_dead.loc[open_after, "id_number"]]

    enrolled = set(en["id_number"])
    out += [(i, "not_enrolled", "assisted, no enrolment this year") for i in sorted(assisted - enrolled)]
    en_a = en[en["id_number"].isin(assisted)]
    out += [(i, "enrolled_elsewhere", f"insured in {r}") for i, r in
            zip(en_a["id_number"], en_a["region_code"], strict=True) if r != county]
    out += [(i, "employee_scheme", "employee insurance: keep, no resident premium")
            for i in en_a.loc[en_a["scheme"] == "employee", "id_number"]]
    local = en_a[(en_a["region_code"] == county) & (en_a["scheme"] == "resident")]
    paid = pd.to_numeric(local["paid_by_self_yuan"].replace("", "0"), errors="coerce").fillna(0)
    out += [(i, "premium_charged", "waived but premium paid: refund")
            for i in local.loc[(local["premium_waived"] == "Y") & (paid > 0), "id_number"]]
    out += [(i, "waiver_missing", "assisted but premium_waived=N")
            for i in local.loc[local["premium_waived"] == "N", "id_number"]]
    waived = en[(en["region_code"] == county) & (en["premium_waived"] == "Y") & ~en["id_number"].isin(assisted)]
    out += [(i, "waiver_without_basis", "waived without a valid category") for i in waived["id_number"]]

    out += _identity_mismatches(tables, acc)

    pe = acc["persons"].drop_duplicates("id_number", keep="first")
    silent = assisted & set(pe.loc[(pe["address"] == "") & (pe["phone"] == ""), "id_number"])
    # only the silent people's claims matter: validating 2M claim rows would dominate the run
    claims = tables["claims"]
    theirs = claims[claims["id_number"].isin(silent)]
    active = set(theirs.loc[accepted("claims", theirs), "id_number"])
    out += [(i, "lost_contact", "no address or phone and no claims") for i in sorted(silent - active)]
    out += [(i, "delisted_keep_waiver", "left the roster this year: waiver stands until 31 Dec")
            for i in sorted(assisted - still_on - set(deaths))]
    frame = pd.DataFrame(out, columns=["id_number", "problem", "detail"])
    return frame.drop_duplicates(["id_number", "problem"]).sort_values(["problem", "id_number"], kind="stable").reset_index(drop=True)


def _identity_mismatches(tables: dict[str, pd.DataFrame], acc: dict[str, pd.DataFrame]) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    first = acc["persons"].drop_duplicates("id_number", keep="first")
    register = dict(zip(first["id_number"], first["name"], strict=True))
    for kind in ("roster", "enrolment"):
        df = acc[kind]
        reg = df["id_number"].map(register)
        differs = reg.notna() & (reg != df["name"])
        for i, name, reg_name in zip(df.loc[differs, "id_number"], df.loc[differs, "name"], reg[differs], strict=True):
            if normalise_name(name) != normalise_name(str(reg_name)):
                out.append((i, "identity_mismatch", f"{kind}: name {name} but register says {reg_name}"))
        raw = tables[kind]
        ids = raw["id_number"].to_numpy()
        bad = (raw["id_number"] != "").to_numpy() & ~valid_mask(ids)
        out += [(i, "identity_mismatch", f"{kind}: invalid ID number") for i in ids[bad]]
    return out
