"""``medaid demo``: synthesise a county, load it, create one demo user per role, serve.

Safe to run twice: each step is skipped when its result is already there (a finished-marker for
the synthetic files, an existing successful load, existing users).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine, func, select

from medaid.api.roles import Department, Role
from medaid.api.users import create_user, find_user
from medaid.cli.app import app, console
from medaid.cli.serve import run_server
from medaid.settings import get_settings
from medaid.store.db import engine_for, migrate
from medaid.store.tables import load, person

DEMO_USERS: tuple[tuple[str, str, Role, Department | None], ...] = (
    ("admin", "admin-demo-2026", Role.ADMIN, None),
    ("clerk", "clerk-demo-2026", Role.CLERK, None),
    ("township", "township-demo-2026", Role.TOWNSHIP, None),
    # The reference policy's assistance and re-assistance belong to medical security (医保), so that
    # approver has a real inbox; the civil-affairs approver shows a department with no share.
    ("approver", "approver-demo-2026", Role.APPROVER, Department.MEDICAL_SECURITY),
    ("approver-mz", "approver-mz-demo-2026", Role.APPROVER, Department.CIVIL_AFFAIRS),
    ("supervisor", "supervisor-demo-2026", Role.SUPERVISOR, None),
    ("analyst", "analyst-demo-2026", Role.ANALYST, None),
)
"""Demo-only credentials (also in docs/web.md). Never use ``medaid demo`` on real data."""


@contextmanager
def _bar() -> Iterator[Progress]:
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        yield bar


def _callback(bar: Progress) -> Callable[[str, int, int], None]:
    tasks: dict[str, TaskID] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total or None)
        bar.update(tasks[stage], completed=done, total=total or None)

    return progress


def synthesise(county_dir: Path, people: int, seed: int, year: int) -> None:
    marker = county_dir / ".complete"
    if marker.exists():
        console.print(f"跳过生成（已存在）/ synthetic county already at {county_dir}")
        return
    from medaid.synth import generate_county

    with _bar() as bar:
        summary = generate_county(county_dir, people=people, year=year, seed=seed, progress=_callback(bar))
    marker.write_text(f"people={people} seed={seed} year={year}\n")
    console.print(f"已生成 / generated: {sum(summary.files.values()):,} rows in {len(summary.files)} files")


def load_county(county_dir: Path, engine: Engine, url: str) -> None:
    with engine.connect() as conn:
        loaded = conn.execute(select(func.count()).select_from(load).where(load.c.status == "loaded")).scalar_one()
    if loaded:
        console.print(f"跳过导入（已有 {loaded} 个批次）/ data already loaded ({loaded} loads)")
        return
    from medaid.ingest.service import load_path

    with _bar() as bar:
        report = load_path(county_dir, url=url, actor="demo", progress=_callback(bar))
    for f in report.files:
        console.print(f"  {f.file_name}: {f.status} read {f.rows_read:,} accepted {f.rows_accepted:,} "
                      f"rejected {f.rows_rejected:,}")


def ensure_demo_users(engine: Engine) -> list[tuple[str, str, str, str]]:
    """Create missing demo users; the township user gets the most populous township."""
    rows = []
    with engine.begin() as conn:
        township = conn.execute(select(person.c.township_code).group_by(person.c.township_code)
                                .order_by(func.count().desc(), person.c.township_code).limit(1)).scalar()
        for username, password, role, dept in DEMO_USERS:
            if role is Role.TOWNSHIP and not township:
                continue
            existing = find_user(conn, username)
            user = existing or create_user(conn, username, password, role, township_code=township,
                                           department=dept, actor="demo")
            scope = user.township_code or (user.department.value if user.department else "")
            rows.append((username, password, role.value, scope))
    return rows


def run_main_job(county_dir: Path, url: str, year: int, data_dir: Path) -> None:
    """The bureau's main job on the loaded county, so every page has real work on it: identity
    resolution, the year's settlement, a reconciliation round, identification (model trained on the
    synthetic truth), warnings and tasks, and 免申即享 cases. Done once per data dir and year."""
    marker = data_dir / f".main-job-{year}"
    if marker.exists():
        console.print(f"跳过主流程（已完成）/ main job for {year} already done")
        return
    from medaid.cases.service import open_cases
    from medaid.identify.alerts import raise_warnings
    from medaid.identify.manage import plan_tasks
    from medaid.identify.service import identify_year, train_from_truth
    from medaid.linkage import resolve
    from medaid.policy.settle_store import settle_year
    from medaid.reconcile.rounds import run_round

    steps: list[tuple[str, Callable[[], object]]] = [
        ("人员归并 / identity resolution", lambda: resolve(url, actor="demo")),
        ("结算 / settlement", lambda: settle_year(year, url=url)),
        ("参保核查 / reconciliation round", lambda: run_round(year, url=url, actor="demo")),
        ("模型训练 / identification model", lambda: train_from_truth(year, county_dir / "truth", url=url)),
        ("精准识别 / identification", lambda: identify_year(year, url=url, actor="demo")),
        ("预警 / warnings", lambda: raise_warnings(year, url=url)),
        ("动态管理 / review tasks", lambda: plan_tasks(year, url=url)),
        ("免申即享 / cases", lambda: open_cases(url=url, year=year, actor="demo")),
    ]
    with _bar() as bar:
        task = bar.add_task("主流程 / main job", total=len(steps))
        for label, step in steps:
            bar.update(task, description=label)
            step()
            bar.advance(task)
    marker.write_text(f"year={year}\n")
    console.print("主流程完成 / main job done: links, settlement, reconciliation, identification, cases")


@app.command("demo")
def demo(people: int = typer.Option(20000, "--people", help="synthetic county size"),
         seed: int = typer.Option(2026, help="random seed"), year: int = typer.Option(2026, help="medical year"),
         serve: bool = typer.Option(True, "--serve/--no-serve", help="start the web app afterwards"),
         host: str = typer.Option("127.0.0.1"), port: int = typer.Option(8000)) -> None:
    """One command to a working system: synthesise, migrate, load, run the main job, create demo users, serve."""
    settings = get_settings()
    url = settings.resolved_database_url()
    county_dir = settings.data_dir / "demo-county"
    synthesise(county_dir, people, seed, year)
    migrate(url)
    engine = engine_for(url)
    load_county(county_dir, engine, url)
    run_main_job(county_dir, url, year, settings.data_dir)
    table = Table("用户名 username", "密码 password (demo only)", "角色 role", "范围 scope", title="演示账号 / demo users")
    for row in ensure_demo_users(engine):
        table.add_row(*row)
    console.print(table)
    if serve:
        run_server(host, port)
