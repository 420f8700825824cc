"""A real PostgreSQL server for tests (team mode), started by the suite itself.

`IQCADENCE_TEST_POSTGRES_URL` points the tests at a server you run; otherwise
pgserver (a test dependency shipping the server binaries) starts one in a
temporary directory, listening on a local socket only, once per run. Each test
gets a database of its own, dropped afterwards: empty (`postgres_url`) or a copy
of one migrated once per run (`postgres_database_url`)."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A URL of the server's maintenance database (`postgres`)."""
    given = os.environ.get("IQCADENCE_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    pgserver = pytest.importorskip("pgserver")
    # not under pytest's base temp: a second pytest run started meanwhile prunes
    # old base temps, and with them a running server's files
    data = Path(tempfile.mkdtemp(prefix="iqcadence-pg-"))
    server: Any = pgserver.get_server(data, cleanup_mode="stop")
    try:
        _without_durability(server.get_uri())
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(data, ignore_errors=True)


def _without_durability(url: str) -> None:
    """A throwaway server need not survive a power cut: without fsync, each
    test's CREATE DATABASE and DROP DATABASE take a fraction of the time."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for setting in ("fsync", "full_page_writes", "synchronous_commit"):
            conn.execute(f"ALTER SYSTEM SET {setting} = off")
        conn.execute("SELECT pg_reload_conf()")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    scheme = "postgresql+psycopg" if parts.scheme in ("postgresql", "postgres") else parts.scheme
    return urlunsplit((scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin_url(server_url: str) -> str:
    """A psycopg URL of the maintenance database, for CREATE and DROP DATABASE."""
    return _with_database(server_url, "postgres").replace("postgresql+psycopg", "postgresql")


@contextmanager
def _fresh_database(server_url: str, template: str | None = None) -> Iterator[str]:
    """A new database (a copy of `template`, else empty), dropped afterwards."""
    import psycopg

    name = f"iq_test_{os.getpid()}_{next(_numbers)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(_admin_url(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield _with_database(server_url, name)
    finally:
        with psycopg.connect(_admin_url(server_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database, dropped after the test."""
    with _fresh_database(postgres_admin_url) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> Iterator[str]:
    """The name of a database migrated and seeded once per run, like the
    SQLite template: copying it is much faster than migrating each time."""
    from iqcadence.core.store.db import open_database, resolve_location
    from tests.factories import ADMIN

    with _fresh_database(postgres_admin_url) as url:
        saved = os.environ.get("IQCADENCE_USER")
        os.environ["IQCADENCE_USER"] = ADMIN
        try:
            open_database(resolve_location(url)).dispose()
        finally:
            if saved is None:
                os.environ.pop("IQCADENCE_USER", None)
            else:
                os.environ["IQCADENCE_USER"] = saved
        yield urlsplit(url).path.lstrip("/")


@pytest.fixture
def postgres_database_url(postgres_admin_url: str, postgres_template: str) -> Iterator[str]:
    """A SQLAlchemy URL of a fresh, migrated database of its own, dropped after the test."""
    with _fresh_database(postgres_admin_url, postgres_template) as url:
        yield url
