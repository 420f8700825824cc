"""Where the database lives, how connections are set up, and the first-run seed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest
from sqlmodel import select

from iqcadence.core.base.errors import StorageError
from iqcadence.core.store import db


def test_a_url_where_a_path_is_expected_is_used_as_a_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = db.resolve_location("postgresql://cs:pw@db.local/iq")
    assert (chosen.url, chosen.path, chosen.source) == (
        "postgresql://cs:pw@db.local/iq",
        None,
        "--db",
    )
    assert not chosen.is_sqlite
    monkeypatch.setenv("IQCADENCE_DB", f"sqlite:///{tmp_path / 'x.db'}")
    chosen = db.resolve_location(None)
    assert (chosen.path, chosen.source) == (tmp_path / "x.db", "IQCADENCE_DB")


def test_location_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQCADENCE_DB", str(tmp_path / "env.db"))
    monkeypatch.setenv("IQCADENCE_DATABASE_URL", "postgresql://cs:pw@db.local/iq")

    chosen = db.resolve_location(tmp_path / "flag.db")
    assert (chosen.path, chosen.source) == (tmp_path / "flag.db", "--db")

    chosen = db.resolve_location(None)
    assert (chosen.path, chosen.source) == (tmp_path / "env.db", "IQCADENCE_DB")

    monkeypatch.delenv("IQCADENCE_DB")
    chosen = db.resolve_location(None)
    assert chosen.source == "IQCADENCE_DATABASE_URL" and chosen.path is None
    assert chosen.url == "postgresql://cs:pw@db.local/iq" and not chosen.is_sqlite
    assert chosen.describe() == "postgresql://cs:***@db.local/iq"
    monkeypatch.setenv("IQCADENCE_DATABASE_URL", "postgresql://cs@db.local/iq")
    assert db.resolve_location(None).describe() == "postgresql://cs@db.local/iq"

    monkeypatch.setenv("IQCADENCE_DATABASE_URL", f"sqlite:///{tmp_path / 'url.db'}")
    assert db.resolve_location(None).path == tmp_path / "url.db"

    monkeypatch.delenv("IQCADENCE_DATABASE_URL")
    chosen = db.resolve_location(None)
    assert (chosen.path, chosen.source) == (tmp_path / "data" / "iqcadence.db", "default")

    monkeypatch.delenv("IQCADENCE_DATA_DIR")
    expected = Path(platformdirs.user_data_dir("iqcadence")) / "iqcadence.db"
    assert db.resolve_location(None).path == expected


def test_blank_settings_are_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQCADENCE_DB", "  ")
    monkeypatch.setenv("IQCADENCE_DATABASE_URL", "")
    assert db.resolve_location("").source == "default"


def test_importing_creates_no_engine_and_no_file(tmp_path: Path) -> None:
    code = (
        "import pkgutil, importlib, sqlalchemy.engine.base as base\n"
        "made = []\n"
        "original = base.Engine.__init__\n"
        "def spy(self, *a, **k):\n"
        "    made.append(1); original(self, *a, **k)\n"
        "base.Engine.__init__ = spy\n"
        "import iqcadence.core, iqcadence.cli\n"
        "for package in (iqcadence.core, iqcadence.cli):\n"
        "    for m in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        if '.migrations.' in m.name:\n"
        "            continue\n"
        "        importlib.import_module(m.name)\n"
        "import iqcadence.cli.main\n"
        "print(len(made))\n"
    )
    env = {"IQCADENCE_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "0"
    assert not (tmp_path / "data").exists()


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(database: db.Database) -> None:
    with database.engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
        }
    assert pragma == {
        "journal_mode": "wal",
        "busy_timeout": 10_000,
        "foreign_keys": 1,
        "synchronous": 1,  # NORMAL
    }


def test_fresh_database_seeds_default_client_and_admin(tmp_path: Path) -> None:
    from iqcadence.core.store.models import Client, User

    location = db.resolve_location(tmp_path / "new.db")
    for _ in range(2):  # opening again adds nothing
        database = db.open_database(location)
        with database.session() as session:
            clients = [c.name for c in session.exec(select(Client)).all()]
            users = [(u.email, u.role) for u in session.exec(select(User)).all()]
        database.dispose()
        assert clients == ["Default"]
        assert users == [("admin@example.com", "admin")]


def test_nobody_named_makes_an_admin_never_the_login_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The machine's account is not a person of the team: a first run with
    nobody named makes "admin", and later runs act as it (the one user)."""
    import getpass

    from iqcadence.core.store.models import User
    from iqcadence.core.store.users import resolve_actor

    monkeypatch.delenv("IQCADENCE_USER")
    monkeypatch.setattr(getpass, "getuser", lambda: "osuser")
    database = db.open_database(db.resolve_location(tmp_path / "login.db"))
    with database.session() as session:
        users = [(u.email, u.name, u.role) for u in session.exec(select(User)).all()]
        actor = resolve_actor(session)
    database.dispose()
    assert users == [("admin", "Admin", "admin")]
    assert (actor.email, actor.role) == ("admin", "admin")


def test_acting_user_argument_wins(tmp_path: Path) -> None:
    from iqcadence.core.store.models import User

    database = db.open_database(db.resolve_location(tmp_path / "as.db"), acting_user="me@x.io")
    with database.session() as session:
        emails = [u.email for u in session.exec(select(User)).all()]
    database.dispose()
    assert emails == ["me@x.io"]


def test_copy_sqlite_never_creates_the_source(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no database file to copy"):
        db.copy_sqlite(tmp_path / "absent.db", tmp_path / "copy.db")
    assert not (tmp_path / "absent.db").exists()


def test_copy_sqlite_refuses_to_overwrite_itself(db_path: Path) -> None:
    before = db_path.read_bytes()
    with pytest.raises(StorageError, match="onto itself"):
        db.copy_sqlite(db_path, db_path)
    assert db_path.read_bytes() == before


def test_unreadable_file_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database, just some bytes " * 200)
    with pytest.raises(StorageError) as caught:
        db.open_database(db.resolve_location(path))
    assert str(caught.value).startswith(f"{path}: cannot open the database")


def test_a_database_busy_with_a_bulk_load_is_one_sentence(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from iqcadence.core.store import dialect

    monkeypatch.setattr(dialect, "BUSY_TIMEOUT_MS", 50)
    # what a large first import holds: a rollback journal and the write lock
    writer = sqlite3.connect(db_path, isolation_level=None)
    try:
        assert writer.execute("PRAGMA journal_mode = DELETE").fetchone() == ("delete",)
        writer.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageError) as caught:
            db.open_database(db.resolve_location(db_path))
        assert str(caught.value) == (
            f"{db_path}: the database is busy: another program kept it locked for writing "
            "for longer than this one could wait; try again in a moment."
        )
    finally:
        writer.execute("ROLLBACK")
        writer.execute("PRAGMA journal_mode = WAL")
        writer.close()
    db.open_database(db.resolve_location(db_path)).dispose()  # free again


def test_an_unreachable_server_is_one_sentence() -> None:
    location = db.resolve_location("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StorageError) as caught:
        db.open_database(location)
    message = str(caught.value)
    assert message.startswith("postgresql://nobody@127.0.0.1:1/none: cannot open the database")
    assert "\n" not in message
