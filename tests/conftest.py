"""Shared fixtures: an isolated environment per test and a fresh database
copied from a migrated template (migrating once per run keeps tests fast).

A test that asks for `engine_db` runs twice, on SQLite and on PostgreSQL, and
its `database`, `session`, `actor`, `cli` and `db_location` follow that engine."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from tests.factories import ADMIN, seed_customers
from tests.postgres_server import (  # noqa: F401  (fixtures for every test)
    postgres_admin_url,
    postgres_database_url,
    postgres_template,
    postgres_url,
)
from tests.smtp_server import smtp_server  # noqa: F401  (a fixture for every test)

TODAY = "2026-11-27"


@pytest.fixture(autouse=True, scope="session")
def wired_core() -> None:
    """Change handlers and senders, as every entry point installs them."""
    from iqcadence.core.runtime import wiring

    wiring.install()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("IQCADENCE_DB", "IQCADENCE_DATABASE_URL", "IQCADENCE_NOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IQCADENCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IQCADENCE_USER", ADMIN)
    monkeypatch.setenv("IQCADENCE_TODAY", TODAY)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "160")


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    from iqcadence.core.store.db import open_database, resolve_location

    path = tmp_path_factory.mktemp("template") / "template.db"
    old = os.environ.get("IQCADENCE_USER")
    os.environ["IQCADENCE_USER"] = ADMIN
    try:
        database = open_database(resolve_location(path))
        database.dispose()
    finally:
        if old is None:
            os.environ.pop("IQCADENCE_USER", None)
        else:
            os.environ["IQCADENCE_USER"] = old
    return path


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "iqcadence.db"
    shutil.copyfile(template_db, target)
    return target


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_db(request: pytest.FixtureRequest, db_path: Path) -> Iterator[object]:
    """A fresh database on each engine: the test runs once per engine."""
    from iqcadence.core.store.db import open_database, resolve_location

    if request.param == "postgresql":
        location = resolve_location(request.getfixturevalue("postgres_database_url"))
    else:
        location = resolve_location(db_path)
    db = open_database(location)
    yield db
    db.dispose()


@pytest.fixture
def database(request: pytest.FixtureRequest, db_path: Path) -> Iterator[object]:
    from iqcadence.core.store.db import open_database, resolve_location

    if "engine_db" in request.fixturenames:
        yield request.getfixturevalue("engine_db")
        return
    db = open_database(resolve_location(db_path))
    yield db
    db.dispose()


@pytest.fixture
def db_location(request: pytest.FixtureRequest, db_path: Path) -> str:
    """What `--db` names: the test's SQLite file, or its PostgreSQL URL under `engine_db`."""
    if "engine_db" in request.fixturenames:
        location = request.getfixturevalue("engine_db").location
        return str(location.path) if location.path is not None else str(location.url)
    return str(db_path)


@pytest.fixture
def session(database: object) -> Iterator[object]:
    with database.session() as s:  # type: ignore[attr-defined]
        yield s


@pytest.fixture
def actor(session: object) -> object:
    from iqcadence.core.store.users import resolve_actor

    return resolve_actor(session)  # type: ignore[arg-type]


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@functools.cache
def _click_command(app: typer.Typer) -> Any:
    return typer.main.get_command(app)


@pytest.fixture
def cli(db_location: str):  # type: ignore[no-untyped-def]
    """Run `iqcadence --db <test db> ARGS...`; returns exit code, stdout, stderr."""
    from iqcadence.cli.main import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None, db: bool = True) -> CliResult:
        argv = (["--db", db_location] if db else []) + [str(a) for a in args]
        # Building the click tree from the Typer app costs ~0.2 s; build it once.
        with mock.patch("typer.testing._get_command", _click_command):
            result = runner.invoke(app, argv, input=input, catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def no_background_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    """Changes queue notifications without sending them: the test runs
    `automations run` itself, so what is sent, and when, is its own."""
    monkeypatch.setenv("IQCADENCE_SEND_ON_CHANGE", "0")


@pytest.fixture
def portfolio_accounts() -> dict[str, dict[str, Any]]:
    """The customers `portfolio` creates; a module overrides this fixture with
    the accounts its tests are about."""
    from tests.factories import NAMES, customer_values

    return {name: customer_values(index, 0) for index, name in enumerate(NAMES)}


@pytest.fixture
def portfolio_archived() -> tuple[str, ...]:
    """The `portfolio_accounts` that `portfolio` archives; a module may override it."""
    return ()


@pytest.fixture
def portfolio(
    session: Any,
    actor: Any,
    portfolio_accounts: dict[str, dict[str, Any]],
    portfolio_archived: tuple[str, ...],
) -> dict[str, dict[str, Any]]:
    """The accounts of `portfolio_accounts`, created in order, some archived."""
    seed_customers(session, actor, portfolio_accounts, archived=portfolio_archived)
    return portfolio_accounts
