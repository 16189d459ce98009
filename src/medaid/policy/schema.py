"""Policy files as data: pydantic models of a policy YAML and the one loader, ``load_policy``.

A policy (政策) is an ordered list of layers (programs, 保障层次); each layer has one or more
schedules (disjoint sets of claims: e.g. inpatient vs chronic outpatient) and each schedule has
base parameters plus category tilts (倾斜政策). See docs/policies.md for the file format.

Every problem in a file is reported at once (``PolicyError.problems``), each with the file and the
path inside the document, so a policy officer can fix them in one pass.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from medaid.domain.categories import CODES as CATEGORY_CODES
from medaid.domain.money import round_fen
from medaid.errors import PolicyError

VisitType = Literal["inpatient", "chronic_outpatient", "general_outpatient"]
Location = Literal["county", "province", "out_of_province"]
Level = Literal[1, 2, 3]
VISIT_TYPES: tuple[VisitType, ...] = ("inpatient", "chronic_outpatient", "general_outpatient")
LOCATIONS: tuple[Location, ...] = ("county", "province", "out_of_province")
LEVELS: tuple[Level, ...] = (1, 2, 3)
DERIVED_TAGS = frozenset({"low_income_3x"})
"""Person tags that are not roster categories: ``low_income_3x`` = household income per head below
3× the local dibao standard (seed 003, 新津兜底救助); the caller derives and supplies it."""
TAGS = CATEGORY_CODES | DERIVED_TAGS

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
"""Layer, schedule and tilt ids appear in SQL and in the output's rule column: keep them plain."""

BP = 10_000
"""Ratios are exact decimals with at most four places, i.e. whole basis points (万分之一)."""


class Base(StrEnum):
    """What a layer pays on, per claim."""

    IN_SCOPE = "in_scope"  # 政策范围内费用
    REMAINING = "remaining"  # in_scope − what earlier layers paid on this claim (政策范围内自付)
    TOTAL = "total"  # total cost (全部费用)
    TOTAL_REMAINING = "total_remaining"  # total − what earlier layers paid (全部自付), seed 004


def _no_overlap(keys_per_item: list[Iterable[tuple[object, ...]]], message: str) -> None:
    seen: set[tuple[object, ...]] = set()
    for keys in keys_per_item:
        for key in keys:
            if key in seen:
                raise ValueError(f"{message} {key}")
            seen.add(key)


def _unique(ids: list[str], what: str) -> None:
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate {what} ids {ids}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _amount(v: Any) -> Decimal:
    if isinstance(v, float):
        raise ValueError("write amounts as quoted strings or integers, not floats (e.g. \"600\")")
    d = Decimal(str(v))
    if d < 0:
        raise ValueError("amount must be ≥ 0")
    if d != round_fen(d):
        raise ValueError("amount has more than 2 decimals (fen)")
    return d


def _ratio(v: Any) -> Decimal:
    if isinstance(v, float):
        raise ValueError("write ratios as quoted exact decimals, e.g. \"0.65\", not floats")
    d = Decimal(str(v))
    if not (0 <= d <= 1):
        raise ValueError("ratio must be between 0 and 1")
    if (d * BP) != (d * BP).to_integral_value():
        raise ValueError("ratio has more than 4 decimals (basis points)")
    return d


class Band(_Model):
    """A ratio band over the amount above the deductible: [previous upto, upto) at ``ratio``."""

    upto: Decimal | None = None
    ratio: Decimal

    _check_upto = field_validator("upto", mode="before")(lambda v: None if v is None else _amount(v))
    _check_ratio = field_validator("ratio", mode="before")(_ratio)


class AdmissionTerm(_Model):
    """Per-admission deductible and ratio for claims at some locations/hospital levels."""

    locations: list[Location] = Field(default_factory=lambda: list(LOCATIONS))
    levels: list[Level] = Field(default_factory=lambda: list(LEVELS))
    deductible: Decimal
    ratio: Decimal

    _check_ded = field_validator("deductible", mode="before")(_amount)
    _check_ratio = field_validator("ratio", mode="before")(_ratio)


class Tilt(_Model):
    """A category override (倾斜): changes relative to the schedule's base parameters."""

    id: str = Field(pattern=ID_PATTERN)
    categories: list[str]
    deductible: Decimal | None = None
    deductible_factor: Decimal | None = None
    ratio: Decimal | None = None
    ratio_points: Decimal | None = None
    cap: Decimal | None = None
    no_cap: bool = False

    _check_ded = field_validator("deductible", "cap", mode="before")(lambda v: None if v is None else _amount(v))
    _check_ratio = field_validator("ratio", "deductible_factor", mode="before")(
        lambda v: None if v is None else _ratio(v)
    )

    @field_validator("ratio_points", mode="before")
    @classmethod
    def _points(cls, v: Any) -> Decimal | None:
        if v is None:
            return None
        if isinstance(v, float):
            raise ValueError("write points as integers or quoted decimals")
        d = Decimal(str(v))
        if d * 100 != (d * 100).to_integral_value():
            raise ValueError("ratio_points may have at most 2 decimals (1 point = 1%)")
        return d

    @field_validator("categories")
    @classmethod
    def _cats(cls, v: list[str]) -> list[str]:
        unknown = [c for c in v if c not in TAGS]
        if unknown:
            raise ValueError(f"unknown categories {unknown}; known: {sorted(TAGS)}")
        if not v:
            raise ValueError("a tilt needs at least one category")
        return v

    @model_validator(mode="after")
    def _one_each(self) -> Tilt:
        if self.deductible is not None and self.deductible_factor is not None:
            raise ValueError("give deductible or deductible_factor, not both")
        if self.ratio is not None and self.ratio_points is not None:
            raise ValueError("give ratio or ratio_points, not both")
        if self.cap is not None and self.no_cap:
            raise ValueError("give cap or no_cap, not both")
        return self


class Schedule(_Model):
    """One set of claims of a layer (by visit type and location) with its own annual accounting."""

    id: str = Field(pattern=ID_PATTERN)
    visit_types: list[VisitType]
    locations: list[Location] = Field(default_factory=lambda: list(LOCATIONS))
    deductible_per: Literal["admission", "year"] = "year"
    deductible: Decimal = Decimal(0)
    terms: list[AdmissionTerm] = Field(default_factory=list)
    bands: list[Band] = Field(default_factory=list)
    cap: Decimal | None = None
    tilts: list[Tilt] = Field(default_factory=list)

    _check_ded = field_validator("deductible", mode="before")(_amount)
    _check_cap = field_validator("cap", mode="before")(lambda v: None if v is None else _amount(v))

    @model_validator(mode="after")
    def _shape(self) -> Schedule:
        if self.terms and self.deductible_per != "admission":
            raise ValueError("terms (per-admission deductible by level/location) need deductible_per: admission")
        if self.terms and self.bands:
            raise ValueError("give terms (one ratio per admission kind) or bands, not both")
        if not self.terms and not self.bands:
            raise ValueError("give bands (ratios over the amount above the deductible) or terms")
        if self.bands:
            if self.bands[-1].upto is not None:
                raise ValueError("the last band must be open (no upto)")
            uptos = [b.upto for b in self.bands[:-1]]
            if any(u is None for u in uptos):
                raise ValueError("only the last band may be open (no upto)")
            if any(a >= b for a, b in itertools.pairwise(u for u in uptos if u is not None)):
                raise ValueError("band upto values must increase")
        _no_overlap([itertools.product(t.locations, t.levels) for t in self.terms], "terms overlap at location/level")
        _unique([t.id for t in self.tilts], "tilt")
        return self


class Layer(_Model):
    """A program (保障层次): basic, critical, assistance, re-assistance, supplementary, …"""

    id: str = Field(pattern=ID_PATTERN)
    name: str
    department: str
    base: Base
    eligible: Literal["all"] | list[str] = "all"
    given_field: Literal["basic_paid", "critical_paid"] | None = None
    in_scope: bool = True
    """Counts toward "no claim's total pays more than its in_scope amount" (False for total-cost layers)."""
    after: list[str] | None = None
    """Layers this one must follow; ``None`` = fixed after every layer listed before it."""
    schedules: list[Schedule]

    @field_validator("eligible")
    @classmethod
    def _cats(cls, v: Literal["all"] | list[str]) -> Literal["all"] | list[str]:
        if isinstance(v, list):
            unknown = [c for c in v if c not in TAGS]
            if unknown:
                raise ValueError(f"unknown categories {unknown}; known: {sorted(TAGS)}")
        return v

    @model_validator(mode="after")
    def _disjoint(self) -> Layer:
        _no_overlap([itertools.product(s.visit_types, s.locations) for s in self.schedules],
                    "schedules overlap (a claim must match one) on visit type/location")
        _unique([s.id for s in self.schedules], "schedule")
        if self.base in (Base.TOTAL, Base.TOTAL_REMAINING) and self.in_scope:
            raise ValueError("a layer on total cost must say in_scope: false")
        if not self.schedules:
            raise ValueError("a layer needs at least one schedule")
        return self


class Policy(_Model):
    """A dated, regional policy: the ordered layers applied to each claim."""

    id: str
    name: str
    region: str = Field(pattern=r"^\d{2}(\d{4})?$")
    valid_from: date
    valid_to: date | None = None
    medical_year: Literal["calendar"] = "calendar"
    description: str = ""
    source: str = ""
    layers: list[Layer]

    @model_validator(mode="after")
    def _whole(self) -> Policy:
        ids = [layer.id for layer in self.layers]
        _unique(ids, "layer")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        for i, layer in enumerate(self.layers):
            for dep in layer.after or []:
                if dep not in ids:
                    raise ValueError(f"layer {layer.id!r}: after names unknown layer {dep!r}")
                if ids.index(dep) >= i:
                    raise ValueError(f"layer {layer.id!r}: after {dep!r} must list earlier layers only")
        return self

    def layer(self, layer_id: str) -> Layer:
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        raise KeyError(layer_id)

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def _loc(loc: tuple[int | str, ...]) -> str:
    return "/".join(str(p) for p in loc) or "(document)"


def _problems(exc: ValidationError, file: str) -> Iterator[str]:
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        yield f"{file}: {_loc(err['loc'])}: {msg}"


def parse_policy(data: Any, *, file: str = "<policy>") -> Policy:
    """Validate a parsed document; raise ``PolicyError`` listing every problem."""
    from medaid.policy.params import check_resolved  # params builds on these models

    try:
        policy = Policy.model_validate(data)
        problems = check_resolved(policy, file)
    except ValidationError as exc:
        problems = list(_problems(exc, file))
    if problems:
        raise PolicyError(
            f"policy file {file} is invalid ({len(problems)} problems): fix each listed path",
            f"政策文件 {file} 有 {len(problems)} 处错误，请按列出的位置逐一修改",
            file=file,
            problems=problems,
        )
    return policy


def load_policy(path: str | Path) -> Policy:
    """Read and validate one policy YAML file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(
            f"cannot read policy file {p}: {exc}", f"无法读取政策文件 {p}", file=str(p), problems=[f"{p}: {exc}"]
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(
            f"policy file {p} is not valid YAML: {exc}", f"政策文件 {p} 不是合法的 YAML",
            file=str(p), problems=[f"{p}: {exc}"],
        ) from None
    return parse_policy(data, file=str(p))
