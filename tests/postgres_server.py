"""A real PostgreSQL server for tests (team mode), started by the suite itself.

`IQCADENCE_TEST_POSTGRES_URL` points the tests at a server you run; otherwise
pgserver (a test dependency shipping the server binaries) starts one in a
temporary directory, listening on a local socket only, once per run. Each test
gets a database of its own, dropped afterwards."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
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
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(data, ignore_errors=True)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    scheme = "postgresql+psycopg" if parts.scheme in ("postgresql", "postgres") else parts.scheme
    return urlunsplit((scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database, dropped after the test."""
    import psycopg

    name = f"iq_test_{os.getpid()}_{next(_numbers)}"
    admin = _with_database(postgres_admin_url, "postgres").replace(
        "postgresql+psycopg", "postgresql"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(postgres_admin_url, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
