"""Use cases: assess a year (rules + model), write the identification list, train the model.

``identify_year`` is what ``medaid identify --year 2026`` calls: it assesses every household, keeps
the flagged ones (tier high/medium/low), stores them with the run, writes id_number (masked),
household_id, tier, score, reasons, and counts households in need that no roster has.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, inspect, select

from medaid.audit.log import append_event
from medaid.errors import ContractError
from medaid.identify.assess import assess
from medaid.identify.features import Inputs, household_features, load_inputs, person_features
from medaid.identify.model import NeedModel, TrainResult, load_model, train
from medaid.identify.thresholds import Thresholds, load_disease_map, load_thresholds
from medaid.settings import get_settings
from medaid.store.db import engine_for, migrate
from medaid.store.identify_tables import identify_result, identify_run
from medaid.store.tables import identity

Progress = Callable[[str, int, int], None]
OUTPUT_COLUMNS = ["id_number", "household_id", "tier", "score", "reasons"]
XLSX_HEADERS = ["身份证号（脱敏）", "户编号", "风险等级", "需求评分", "识别理由"]
TIER_ORDER = {"high": 0, "medium": 1, "low": 2}


def model_dir(data_dir: Path | None = None) -> Path:
    """Where the current model lives: ``<data dir>/models/identify``. The web passes its app's data
    dir; the CLI leaves it out and gets the settings' one."""
    return (data_dir or get_settings().data_dir) / "models" / "identify"


@dataclass(slots=True)
class Assessment:
    inputs: Inputs
    people: pd.DataFrame
    households: pd.DataFrame
    thresholds: Thresholds


def assess_year(year: int, *, url: str | None = None, thresholds_path: Path | None = None,
                progress: Progress | None = None) -> Assessment:
    """Features and the rules' verdict for every household of ``year``."""
    th = load_thresholds(thresholds_path, on=date(year, 12, 31))
    dmap = load_disease_map()
    step = progress or (lambda _s, _i, _n: None)
    step("读取数据 / reading tables", 0, 3)
    with engine_for(url).connect() as conn:
        inp = load_inputs(conn, year, th.risk_score.major_inpatient_lookback_years, tuple(th.need.oop_layers))
    step("计算特征 / features", 1, 3)
    people = person_features(inp, th, dmap)
    hh = assess(household_features(people, inp.assets, th), th)
    step("规则判定 / rules", 2, 3)
    return Assessment(inp, people, hh, th)


@dataclass(slots=True)
class IdentifySummary:
    run_id: int
    households: int
    flagged: int
    in_need: int
    not_on_roster: int
    by_tier: dict[str, int] = field(default_factory=dict)
    to_verify: int = 0  # 待入户核实: between the model's screen and confirm thresholds
    model_id: str | None = None
    oop_source: str = ""
    out: Path | None = None

    def message(self) -> tuple[str, str]:
        return (f"发现 {self.not_on_roster} 户困难家庭尚未被任何名单覆盖",
                f"found {self.not_on_roster} households in need that no roster has")


def score_households(hh: pd.DataFrame, model: NeedModel | None) -> pd.DataFrame:
    """Final verdict: the model where one is trained (rigid inclusion always stays in), else the rules.

    With a model, households between its screen and confirm thresholds are not in need yet but
    ``verify`` (待入户核实): listed (tier low at least) so a home visit decides what records cannot.
    """
    out = hh.copy()
    out["verify"] = False
    if model is None:
        out["model_probability"] = np.nan
        out["in_need"] = out["rules_in_need"]
        out["score"] = np.where(out["rules_in_need"], 1.0, 0.0)
        out["model_reasons"] = ""
    else:
        prob = model.probability(out)
        out["model_probability"] = prob
        out["in_need"] = (prob >= model.threshold) | out["rigid"]
        out["verify"] = ~out["in_need"] & (prob >= model.screen_threshold)
        out["score"] = prob.round(3)
        # explanations (TreeSHAP) only where the model says "in need": that is who a clerk reads about
        out["model_reasons"] = ""
        need = out.index[out["in_need"].to_numpy()]
        out.loc[need, "model_reasons"] = model.explain(out.loc[need])
    out["tier"] = np.select(
        [out["in_need"] & out["severe"], out["in_need"], (out["tier"] != "") | out["verify"]],
        ["high", "medium", "low"], default="")
    rules_txt = np.where(out["rules_in_need"], "规则：困难", "规则：未达标准")
    model_txt = np.where(out["model_probability"].isna(), "",
                         "模型概率 " + out["model_probability"].fillna(0).round(2).astype(str))
    verify_txt = np.where(out["verify"], "待入户核实：核对数据不足以判定，需入户了解未登记收入", "")
    parts = [out["reasons"], pd.Series(rules_txt, index=out.index), pd.Series(model_txt, index=out.index),
             pd.Series(verify_txt, index=out.index), out["model_reasons"]]
    out["reasons"] = ["；".join(x for x in row if x) for row in zip(*parts, strict=True)]
    return out


def identify_year(year: int, *, url: str | None = None, out: Path | None = None,
                  thresholds_path: Path | None = None, use_model: bool = True, actor: str = "cli",
                  data_dir: Path | None = None, progress: Progress | None = None) -> IdentifySummary:
    started = datetime.now(UTC)
    migrate(url)
    a = assess_year(year, url=url, thresholds_path=thresholds_path, progress=progress)
    model = load_model(model_dir(data_dir)) if use_model else None
    scored = score_households(a.households, model)
    flagged = scored[scored["tier"] != ""].reset_index()
    engine = engine_for(url)
    with engine.begin() as conn:
        masked = _masked_ids(conn, list(flagged["head_token"]))
        run_id: int = conn.execute(insert(identify_run).values(
            year=year, thresholds_id=a.thresholds.id, model_id=model.model_id if model else None,
            oop_source=a.inputs.oop_source[:32], households=len(scored), flagged=len(flagged),
            not_on_roster=int((scored["in_need"] & ~scored["on_roster"]).sum()),
            to_verify=int(scored["verify"].sum()), started_at=started, finished_at=datetime.now(UTC), actor=actor,
        )).inserted_primary_key[0]  # type: ignore[index]
        rows = [
            {"run_id": run_id, "household_id": str(r.household_id), "head_token": r.head_token,
             "township_code": str(r.township_code), "tier": r.tier, "score": float(r.score),
             "risk_score": int(r.risk_score), "rules_in_need": bool(r.rules_in_need), "rigid": bool(r.rigid),
             "model_probability": None if pd.isna(r.model_probability) else float(r.model_probability),
             "on_roster": bool(r.on_roster), "verify": bool(r.verify), "reasons": r.reasons}
            for r in flagged.itertuples(index=False)
        ]
        for i in range(0, len(rows), 5000):
            conn.execute(insert(identify_result), rows[i:i + 5000])
        append_event(conn, actor=actor, action="identify.run", subject=f"identify_run:{run_id}",
                     detail={"year": year, "flagged": len(flagged), "to_verify": int(scored["verify"].sum()),
                             "model_id": model.model_id if model else None,
                             "thresholds": a.thresholds.id, "oop_source": a.inputs.oop_source})
    if out is not None:
        ordered = flagged.assign(rank=flagged["tier"].map(TIER_ORDER)).sort_values(
            ["rank", "score", "household_id"], ascending=[True, False, True])
        write_table(pd.DataFrame({
            "id_number": [masked.get(t, "") for t in ordered["head_token"]],
            "household_id": ordered["household_id"], "tier": ordered["tier"],
            "score": ordered["score"].map(lambda v: f"{v:.3f}"), "reasons": ordered["reasons"],
        }), out)
    in_need = scored["in_need"]
    return IdentifySummary(
        run_id=int(run_id), households=len(scored), flagged=len(flagged), in_need=int(in_need.sum()),
        not_on_roster=int((in_need & ~scored["on_roster"]).sum()),
        by_tier={t: int((flagged["tier"] == t).sum()) for t in ("high", "medium", "low")},
        to_verify=int(scored["verify"].sum()),
        model_id=model.model_id if model else None, oop_source=a.inputs.oop_source, out=out,
    )


def _masked_ids(conn: Connection, tokens: list[str]) -> dict[str, str]:
    """Masked ID numbers (GB 11643, middle digits hidden) of household heads; never the raw number."""
    if "identity" not in inspect(conn).get_table_names():
        return {}
    found: dict[str, str] = {}
    for i in range(0, len(tokens), 900):
        chunk = tokens[i:i + 900]
        for tok, m in conn.execute(select(identity.c.id_token, identity.c.id_masked)
                                   .where(identity.c.id_token.in_(chunk))):
            found[tok] = m
    return found


def write_table(df: pd.DataFrame, out: Path, headers: list[str] | None = None) -> None:
    """CSV (UTF-8 with BOM so Excel opens it) or XLSX with Chinese headers, chosen by suffix."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        df.to_excel(out, index=False, header=headers or XLSX_HEADERS, engine="xlsxwriter")
    else:
        df.to_csv(out, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL)


def read_truth(path: Path) -> pd.Series:
    """truth/households.csv → in_need (bool) by household_id."""
    if path.is_dir():
        path = path / "households.csv"
    try:
        t = pd.read_csv(path, dtype=str)
    except OSError as exc:
        raise ContractError(f"cannot read truth file {path}: {exc}", f"无法读取真值文件 {path}", file=str(path)) from exc
    missing = {"household_id", "in_need"} - set(t.columns)
    if missing:
        raise ContractError(f"{path} lacks columns {sorted(missing)}", f"{path} 缺少列 {sorted(missing)}",
                            file=str(path), field=",".join(sorted(missing)))
    return t.set_index("household_id")["in_need"].str.upper().isin(["Y", "1", "TRUE"])


def train_from_truth(year: int, truth: Path, *, url: str | None = None, seed: int = 7,
                     data_dir: Path | None = None, progress: Progress | None = None) -> TrainResult:
    """Train on households that appear in the truth file; save under the data dir as the current model."""
    migrate(url)
    a = assess_year(year, url=url, progress=progress)
    y_all = read_truth(truth)
    hh = a.households[a.households.index.isin(y_all.index)]
    if len(hh) < 50 or hh.index.map(y_all).nunique() < 2:
        raise ContractError(f"only {len(hh)} households match {truth}; load the county that truth belongs to",
                            f"真值文件只匹配到 {len(hh)} 户，请先加载对应县的数据", file=str(truth))
    y = hh.index.map(y_all).to_numpy().astype(int)
    model_id = f"identify-{year}-{datetime.now(UTC):%Y%m%d%H%M%S}"
    result = train(hh, y, model_id=model_id, seed=seed, targets=a.thresholds.operating_points)
    result.model.save(model_dir(data_dir))
    return result
