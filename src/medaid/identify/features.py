"""Per-person and per-household features for identification, read from the loaded tables.

Reads with set-based SQL and aggregates with pandas (one pass per table), so a county of ~500k
people and ~2M claims fits in memory and runs in well under the two-minute target.

Out-of-pocket (自付) per claim: policy-scope OOP = in_scope − everything paid. Paid amounts come
from the newest settlement run of the claim's year (engineer C's ``settlement_line``) when one
exists; otherwise from the claim's own basic/critical payments (issue 6's fallback), which
overstates OOP for locally settled claims — the run records which source it used.
Only the layers listed in the threshold file (``need.oop_layers``, default basic insurance) count as
paid: need is judged on the burden that assistance is meant to relieve. Rigid medical spending
(刚性医疗支出) = that OOP on inpatient and chronic-outpatient claims; general outpatient is not rigid.

Income (收入): departments report with a lag (tax and social-security files cover last year), so
each person's income of a kind is the annualised rate over all records in the assessment year and
the year before (amount ÷ days covered × 365); business-income change compares the rate in the
assessment year with the rate in the year before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, inspect, text

from medaid.identify.thresholds import DiseaseMap, Thresholds

DISEASE_CLASSES = ("cancer", "esrd", "rare", "chronic")
INCOME_KINDS = ("wage", "business", "pension", "transfer", "property", "other")
ASSISTANCE_CATEGORIES = ("dibao", "tekun")  # their transfer records are assistance payments, not income


@dataclass(slots=True)
class Inputs:
    """The raw tables needed for one assessment year, as DataFrames keyed by ``id_token``."""

    year: int
    persons: pd.DataFrame
    deaths: pd.DataFrame
    roster: pd.DataFrame
    income: pd.DataFrame
    assets: pd.DataFrame
    disability: pd.DataFrame
    employment: pd.DataFrame
    certs: pd.DataFrame
    enrolment: pd.DataFrame
    claims: pd.DataFrame
    oop_source: str


def _read(conn: Connection, sql: str, dates: tuple[str, ...] = (), *, chunk: int | None = None,
          **params: object) -> pd.DataFrame:
    """A query as a DataFrame; ``chunk`` reads big tables in slices to bound peak memory."""
    def typed(df: pd.DataFrame) -> pd.DataFrame:
        for col in dates:
            df[col] = pd.to_datetime(df[col], errors="coerce")
        return df

    if chunk is None:
        return typed(pd.read_sql(text(sql), conn, params=params))
    frames = [typed(df) for df in pd.read_sql(text(sql), conn, params=params, chunksize=chunk)]
    if not frames:
        return typed(pd.read_sql(text(sql), conn, params=params))
    return pd.concat(frames, ignore_index=True)


def _settlement_paid(conn: Connection, years: list[int], layers: list[str]) -> tuple[pd.DataFrame, str]:
    names = set(inspect(conn).get_table_names())
    if not {"settlement_run", "settlement_line"} <= names:
        return pd.DataFrame({"claim_id": [], "settled_paid": []}), "claims"
    runs = _read(conn, "SELECT year, MAX(id) AS run_id FROM settlement_run GROUP BY year")
    runs = runs[runs["year"].isin(years)]
    if runs.empty:
        return pd.DataFrame({"claim_id": [], "settled_paid": []}), "claims"
    in_layers = ", ".join(f"'{layer}'" for layer in layers if layer.isidentifier())
    frames = [
        _read(conn, "SELECT claim_id, SUM(CASE WHEN layer IN (" + (in_layers or "''") + ") THEN paid_fen "
              "ELSE 0 END) AS settled_paid FROM settlement_line WHERE run_id = :r GROUP BY claim_id", r=int(r))
        for r in runs["run_id"]
    ]
    return pd.concat(frames, ignore_index=True), "settlement runs " + ",".join(str(int(r)) for r in runs["run_id"])


def canonical_tokens(conn: Connection) -> dict[str, str]:
    """id_token → one token per real person, from identity resolution (``person_link``).

    A person registered twice under two valid ID numbers (a re-issued number, a clerk's typo that
    still passes the check digit) would otherwise count twice in the household, halving income per
    head. Linkage gives both rows one ``person_key``; every token of that key maps to the smallest
    one. Without a linkage run the map is empty and people are joined by exact ID, as before.
    """
    if "person_link" not in set(inspect(conn).get_table_names()):
        return {}
    links = _read(conn, "SELECT DISTINCT person_key, id_token FROM person_link WHERE id_token IS NOT NULL")
    if links.empty:
        return {}
    keys = links.drop_duplicates("id_token")
    keys = keys.assign(canon=keys.groupby("person_key")["id_token"].transform("min"))
    keys = keys[keys["canon"] != keys["id_token"]]
    return dict(zip(keys["id_token"], keys["canon"], strict=True))


def load_inputs(conn: Connection, year: int, lookback_years: int = 3,
                layers: tuple[str, ...] = ("basic",)) -> Inputs:
    """Everything the assessment of ``year`` reads, with claims of the last ``lookback_years``."""
    first = date(year - lookback_years + 1, 1, 1)
    last = date(year, 12, 31)
    canon = canonical_tokens(conn)

    def read(sql: str, dates: tuple[str, ...] = (), **kw: Any) -> pd.DataFrame:
        """A table keyed by person, each row's token replaced by its person's canonical token."""
        df = _read(conn, sql, dates, **kw)
        if canon and not df.empty:
            df["id_token"] = df["id_token"].map(canon).fillna(df["id_token"])
        return df

    # the first register row of a person is the register (as reconciliation reads it); later rows
    # of the same person — same ID or linked — are duplicates
    persons = read("SELECT id_token, household_id, relation, birth_date, township_code, village "
                   "FROM person ORDER BY load_id, source_row", ("birth_date",)).drop_duplicates("id_token")
    claims = read(
        "SELECT claim_id, id_token, visit_type, settle_date, discharge_date, diagnosis_code, "
        "in_scope_fen, basic_paid_fen, critical_paid_fen, reverses_claim_id FROM claim "
        "WHERE settle_date >= :a AND settle_date <= :b",
        ("settle_date", "discharge_date"), chunk=250_000, a=first, b=last,
    )
    reversed_ids = set(claims["reverses_claim_id"].dropna())
    claims = claims[claims["reverses_claim_id"].isna() & ~claims["claim_id"].isin(reversed_ids)]
    paid, source = _settlement_paid(conn, list(range(first.year, year + 1)), list(layers))
    claims = claims.merge(paid, on="claim_id", how="left")
    given = claims["basic_paid_fen"].fillna(0)
    if "critical" in layers:
        given = given + claims["critical_paid_fen"].fillna(0)
    claims["paid_fen"] = claims["settled_paid"].fillna(given)
    claims["oop_fen"] = (claims["in_scope_fen"] - claims["paid_fen"]).clip(lower=0)
    # rigid spending: inpatient and chronic outpatient only; general outpatient is not rigid
    claims["burden_fen"] = claims["oop_fen"].where(claims["visit_type"] != "general_outpatient", 0)
    claims = claims.drop(columns=["basic_paid_fen", "critical_paid_fen", "reverses_claim_id",
                                  "settled_paid"])
    claims["visit_type"] = claims["visit_type"].astype("category")
    claims["year"] = claims["settle_date"].dt.year
    return Inputs(
        year=year,
        persons=persons,
        deaths=read("SELECT id_token, death_date FROM death", ("death_date",)),
        roster=read("SELECT id_token, category, valid_from, valid_to FROM roster", ("valid_from", "valid_to")),
        income=read("SELECT id_token, kind, amount_fen, period_from, period_to FROM income",
                    ("period_from", "period_to")),
        assets=read("SELECT id_token, kind, value_fen, count FROM asset"),
        disability=read("SELECT id_token, level FROM disability"),
        employment=read("SELECT id_token, status, since FROM employment", ("since",)),
        certs=read("SELECT id_token, disease_code, valid_from, valid_to FROM chronic_cert",
                   ("valid_from", "valid_to")),
        enrolment=read("SELECT id_token, scheme FROM enrolment WHERE year = :y", y=year),
        claims=claims,
        oop_source=source,
    )


def classify_codes(codes: pd.Series, dmap: DiseaseMap) -> pd.Series:
    """Disease class per ICD-10 code (longest prefix wins), vectorised over the distinct codes."""
    uniq = pd.Series(codes.dropna().unique())
    mapping = {c: dmap.classify(str(c)) for c in uniq}
    return codes.map(mapping)


def annual_income(income: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """Annualised income per person and kind over records overlapping ``first_year``..``last_year``.

    Each record contributes its amount prorated to the overlap and the days it covers; the rate is
    the sum of amounts ÷ the sum of days × 365 (records of one kind rarely overlap in time).
    """
    if income.empty:
        return pd.DataFrame(columns=["id_token", "kind", "fen"])
    start, end = pd.Timestamp(first_year, 1, 1), pd.Timestamp(last_year, 12, 31)
    pf, pt = income["period_from"], income["period_to"]
    span = ((pt - pf).dt.days + 1).clip(lower=1)
    overlap = ((pt.clip(upper=end) - pf.clip(lower=start)).dt.days + 1).clip(lower=0).fillna(0)
    out = income.assign(amt=income["amount_fen"].clip(lower=0) * overlap / span, days=overlap)
    out = out[out["days"] > 0].groupby(["id_token", "kind"], as_index=False)[["amt", "days"]].sum()
    out["fen"] = out["amt"] / out["days"] * 365
    return out[["id_token", "kind", "fen"]]


def person_features(inp: Inputs, th: Thresholds, dmap: DiseaseMap) -> pd.DataFrame:
    """One row per person (``alive`` marks the living): age, income, disability, employment, medical use, risk."""
    year, rs = inp.year, th.risk_score
    end = pd.Timestamp(year, 12, 31)
    p = inp.persons.set_index("id_token")
    dead = set(inp.deaths.loc[inp.deaths["death_date"] <= end, "id_token"])
    p["alive"] = ~p.index.isin(dead)
    p["age"] = ((end - p["birth_date"]).dt.days // 365.25).fillna(40).astype(int)

    start = pd.Timestamp(year, 1, 1)
    r = inp.roster
    active = r[(r["valid_from"] <= end) & (r["valid_to"].isna() | (r["valid_to"] >= start))]
    cats = active.groupby("id_token")["category"].agg(lambda s: ",".join(sorted(set(s))))
    p["categories"] = cats.reindex(p.index).fillna("")

    inc = annual_income(inp.income, year - 1, year)
    # assistance payments (低保金、特困供养金) are the help itself, not income for the need test:
    # transfers of people on a dibao/tekun roster are left out (their family support with them)
    assisted = set(r.loc[r["category"].isin(ASSISTANCE_CATEGORIES), "id_token"])
    inc = inc[~((inc["kind"] == "transfer") & inc["id_token"].isin(assisted))]
    p["income_fen"] = inc.groupby("id_token")["fen"].sum().reindex(p.index).fillna(0)
    earned = inc[inc["kind"].isin(["wage", "business"]) & (inc["fen"] > 0)]
    p["has_income_record"] = p.index.isin(earned["id_token"])
    by_kind = inc.pivot_table(index="id_token", columns="kind", values="fen", aggfunc="sum")
    for kind in INCOME_KINDS:
        col = by_kind[kind] if kind in by_kind.columns else pd.Series(dtype=float)
        p[f"{kind}_fen"] = col.reindex(p.index).fillna(0)
    p["employee_scheme"] = p.index.isin(inp.enrolment.loc[inp.enrolment["scheme"] == "employee", "id_token"])
    now = annual_income(inp.income, year, year)
    biz = now[now["kind"] == "business"].groupby("id_token")["fen"].sum()
    biz_prev = annual_income(inp.income, year - 1, year - 1)
    biz_prev = biz_prev[biz_prev["kind"] == "business"].groupby("id_token")["fen"].sum()
    p["business_fen"] = biz.reindex(p.index).fillna(0)
    p["business_prev_fen"] = biz_prev.reindex(p.index).fillna(0)

    p["disability_level"] = inp.disability.groupby("id_token")["level"].min().reindex(p.index).fillna(0).astype(int)
    emp = inp.employment.sort_values("since").drop_duplicates("id_token", keep="last").set_index("id_token")
    p["unemployed"] = (emp["status"].reindex(p.index) == "unemployed").fillna(False).astype(bool)
    # HR knows someone works but no wage is recorded: a cash-paid job the tax files do not show
    p["employed_hr"] = (emp["status"].reindex(p.index) == "employed").fillna(False).astype(bool)

    c = inp.claims.assign(dclass=classify_codes(inp.claims["diagnosis_code"], dmap))
    cy = c[c["year"] == year]
    p["oop_fen"] = cy.groupby("id_token")["oop_fen"].sum().reindex(p.index).fillna(0)
    p["burden_fen"] = cy.groupby("id_token")["burden_fen"].sum().reindex(p.index).fillna(0)
    p["claims"] = cy.groupby("id_token").size().reindex(p.index).fillna(0).astype(int)
    inpatient = c[c["visit_type"] == "inpatient"]
    p["inpatient_stays"] = inpatient[inpatient["year"] == year].groupby("id_token").size().reindex(p.index).fillna(0).astype(int)
    p["max_stay_oop_fen"] = inpatient.groupby("id_token")["oop_fen"].max().reindex(p.index).fillna(0)
    p["max_stay_oop_year_fen"] = inpatient[inpatient["year"] == year].groupby("id_token")["oop_fen"].max().reindex(p.index).fillna(0)
    certs = inp.certs.assign(dclass=classify_codes(inp.certs["disease_code"], dmap))
    for cls in DISEASE_CLASSES:
        has = set(c.loc[c["dclass"] == cls, "id_token"]) | set(certs.loc[certs["dclass"] == cls, "id_token"])
        p[f"has_{cls}"] = p.index.isin(has)

    # Health risk score, DESIGN.md §6: age over 65, disability, a major stay, high-cost diseases.
    score = (p["age"] - rs.age_over).clip(lower=0) * rs.points_per_year_over
    score += p["disability_level"].map(rs.disability_points).fillna(0).astype(int)
    p["major_stay"] = p["max_stay_oop_fen"] > rs.major_inpatient_oop_yuan * 100
    score += np.where(p["major_stay"], rs.major_inpatient_points, 0)
    for cls in DISEASE_CLASSES:
        score += np.where(p[f"has_{cls}"], dmap.classes[cls].points, 0)
    p["risk_score"] = score.astype(int)

    # Inferred income (推定收入): working-age, able, not unemployed, no income record at all.
    ii = th.need.inferred_income
    able = ~p["disability_level"].isin([1, 2])
    inferred = (p["age"].between(ii.min_age, ii.max_age) & ~p["has_income_record"] & ~p["unemployed"]
                & able & ~p["has_cancer"] & ~p["has_esrd"] & ~p["has_rare"])
    p["inferred_income_fen"] = np.where(inferred, ii.yuan_per_year * 100, 0)
    return p.reset_index()


def household_features(people: pd.DataFrame, assets: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """One row per household with at least one living member: the inputs of the need assessment."""
    a = th.need.assets
    p = people
    alive = p[p["alive"]]
    g_all = p.groupby("household_id")
    g = alive.groupby("household_id")
    hh = pd.DataFrame({"members": g.size()})
    for col in ("income_fen", "inferred_income_fen", "business_fen", "business_prev_fen"):
        hh[col] = g[col].sum()
    for kind in INCOME_KINDS:
        hh[f"{kind}_per_head_fen"] = g[f"{kind}_fen"].sum() / hh["members"]
    hh["mean_age"] = g["age"].mean()
    # medical spending of members who died during the year still burdens the household
    for col in ("oop_fen", "burden_fen", "claims", "inpatient_stays"):
        hh[col] = g_all[col].sum().reindex(hh.index).fillna(0)
    hh["max_stay_oop_year_fen"] = g_all["max_stay_oop_year_fen"].max().reindex(hh.index).fillna(0)
    hh["risk_score"] = g["risk_score"].max()
    hh["risk_score_sum"] = g["risk_score"].sum()
    flags = pd.DataFrame({
        "household_id": alive["household_id"],
        "elderly": alive["age"] >= 65,
        "children": alive["age"] < 18,
        "disabled": alive["disability_level"] > 0,
        "severe_disabled": alive["disability_level"].isin([1, 2]),
        "unemployed": alive["unemployed"],
        "earners": alive["wage_fen"] > 0,
        "employee_scheme": alive["employee_scheme"],
        **{f"has_{cls}": alive[f"has_{cls}"] for cls in DISEASE_CLASSES},
    }).groupby("household_id").sum()
    for col in flags.columns:
        hh[col] = flags[col].astype(int)
    for cls in DISEASE_CLASSES:
        hh[f"has_{cls}"] = hh[f"has_{cls}"] > 0
    hh["working_age"] = hh["members"] - hh["elderly"] - hh["children"]
    rare_oop = alive[alive["has_rare"]].groupby("household_id")["oop_fen"].max()
    hh["rare_oop_fen"] = rare_oop.reindex(hh.index).fillna(0)
    rostered = alive[alive["categories"] != ""]
    hh["on_roster"] = hh.index.isin(rostered["household_id"])
    cats = rostered.assign(category=rostered["categories"].str.split(",")).explode("category")
    cats = cats.drop_duplicates(["household_id", "category"]).sort_values("category")
    hh["categories"] = cats.groupby("household_id")["category"].agg(",".join).reindex(hh.index).fillna("")

    # main earner: the member with the highest explicit income (else the head) — unemployment there
    order = alive.sort_values(["household_id", "income_fen"], ascending=[True, False])
    main = order.drop_duplicates("household_id").set_index("household_id")
    hh["main_earner_unemployed"] = main["unemployed"].reindex(hh.index).fillna(False).astype(bool)
    heads = alive[alive["relation"] == "head"].drop_duplicates("household_id").set_index("household_id")
    first = alive.drop_duplicates("household_id").set_index("household_id")
    head = heads.reindex(hh.index)
    hh["head_token"] = head["id_token"].fillna(first["id_token"])
    hh["township_code"] = head["township_code"].fillna(first["township_code"])
    hh["village"] = head["village"].fillna(first["village"])

    able = (alive["age"].between(18, 59) & ~alive["disability_level"].isin([1, 2]) & ~alive["unemployed"])
    hh["able_without_record"] = (able & ~alive["has_income_record"]).groupby(alive["household_id"]).sum()
    hh["employed_without_wage"] = (alive["employed_hr"] & ~alive["has_income_record"]).groupby(alive["household_id"]).sum()
    hh["deceased_members"] = (~p["alive"]).groupby(p["household_id"]).sum().reindex(hh.index).fillna(0)
    hh["head_age"] = alive[alive["relation"] == "head"].groupby("household_id")["age"].max().reindex(hh.index)
    hh["head_age"] = hh["head_age"].fillna(hh["mean_age"])
    hh["recorded_per_head_fen"] = hh["income_fen"] / hh["members"]
    hh["burden_per_head_fen"] = hh["burden_fen"] / hh["members"]
    hh["recorded_adjusted_per_head_fen"] = hh["recorded_per_head_fen"] - hh["burden_per_head_fen"]
    total_income = hh["income_fen"] + hh["inferred_income_fen"]
    hh["income_per_head_fen"] = total_income / hh["members"]
    hh["adjusted_per_head_fen"] = (total_income - hh["burden_fen"]) / hh["members"]
    hh["oop_share"] = np.where(total_income > 0, hh["burden_fen"] / total_income.clip(lower=1),
                               np.where(hh["burden_fen"] > 0, 10.0, 0.0)).clip(max=10.0)
    hh["business_drop"] = np.where(hh["business_prev_fen"] > 0,
                                   1 - hh["business_fen"] / hh["business_prev_fen"].clip(lower=1), 0.0)

    # Asset test (资产核查) with exemptions: one home, a low-value vehicle.
    owner_hh = p.set_index("id_token")["household_id"]
    ast = assets.assign(household_id=assets["id_token"].map(owner_hh)).dropna(subset=["household_id"])
    ast = ast.assign(n=ast["count"].fillna(1).clip(lower=1))
    houses = ast[ast["kind"] == "house"].groupby("household_id")["n"].sum()
    car = ast[(ast["kind"] == "vehicle") & (ast["value_fen"] > a.vehicle_exempt_value_yuan * 100)]
    fin = ast[ast["kind"].isin(["deposit", "securities"])].groupby("household_id")["value_fen"].sum()
    biz = ast[ast["kind"] == "business"].groupby("household_id")["value_fen"].sum()
    hh["houses"] = houses.reindex(hh.index).fillna(0)
    hh["costly_vehicle"] = hh.index.isin(car["household_id"])
    hh["financial_per_head_fen"] = fin.reindex(hh.index).fillna(0) / hh["members"]
    hh["business_assets_fen"] = biz.reindex(hh.index).fillna(0)
    vehicles = ast[ast["kind"] == "vehicle"].groupby("household_id")["value_fen"].max()
    hh["vehicle_value_fen"] = vehicles.reindex(hh.index).fillna(0)
    std = th.dibao_standard_yuan * 100
    hh["asset_fail"] = ((hh["houses"] > a.exempt_houses) | hh["costly_vehicle"]
                        | (hh["financial_per_head_fen"] > a.financial_per_head_multiple * std)
                        | (hh["business_assets_fen"] > a.business_value_yuan * 100))
    return hh
