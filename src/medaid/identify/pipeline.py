"""The whole identification round in one call (精准识别一轮): identify, raise warnings, plan tasks.

What ``medaid identify``, ``medaid identify warnings`` and ``medaid identify manage`` do one after
the other, for the web's background job. Each step is the CLI's own function. Running the round
twice stores a second identification run and raises no warning twice; the only tasks it opens again
are the notice and publicity of the new run's decisions (they are keyed by run, ``manage._notices``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from medaid.identify.alerts import raise_warnings
from medaid.identify.manage import plan_tasks
from medaid.identify.service import Progress, identify_year

STEPS = ("精准识别 / identify", "预警 / warnings", "动态管理 / tasks")


def run_round(year: int, *, url: str | None = None, as_of: date | None = None, actor: str = "cli",
              use_model: bool = True, thresholds_path: Path | None = None, data_dir: Path | None = None,
              progress: Progress | None = None) -> dict[str, Any]:
    """Run the three steps for ``year``; returns a JSON-able summary of each. Progress is reported
    as (stage, step done, 3) so a job page shows where the round is. ``data_dir`` is where the model
    is read from (the web app's own; default the settings')."""
    as_of = as_of or date.today()
    step = progress or (lambda _s, _i, _n: None)
    step(f"1/3 {STEPS[0]}", 0, 3)
    ident = identify_year(year, url=url, thresholds_path=thresholds_path, use_model=use_model, actor=actor,
                          data_dir=data_dir, progress=lambda label, _d, _n: step(f"1/3 {STEPS[0]} · {label}", 0, 3))
    step(f"2/3 {STEPS[1]}", 1, 3)
    warn = raise_warnings(year, url=url, as_of=as_of, thresholds_path=thresholds_path)
    step(f"3/3 {STEPS[2]}", 2, 3)
    plan = plan_tasks(year, url=url, as_of=as_of, thresholds_path=thresholds_path)
    step("完成 / done", 3, 3)
    zh, en = ident.message()
    return {
        "year": year, "as_of": as_of.isoformat(), "run_id": ident.run_id, "households": ident.households,
        "flagged": ident.flagged, "in_need": ident.in_need, "not_on_roster": ident.not_on_roster,
        "by_tier": ident.by_tier, "model_id": ident.model_id, "oop_source": ident.oop_source,
        "message_zh": zh, "message_en": en,
        "warnings_raised": warn.raised, "warnings_by_colour": warn.by_colour, "home_visits": warn.home_visits,
        "tasks_opened": plan.opened,
    }
