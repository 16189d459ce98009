"""A real server (uvicorn on a free loopback port, SQLite) and a real browser (Debian Chromium).

The data is a tiny hand-made persons file in two townships, loaded through the ingest service
before the server starts, plus one user per role that the journeys need.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from medaid.api.roles import Role
from medaid.api.users import create_user
from medaid.domain.idnumber import make
from medaid.store.db import engine_for, migrate

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-output" / "screenshots"
TOWN_A, TOWN_B = "370830101", "370830102"
PASSWORD = "e2e-password-1"
HEADER = "id_number,name,sex,birth_date,household_id,relation,township_code,village,address,phone\n"


def person_rows(n: int, township: str, start: int) -> str:
    lines = []
    for i in range(start, start + n):
        birth = dt.date(1960 + i % 30, 1 + i % 12, 1 + i % 27)
        sex = "M" if i % 2 else "F"
        lines.append(f"{make('370830', birth, i, sex)},测试{i},{sex},{birth:%Y-%m-%d},H{i // 2},head,{township},东村,,\n")
    return "".join(lines)


def bad_persons_file(folder: Path) -> Path:
    """Five people in township A plus two rows the contract rejects (bad check digit, bad date)."""
    folder.mkdir(parents=True, exist_ok=True)
    good = person_rows(5, TOWN_A, 100)
    bad_id = "370830199001010011" if make("370830", dt.date(1990, 1, 1), 5, "M") != "370830199001010011" \
        else "370830199001010012"
    bad = (f"{bad_id},坏号,M,1990-01-01,H900,head,{TOWN_A},东村,,\n"
           f"{make('370830', dt.date(1980, 5, 5), 7, 'M')},坏日期,M,1980-13-45,H901,head,{TOWN_A},东村,,\n")
    path = folder / "persons.csv"
    path.write_text(HEADER + good + bad, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 defaults cost ~0.5 s per hash on a busy CI box; the tests check logic, not cost."""
    from argon2 import PasswordHasher

    monkeypatch.setattr("medaid.api.users._hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass
class Server:
    base: str
    url: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:

    from medaid.ingest.service import load_path

    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    migrate(url)
    seed = tmp_path / "seed"
    seed.mkdir()
    (seed / "persons.csv").write_text(HEADER + person_rows(4, TOWN_A, 0) + person_rows(3, TOWN_B, 50),
                                      encoding="utf-8")
    load_path(seed, url=url, actor="e2e")
    with engine_for(url).begin() as conn:
        create_user(conn, "clerk", PASSWORD, Role.CLERK, actor="e2e")
        create_user(conn, "town_a", PASSWORD, Role.TOWNSHIP, township_code=TOWN_A, actor="e2e")
        create_user(conn, "admin", PASSWORD, Role.ADMIN, actor="e2e")
    with running_server(url, tmp_path / "data") as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server: Server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server.base, accept_downloads=True, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield pg
    context.close()


@contextmanager
def running_server(url: str, data_dir: Path) -> Iterator[Server]:
    """The app under uvicorn on a free loopback port, in a thread, for one test's browser journeys."""
    from medaid.api.app import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(url=url, data_dir=data_dir), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", url)
    finally:
        srv.should_exit = True
        thread.join(30)
