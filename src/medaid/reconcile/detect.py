"""The reconciliation rules: frames of loaded data in, one finding per (person, problem) out.

Pure pandas over the year's data (no database here, so the rules are unit-tested on small frames;
``medaid.reconcile.inputs`` reads the frames from the store). Persons are keyed by ``id_token``;
rows whose ID number was invalid (rejected at load) are keyed ``reject:<load_id>:<row>``.
Definitions follow DESIGN.md §4 and are written out in docs/reconciliation.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from medaid.domain.money import format_yuan
from medaid.reconcile.problems import Problem

FINDING_COLUMNS = ["subject_key", "id_token", "name", "township_code", "problem", "detail"]


@dataclass(slots=True)
class ReconInputs:
    """What one round compares (参保核查的数据): each frame holds only the columns the rules use.

    persons: id_token, name, name_norm, township_code, address, phone
    deaths: id_token, name, name_norm, death_date
    roster: id_token, name, name_norm, category, valid_from, valid_to, township_code
    enrolment (this year only): id_token, name, name_norm, scheme, region_code, status, premium_waived,
        paid_by_self_fen
    claims (this year only, one row per token): id_token, n_claims, first_settle, last_settle
    claims_after_death: id_token, n_after_death
    id_rejects: load_id, row_number, kind, name, township_code, reason  (rows with an invalid ID)
    """

    year: int
    county_code: str
    persons: pd.DataFrame
    deaths: pd.DataFrame
    roster: pd.DataFrame
    enrolment: pd.DataFrame
    claims: pd.DataFrame
    claims_after_death: pd.DataFrame
    id_rejects: pd.DataFrame


def _fmt_date(value: object) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _texts(items: Iterable[str]) -> pd.Series:
    return pd.Series(list(items), dtype=object)


def _rows(frame: pd.DataFrame, problem: Problem, detail: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame({
        "subject_key": frame["id_token"].to_numpy(),
        "id_token": frame["id_token"].to_numpy(),
        "problem": problem.value,
        "detail": detail.to_numpy() if len(frame) else [],
    })
    return out


def detect(inp: ReconInputs) -> pd.DataFrame:
    """All findings of the year, one row per (subject_key, problem), with name and township filled."""
    jan1, dec31 = pd.Timestamp(dt.date(inp.year, 1, 1)), pd.Timestamp(dt.date(inp.year, 12, 31))
    ro = inp.roster.copy()
    ro["valid_from"] = pd.to_datetime(ro["valid_from"])
    ro["valid_to"] = pd.to_datetime(ro["valid_to"])
    in_year = ro[(ro["valid_from"] <= dec31) & (ro["valid_to"].isna() | (ro["valid_to"] >= jan1))]
    cats = in_year.groupby("id_token")["category"].agg(lambda s: ",".join(sorted(set(s))))
    assisted = set(cats.index)
    at_dec31 = set(in_year.loc[in_year["valid_to"].isna() | (in_year["valid_to"] >= dec31), "id_token"])

    de = inp.deaths.copy()
    de["death_date"] = pd.to_datetime(de["death_date"])
    death = de.groupby("id_token")["death_date"].min()
    dead = set(death.index)

    en = inp.enrolment.copy()
    en["premium_waived"] = en["premium_waived"].astype(bool)
    en["paid_by_self_fen"] = en["paid_by_self_fen"].fillna(0).astype("int64")
    enrolled = set(en["id_token"])
    parts: list[pd.DataFrame] = []

    def cat_detail(frame: pd.DataFrame) -> pd.Series:
        return _texts(f"救助类别 categories: {cats.get(tok, '')}" for tok in frame["id_token"])

    # not_enrolled: assisted this year, no enrolment row for the year in any scheme or region.
    ne = pd.DataFrame({"id_token": sorted(assisted - enrolled)})
    parts.append(_rows(ne, Problem.NOT_ENROLLED, cat_detail(ne)))

    # deceased: active enrolment, or a roster row still valid after the death date.
    if dead:
        d_en = en[en["id_token"].isin(dead) & (en["status"] == "active")]
        ro_d = ro[ro["id_token"].isin(dead)].copy()
        ro_d["death"] = ro_d["id_token"].map(death)
        d_ro = ro_d[ro_d["valid_to"].isna() | (ro_d["valid_to"] > ro_d["death"])]
        toks = sorted(set(d_en["id_token"]) | set(d_ro["id_token"]))
        dd = pd.DataFrame({"id_token": toks})
        after = inp.claims_after_death.set_index("id_token")["n_after_death"] if len(inp.claims_after_death) else {}
        places = (("参保 enrolled", set(d_en["id_token"])), ("在册 roster", set(d_ro["id_token"])))
        detail = _texts(
            f"死亡日期 died {_fmt_date(death[tok])}; {'+'.join(w for w, s in places if tok in s)}; "
            f"死亡后结算 claims after death: {int(after.get(tok, 0))}" for tok in dd["id_token"])
        parts.append(_rows(dd, Problem.DECEASED, detail))

    ass_en = en[en["id_token"].isin(assisted)]
    local = en["region_code"] == inp.county_code
    # enrolled_elsewhere: an assisted person insured this year in another region than the county.
    ee = ass_en[ass_en["region_code"] != inp.county_code].drop_duplicates("id_token")
    parts.append(_rows(ee, Problem.ENROLLED_ELSEWHERE, _texts(f"参保地 region {r}" for r in ee["region_code"])))

    # employee_scheme: an assisted person insured as an employee (keep it; no resident subsidy).
    es = ass_en[ass_en["scheme"] == "employee"].drop_duplicates("id_token")
    parts.append(_rows(es, Problem.EMPLOYEE_SCHEME, cat_detail(es)))

    res = ass_en[(ass_en["scheme"] == "resident") & (ass_en["region_code"] == inp.county_code)]
    # premium_charged: waived in the county's resident scheme, and yet a premium was paid → refund it.
    pc = res[res["premium_waived"] & (res["paid_by_self_fen"] > 0)].drop_duplicates("id_token")
    parts.append(_rows(pc, Problem.PREMIUM_CHARGED, _texts(
        f"应退 refund {format_yuan(int(f))} 元 yuan" for f in pc["paid_by_self_fen"])))
    # waiver_missing: assisted resident without the waiver flag.
    wm = res[~res["premium_waived"]].drop_duplicates("id_token")
    parts.append(_rows(wm, Problem.WAIVER_MISSING, cat_detail(wm)))

    # waiver_without_basis: premium waived but no category valid at any time in the year.
    wb = en[local & en["premium_waived"] & ~en["id_token"].isin(assisted)].drop_duplicates("id_token")
    parts.append(_rows(wb, Problem.WAIVER_WITHOUT_BASIS, _texts("无有效救助类别 no valid category this year"
                                                                for _ in range(len(wb)))))

    # identity_mismatch (a): same ID, another name than the household register, in a roster or the
    # enrolment. When the register holds one ID twice, its first row is the person (a later row is a
    # duplicate that linkage merges; the generator's and the ingest's "first row wins").
    reg_name = inp.persons.drop_duplicates("id_token").set_index("id_token")["name_norm"]
    mism = []
    for kind, frame in (("roster", ro), ("enrolment", en)):
        f = frame[frame["id_token"].isin(reg_name.index)]
        f = f[(f["name_norm"] != f["id_token"].map(reg_name)).to_numpy(dtype=bool)]
        mism.append(pd.DataFrame({"id_token": f["id_token"], "kind": kind, "other": f["name"]}))
    mm = pd.concat(mism).groupby("id_token").agg(
        kind=("kind", lambda s: "/".join(sorted(set(s)))), other=("other", "first")).reset_index()
    reg_written = inp.persons.drop_duplicates("id_token").set_index("id_token")["name"]
    parts.append(_rows(mm, Problem.IDENTITY_MISMATCH, _texts(
        f"户籍姓名 register {reg_written[tok]} ≠ {kind} {other}"
        for tok, kind, other in zip(mm["id_token"], mm["kind"], mm["other"], strict=True))))

    # lost_contact: an assisted person with neither address nor phone and no claim this year.
    pe = inp.persons.drop_duplicates("id_token")
    blank = pe["address"].fillna("").str.strip().eq("") & pe["phone"].fillna("").str.strip().eq("")
    lc = pe[blank & pe["id_token"].isin(assisted) & ~pe["id_token"].isin(set(inp.claims["id_token"]))]
    parts.append(_rows(lc, Problem.LOST_CONTACT, _texts("无地址无电话且本年无结算 no address/phone, no claims"
                                                        for _ in range(len(lc)))))

    # delisted_keep_waiver: on a roster during the year, off every roster by 31 Dec, alive.
    dl = in_year[in_year["id_token"].isin(assisted - at_dec31 - dead)]
    dl = dl.groupby("id_token")["valid_to"].max().reset_index()
    parts.append(_rows(dl, Problem.DELISTED_KEEP_WAIVER, _texts(f"退出日期 left {_fmt_date(v)}" for v in dl["valid_to"])))

    found = pd.concat(parts, ignore_index=True)
    found = found.drop_duplicates(["subject_key", "problem"])
    found = _add_names(found, inp, ro, en, de)
    rej = _reject_findings(inp.id_rejects)
    return pd.concat([found, rej], ignore_index=True)[FINDING_COLUMNS]


def _add_names(found: pd.DataFrame, inp: ReconInputs, ro: pd.DataFrame, en: pd.DataFrame,
               de: pd.DataFrame) -> pd.DataFrame:
    """Name and township from the register when the person is there, else from the source rows."""
    frames = [inp.persons[["id_token", "name", "township_code"]],
              ro[["id_token", "name", "township_code"]],
              en.assign(township_code="")[["id_token", "name", "township_code"]],
              de.assign(township_code="")[["id_token", "name", "township_code"]]]
    look = pd.concat(frames, ignore_index=True)
    look["township_code"] = look["township_code"].fillna("")
    look = look.sort_values("township_code", ascending=False, kind="stable").drop_duplicates("id_token")
    # the register (first frame) wins for the name: re-apply it over the fallback
    reg = inp.persons.drop_duplicates("id_token").set_index("id_token")
    look = look.set_index("id_token")
    look.loc[look.index.intersection(reg.index), "name"] = reg["name"]
    found["name"] = found["id_token"].map(look["name"]).fillna("")
    found["township_code"] = found["id_token"].map(look["township_code"]).fillna("")
    return found


def _reject_findings(rej: pd.DataFrame) -> pd.DataFrame:
    """identity_mismatch (b): a row of a person-bearing file whose ID number is invalid."""
    if rej.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    return pd.DataFrame({
        "subject_key": "reject:" + rej["load_id"].astype(str) + ":" + rej["row_number"].astype(str),
        "id_token": None,
        "name": rej["name"].fillna(""),
        "township_code": rej["township_code"].fillna(""),
        "problem": Problem.IDENTITY_MISMATCH.value,
        "detail": "身份证号无效 invalid ID in " + rej["kind"] + " row " + rej["row_number"].astype(str)
                  + ": " + rej["reason"].fillna(""),
    }).drop_duplicates(["subject_key", "problem"])
