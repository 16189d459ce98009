"""Identification thresholds and the disease→need map, read from dated YAML in ``policies/identification``.

Numbers live in data, never in code (openfisca style): a county changes its dibao standard or adds a
rare disease by editing YAML, and the run records which file it used.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from medaid.errors import PolicyError
from medaid.settings import get_settings

T = TypeVar("T", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InferredIncome(_Strict):
    min_age: int
    max_age: int
    yuan_per_year: int


class AssetTest(_Strict):
    exempt_houses: int
    vehicle_exempt_value_yuan: int
    financial_per_head_multiple: float
    business_value_yuan: int


class Need(_Strict):
    dibao_multiple: float
    edge_multiple: float
    catastrophic_multiple: float
    catastrophic_burden_share: float
    oop_layers: list[str]
    inferred_income: InferredIncome
    assets: AssetTest


class RiskScore(_Strict):
    age_over: int
    points_per_year_over: int
    disability_points: dict[int, int]
    major_inpatient_oop_yuan: int
    major_inpatient_lookback_years: int
    major_inpatient_points: int
    threshold: int


class RigidInclusion(_Strict):
    multi_disabled_members: int
    rare_disease_annual_oop_yuan: int


class Colour(_Strict):
    owner: str
    deadline_workdays: int
    action: str


class WarningRules(_Strict):
    single_admission_oop_yuan: int
    oop_share_of_income: float
    business_income_drop: float
    high_share: float
    colours: dict[str, Colour]
    home_visit_hours: int


class Management(_Strict):
    review_cycles_months: dict[str, int]
    monthly_tracking: list[str]
    spot_check_share: float
    exit_income_months: int
    exit_buffer_months: int
    green_channel_workdays: int
    notice_workdays: int
    publicity_days: int
    follow_up_months: list[int]
    screening_review_workdays: int


class OperatingPoints(_Strict):
    """Targets the trained model's two thresholds are chosen for (decision 0010)."""

    confirm_precision: float = Field(default=0.90, gt=0, le=1)  # the confirmed list (in need) reaches this precision
    screen_recall: float = Field(default=0.95, gt=0, le=1)      # confirmed + 待入户核实 reach this recall


class Thresholds(_Strict):
    """One dated identification threshold file."""

    id: str
    valid_from: date
    valid_to: date | None = None
    dibao_standard_yuan: int
    need: Need
    risk_score: RiskScore
    rigid_inclusion: RigidInclusion
    warnings: WarningRules
    management: Management
    operating_points: OperatingPoints = OperatingPoints()


class DiseaseClass(_Strict):
    label: str
    points: int
    high_cost: bool
    chronic: bool


class DiseaseMap(_Strict):
    """ICD-10 prefix → need class; the longest matching prefix wins (N18.5 is ESRD, N18.4 chronic)."""

    valid_from: date
    classes: dict[str, DiseaseClass]
    prefixes: dict[str, list[str]] = Field(default_factory=dict)

    def lookup(self) -> list[tuple[str, str]]:
        """(prefix, class) pairs, longest prefix first, for vectorised matching."""
        pairs = [(p.upper(), cls) for cls, ps in self.prefixes.items() for p in ps]
        return sorted(pairs, key=lambda x: -len(x[0]))

    def classify(self, code: str) -> str | None:
        c = code.strip().upper()
        for prefix, cls in self.lookup():
            if c.startswith(prefix):
                return cls
        return None


def identification_dir() -> Path:
    return get_settings().policies_dir / "identification"


def _read(path: Path) -> dict[str, object]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"cannot read {path}: {exc}", f"无法读取识别阈值文件 {path}", file=str(path)) from exc
    if not isinstance(doc, dict):
        raise PolicyError(f"{path} is not a YAML mapping", f"{path} 不是 YAML 映射", file=str(path))
    return doc


def load_thresholds(path: Path | None = None, *, on: date | None = None) -> Thresholds:
    """The threshold file at ``path``, or the one in policies/identification valid on ``on``."""
    if path is None:
        on = on or date.today()
        candidates = []
        for p in sorted(identification_dir().glob("identification-*.yaml")):
            t = _validate(Thresholds, p)
            if t.valid_from <= on and (t.valid_to is None or on <= t.valid_to):
                candidates.append(t)
        if not candidates:
            raise PolicyError(
                f"no identification threshold file valid on {on} in {identification_dir()}; add one",
                f"{identification_dir()} 中没有 {on} 有效的识别阈值文件，请新增",
            )
        return max(candidates, key=lambda t: t.valid_from)
    return _validate(Thresholds, path)


def load_disease_map(path: Path | None = None) -> DiseaseMap:
    return _validate(DiseaseMap, path or identification_dir() / "disease-need-map.yaml")


def _validate(model: type[T], path: Path) -> T:
    try:
        return model.model_validate(_read(path))
    except ValidationError as exc:
        problems = [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise PolicyError(
            f"{path} is invalid: " + "; ".join(problems),
            f"识别阈值文件 {path} 无效，请按提示修改",
            file=str(path),
            problems=problems,
        ) from exc
