"""Gradient-boosted need model (LightGBM) with isotonic calibration and plain-Chinese explanations.

The model sees the household features and the rules' verdict, never roster membership: the point
is to find households in need that no roster has, so "already on a roster" must not be evidence.
Saved as two text files (LightGBM model + JSON with calibration and thresholds), no pickles.

Two operating points (decision 0010), both chosen on the calibration slice, never on held-out rows:
the *confirm* threshold is the lowest probability at which the list reaches the required precision
(default 0.90: in need, goes to approval); the *screen* threshold is the highest probability at
which confirmed + screened households still reach the required recall (default 0.95). Households
between the two are 待入户核实: the records cannot decide them (unrecorded income), a home visit can.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split

from medaid.errors import ConfigError
from medaid.identify.thresholds import OperatingPoints

# feature → (Chinese label, unit for the explanation: "yuan" shows fen as yuan, "pct", "n", "flag")
FEATURES: dict[str, tuple[str, str]] = {
    "members": ("家庭人口", "n"),
    "working_age": ("劳动年龄人口", "n"),
    "elderly": ("65岁以上老人", "n"),
    "children": ("未成年人", "n"),
    "income_per_head_fen": ("人均收入", "yuan"),
    "adjusted_per_head_fen": ("扣除医疗支出后人均收入", "yuan"),
    "inferred_income_fen": ("推定务农/务工收入", "yuan"),
    "wage_per_head_fen": ("人均工资收入", "yuan"),
    "business_per_head_fen": ("人均经营收入", "yuan"),
    "pension_per_head_fen": ("人均养老金", "yuan"),
    "transfer_per_head_fen": ("人均转移性收入", "yuan"),
    "property_per_head_fen": ("人均财产性收入", "yuan"),
    "other_per_head_fen": ("人均其他收入", "yuan"),
    "recorded_per_head_fen": ("人均核对到的收入", "yuan"),
    "recorded_adjusted_per_head_fen": ("扣除医疗支出后人均核对收入", "yuan"),
    "burden_per_head_fen": ("人均刚性医疗支出", "yuan"),
    "able_without_record": ("无收入记录的劳动力", "n"),
    "employed_without_wage": ("有就业登记但无工资记录", "n"),
    "deceased_members": ("年内去世成员", "n"),
    "head_age": ("户主年龄", "n"),
    "earners": ("有工资收入的成员", "n"),
    "employee_scheme": ("参加职工医保的成员", "n"),
    "mean_age": ("家庭平均年龄", "n"),
    "burden_fen": ("年度刚性医疗支出", "yuan"),
    "oop_fen": ("年度政策内自付", "yuan"),
    "oop_share": ("医疗支出占收入比", "pct"),
    "max_stay_oop_year_fen": ("单次住院最高自付", "yuan"),
    "inpatient_stays": ("住院次数", "n"),
    "claims": ("就诊次数", "n"),
    "risk_score": ("最高健康风险分", "n"),
    "risk_score_sum": ("家庭健康风险分合计", "n"),
    "disabled": ("残疾成员", "n"),
    "severe_disabled": ("重度残疾成员", "n"),
    "has_cancer": ("有恶性肿瘤患者", "flag"),
    "has_esrd": ("有终末期肾病患者", "flag"),
    "has_rare": ("有罕见病患者", "flag"),
    "has_chronic": ("有长期慢性病患者", "flag"),
    "unemployed": ("失业成员", "n"),
    "main_earner_unemployed": ("主要劳动力失业", "flag"),
    "business_drop": ("经营收入降幅", "pct"),
    "financial_per_head_fen": ("人均存款和证券", "yuan"),
    "houses": ("房产套数", "n"),
    "costly_vehicle": ("有非豁免车辆", "flag"),
    "vehicle_value_fen": ("车辆价值", "yuan"),
    "business_assets_fen": ("经营性资产", "yuan"),
    "asset_fail": ("资产核查未通过", "flag"),
    "rules_in_need": ("规则判定困难", "flag"),
    "rigid": ("刚性纳入", "flag"),
}
FEATURE_NAMES = list(FEATURES)
PREDICT_THREADS = 1  # OpenMP threads fight badly on a shared county server; one thread is predictable


def matrix(hh: pd.DataFrame) -> pd.DataFrame:
    return hh[FEATURE_NAMES].astype(float)


@dataclass(slots=True)
class Metrics:
    precision: float
    recall: float
    f1: float
    auc: float | None
    n: int

    def as_dict(self) -> dict[str, float | int | None]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "auc": None if self.auc is None else round(self.auc, 4), "n": self.n}


def metrics(y: np.ndarray, pred: np.ndarray, score: np.ndarray | None = None) -> Metrics:
    auc = float(roc_auc_score(y, score)) if score is not None and len(set(y)) == 2 else None
    return Metrics(float(precision_score(y, pred, zero_division=0)), float(recall_score(y, pred, zero_division=0)),
                   float(f1_score(y, pred, zero_division=0)), auc, len(y))


@dataclass(slots=True)
class NeedModel:
    """A trained booster, its isotonic calibration and the decision threshold on calibrated probability."""

    booster: lgb.Booster
    iso_x: list[float]
    iso_y: list[float]
    threshold: float  # confirm: calibrated probability at or above which a household is in need
    model_id: str
    screen_threshold: float  # at or above (and below ``threshold``): needs a home visit to decide

    def probability(self, hh: pd.DataFrame) -> np.ndarray:
        raw = self.booster.predict(matrix(hh), num_threads=PREDICT_THREADS)
        prob: np.ndarray = np.interp(np.asarray(raw, dtype=float), self.iso_x, self.iso_y)
        return prob

    def explain(self, hh: pd.DataFrame, top: int = 3) -> list[str]:
        """Top contributions toward need per household, e.g. "人均收入 4,200 元（推高）"."""
        x = matrix(hh)
        if x.empty:
            return []
        contrib = np.asarray(self.booster.predict(x, pred_contrib=True, num_threads=PREDICT_THREADS))[:, :-1]
        order = np.argsort(-contrib, axis=1)[:, :top]
        values = x.to_numpy()
        out = []
        for i in range(len(x)):
            parts = [_describe(FEATURE_NAMES[j], values[i, j]) for j in order[i] if contrib[i, j] > 0.05]
            out.append("模型依据：" + "，".join(parts) if parts else "")
        return out

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(directory / f"{self.model_id}.lgb.txt"))
        meta = {"model_id": self.model_id, "iso_x": self.iso_x, "iso_y": self.iso_y,
                "threshold": self.threshold, "screen_threshold": self.screen_threshold, "features": FEATURE_NAMES}
        path = directory / f"{self.model_id}.json"
        path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        (directory / "current.txt").write_text(self.model_id, encoding="utf-8")
        return path


def _describe(name: str, v: float) -> str:
    label, unit = FEATURES[name]
    if unit == "yuan":
        return f"{label} {v / 100:,.0f} 元"
    if unit == "pct":
        return f"{label} {v * 100:.0f}%"
    if unit == "flag":
        return label if v else f"无{label}"
    return f"{label} {v:.0f}"


def load_model(directory: Path) -> NeedModel | None:
    """The current model in ``directory`` (models/identify under the data dir), or None if untrained."""
    current = directory / "current.txt"
    if not current.exists():
        return None
    model_id = current.read_text(encoding="utf-8").strip()
    meta = json.loads((directory / f"{model_id}.json").read_text(encoding="utf-8"))
    if meta["features"] != FEATURE_NAMES:
        raise ConfigError(f"model {model_id} was trained on other features; run `medaid identify train` again",
                          f"模型 {model_id} 的特征与当前版本不符，请重新运行 medaid identify train")
    booster = lgb.Booster(model_file=str(directory / f"{model_id}.lgb.txt"))
    # a model saved before the screening band existed has none: its band is empty
    screen = float(meta.get("screen_threshold", meta["threshold"]))
    return NeedModel(booster, meta["iso_x"], meta["iso_y"], meta["threshold"], model_id, screen)


@dataclass(slots=True)
class Screening:
    """Held-out quality of the two-band verdict: the confirmed list and confirmed + to-verify."""

    screened: Metrics  # confirmed or to-verify, against truth: recall is what a home-visit round can reach
    to_verify: int  # held-out households in the band between the two thresholds
    in_need: int  # held-out households truly in need

    def as_dict(self) -> dict[str, object]:
        return {"confirmed_or_verify": self.screened.as_dict(),
                "to_verify": self.to_verify, "in_need": self.in_need,
                "visits_per_household_found": round(self.to_verify / max(1, self.in_need), 2)}


@dataclass(slots=True)
class TrainResult:
    model: NeedModel
    model_metrics: Metrics
    rules_metrics: Metrics
    screening: Screening
    targets: OperatingPoints
    train_rows: int
    test_rows: int
    test_truth: np.ndarray
    test_probability: np.ndarray

    def operating_points(self) -> dict[str, float]:
        """On held-out rows: best recall at the precision target, best precision at the recall target."""
        from sklearn.metrics import precision_recall_curve

        t = self.targets
        p, r, _ = precision_recall_curve(self.test_truth, self.test_probability)
        return {f"recall_at_precision_{t.confirm_precision:.2f}": float(r[p >= t.confirm_precision].max(initial=0.0)),
                f"precision_at_recall_{t.screen_recall:.2f}": float(p[r >= t.screen_recall].max(initial=0.0))}


def operating_thresholds(y: np.ndarray, prob: np.ndarray, targets: OperatingPoints) -> tuple[float, float]:
    """(confirm, screen) thresholds on calibrated probabilities ``prob`` of labelled rows ``y``.

    confirm: the lowest threshold whose list {prob ≥ t} has precision ≥ the target (the most
    households found at that precision); if no threshold reaches it, the one with the best
    precision. screen: the highest threshold whose list still has recall ≥ the target, never above
    confirm.
    """
    from sklearn.metrics import precision_recall_curve

    p, r, thr = precision_recall_curve(y, prob)
    p, r = p[:-1], r[:-1]  # the last point (recall 0) has no threshold
    if len(thr) == 0:
        return 0.5, 0.5
    ok = np.flatnonzero(p >= targets.confirm_precision)
    confirm = float(thr[ok].min()) if len(ok) else float(thr[int(np.argmax(p))])
    reach = np.flatnonzero(r >= targets.screen_recall)
    screen = float(thr[reach].max()) if len(reach) else float(thr.min())
    return confirm, min(screen, confirm)


def train(hh: pd.DataFrame, y: np.ndarray, *, model_id: str, seed: int = 7, test_size: float = 0.3,
          rounds: int = 300, threads: int = 1, targets: OperatingPoints | None = None) -> TrainResult:
    """Fit on a stratified split, calibrate on a slice of the training part, evaluate on held-out rows.

    Both thresholds (``operating_thresholds``) are chosen on the calibration slice.
    """
    targets = targets or OperatingPoints()
    idx = np.arange(len(hh))
    tr, te = train_test_split(idx, test_size=test_size, random_state=seed, stratify=y)
    fit, cal = train_test_split(tr, test_size=0.25, random_state=seed, stratify=y[tr])
    x = matrix(hh)
    # max_depth bounds the cost of TreeSHAP explanations (O(trees·leaves·depth²) per household)
    params = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 31, "max_depth": 6, "min_data_in_leaf": 20,
              "feature_fraction": 0.9, "bagging_fraction": 0.9, "bagging_freq": 1, "seed": seed,
              "verbose": -1, "num_threads": threads, "deterministic": True}
    booster = lgb.train(params, lgb.Dataset(x.iloc[fit], y[fit]), num_boost_round=rounds)
    raw_cal = np.asarray(booster.predict(x.iloc[cal]), dtype=float)
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw_cal, y[cal])
    iso_x = [float(v) for v in iso.X_thresholds_]
    iso_y = [float(v) for v in iso.y_thresholds_]
    p_cal = np.interp(raw_cal, iso_x, iso_y)
    confirm, screen = operating_thresholds(y[cal], p_cal, targets)
    model = NeedModel(booster, iso_x, iso_y, confirm, model_id, screen)
    p_te = model.probability(hh.iloc[te])
    # the verdict as ``score_households`` gives it: rigid inclusion is in need whatever the model says
    rigid = hh["rigid"].to_numpy().astype(bool)[te] if "rigid" in hh else np.zeros(len(te), dtype=bool)
    confirmed = (p_te >= confirm) | rigid
    screened = confirmed | (p_te >= screen)
    rules = hh["rules_in_need"].to_numpy().astype(bool)
    return TrainResult(
        model=model,
        model_metrics=metrics(y[te], confirmed, p_te),
        rules_metrics=metrics(y[te], rules[te], hh["risk_score"].to_numpy()[te] + 100 * rules[te]),
        screening=Screening(metrics(y[te], screened, p_te),
                            int((screened & ~confirmed).sum()), int(y[te].sum())),
        targets=targets,
        train_rows=len(tr),
        test_rows=len(te),
        test_truth=y[te],
        test_probability=p_te,
    )
