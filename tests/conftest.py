"""Shared fixtures: an isolated environment per test and a fresh database
copied from a migrated template (migrating once per run keeps tests fast)."""

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

from tests.postgres_server import postgres_admin_url, postgres_url  # noqa: F401
from tests.smtp_server import smtp_server  # noqa: F401  (a fixture for every test)

ADMIN = "admin@example.com"
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


@pytest.fixture
def database(db_path: Path) -> Iterator[object]:
    from iqcadence.core.store.db import open_database, resolve_location

    db = open_database(resolve_location(db_path))
    yield db
    db.dispose()


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
def cli(db_path: Path):  # type: ignore[no-untyped-def]
    """Run `iqcadence --db <test db> ARGS...`; returns exit code, stdout, stderr."""
    from iqcadence.cli.main import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None, db: bool = True) -> CliResult:
        argv = (["--db", str(db_path)] if db else []) + [str(a) for a in args]
        # Building the click tree from the Typer app costs ~0.2 s; build it once.
        with mock.patch("typer.testing._get_command", _click_command):
            result = runner.invoke(app, argv, input=input, catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run
