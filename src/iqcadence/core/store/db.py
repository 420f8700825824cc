"""Where the database lives, and opening it: engine, upgrade, first-run seed.

Nothing here runs at import time. The location is resolved in this order:
`--db PATH` > `IQCADENCE_DB` > `IQCADENCE_DATABASE_URL` (any SQLAlchemy URL) >
`platformdirs.user_data_dir("iqcadence")/iqcadence.db`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import platformdirs
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, select

from iqcadence.core.base import clock
from iqcadence.core.base.errors import StorageError
from iqcadence.core.base.private_files import create_private_file, make_private_dirs
from iqcadence.core.store import dialect, migrations
from iqcadence.core.store.busy import BUSY, Once, describe_failure, is_busy, is_transient

APP_NAME = "iqcadence"
# s: the pause before a write that found the database busy is tried again
RETRY_PAUSE = 0.2

T = TypeVar("T")


@dataclass(frozen=True)
class DatabaseLocation:
    url: str
    path: Path | None  # the file, for SQLite databases on disk
    source: str  # which setting chose it

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def describe(self) -> str:
        return str(self.path) if self.path is not None else _mask_url(self.url)


def data_dir() -> Path:
    """The per-user data directory (demo files and backups live here too)."""
    override = os.environ.get("IQCADENCE_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def resolve_location(db_path: str | os.PathLike[str] | None = None) -> DatabaseLocation:
    if db_path:
        return _location(str(db_path), "--db")
    env_path = os.environ.get("IQCADENCE_DB", "").strip()
    if env_path:
        return _location(env_path, "IQCADENCE_DB")
    env_url = os.environ.get("IQCADENCE_DATABASE_URL", "").strip()
    if env_url:
        return _url_location(env_url, "IQCADENCE_DATABASE_URL")
    return _file_location(data_dir() / f"{APP_NAME}.db", "default")


def _location(given: str, source: str) -> DatabaseLocation:
    """A path, or a URL given where a path is expected (`--db postgresql://...`)
    rather than a SQLite file named like one."""
    if "://" in given:
        return _url_location(given, source)
    return _file_location(Path(given), source)


def _url_location(url: str, source: str) -> DatabaseLocation:
    path = None
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
    return DatabaseLocation(url=url, path=path, source=source)


def _file_location(path: Path, source: str) -> DatabaseLocation:
    path = path.expanduser()
    return DatabaseLocation(url=f"sqlite:///{path}", path=path, source=source)


def _mask_url(url: str) -> str:
    """Hide a password in a database URL."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" not in creds:  # no password to hide
            return url
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def create_db_engine(location: DatabaseLocation) -> Engine:
    if location.is_sqlite:
        if location.path is not None:
            make_private_dirs(location.path.parent)
            # created 0600 before SQLite opens it: SQLite gives -wal/-shm the
            # file's mode; a file it cannot create is reported by SQLite below
            with contextlib.suppress(OSError):
                create_private_file(location.path)
            engine = create_engine(location.url, connect_args={"check_same_thread": False})
        else:
            engine = create_engine(
                location.url,
                connect_args={"check_same_thread": False},
                poolclass=StaticPool,
            )
        dialect.install_sqlite_pragmas(engine)
        return engine
    url = location.url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:  # the driver is an optional extra
        if url.startswith("postgresql"):
            raise StorageError(
                f"{location.describe()}: PostgreSQL needs the postgres extra "
                f"(the {exc.name} driver is not installed): pip install 'iqcadence[postgres]'."
            ) from None
        raise StorageError(
            f"{location.describe()}: the database driver {exc.name!r} is not installed."
        ) from None


_COMMITTED = "iqcadence_committed"


def _note_commit(session: Session) -> None:
    session.info[_COMMITTED] = True


@dataclass
class Database:
    """An open, up-to-date database.

    Sessions come in two kinds. A read session (the default) begins each
    transaction deferred: it never waits for a writer, and a SQLite WAL
    reader sees a consistent snapshot. A write session begins each
    transaction holding the write lock (SQLite BEGIN IMMEDIATE): concurrent
    writers queue for it, waiting up to the busy timeout, instead of failing
    when a read turns into a write after another writer has committed.
    """

    engine: Engine
    location: DatabaseLocation
    upgraded_from: str | None = None
    backup_path: Path | None = None
    # Called when a write session waits for the lock (see dialect.write_lock_options).
    on_lock_wait: Callable[[], None] | None = None

    def session(
        self, *, write: bool = False, on_lock_wait: Callable[[], None] | None = None
    ) -> Session:
        """A session; `write` for one whose transactions write (see the class
        notes); `on_lock_wait` overrides the database's `on_lock_wait`."""
        bind = self.engine
        if write:
            waiting = on_lock_wait or self.on_lock_wait
            options = dialect.write_lock_options(self.engine, on_wait=waiting)
            if options:
                bind = self.engine.execution_options(**options)
        return Session(bind, expire_on_commit=False)

    def run_write(
        self,
        fn: Callable[[Session], T],
        *,
        patience: float = 0.0,
        on_lock_wait: Callable[[], None] | None = None,
    ) -> T:
        """`fn(session)` in a fresh write session (rolled back if it raises).

        A try that fails for a passing reason (`is_transient`: the lock held
        past the busy timeout, a PostgreSQL deadlock) before any of it was
        committed is tried again until `patience` seconds have passed, so a
        call that commits in steps is never applied twice. `on_lock_wait`
        is called once, the first time the call has to wait."""
        deadline = time.monotonic() + patience
        waiting = Once(on_lock_wait)
        while True:
            with self.session(write=True, on_lock_wait=waiting) as session:
                event.listen(session, "after_commit", _note_commit)
                try:
                    return fn(session)
                except Exception as exc:
                    session.rollback()
                    committed = session.info.get(_COMMITTED, False)
                    if committed or not is_transient(exc) or time.monotonic() >= deadline:
                        raise
                    waiting()
            time.sleep(RETRY_PAUSE)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session committed at the end (rolled back on any error)."""
        with self.session(write=True) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(
    location: DatabaseLocation | None = None, *, acting_user: str | None = None
) -> Database:
    """Open (creating or upgrading as needed) the database at `location`.

    An existing database at an older schema revision is first copied to a
    timestamped backup beside it, then upgraded in one transaction; a failed
    upgrade leaves it as it was. A fresh one gets the "Default" client and
    an admin user (`acting_user`, else IQCADENCE_USER, else the login name).
    """
    location = location or resolve_location()
    engine = create_db_engine(location)
    try:
        database = Database(engine=engine, location=location)
        with engine.connect() as conn:
            revision = migrations.current_revision(conn)
            has_tables = bool(inspect(conn).get_table_names())
        if revision != migrations.HEAD:
            if revision is not None and revision not in migrations.KNOWN_REVISIONS:
                raise StorageError(
                    f"{location.describe()}: schema revision {revision!r} is newer than this "
                    "version of iqcadence knows; upgrade iqcadence to open it."
                )
            if revision is None and has_tables:
                raise StorageError(
                    f"{location.describe()}: this is not an iqcadence database "
                    "(it has tables but no schema revision)."
                )
            if revision is not None and location.path is not None:
                database.backup_path = _backup_before_upgrade(engine, location.path, revision)
            try:
                migrations.upgrade(engine)
            except Exception as exc:
                reason = getattr(exc, "orig", None) or exc
                copy = ""
                if database.backup_path is not None:
                    copy = f"; a copy taken before is at {database.backup_path}"
                raise StorageError(
                    f"{location.describe()}: upgrading the schema from "
                    f"{revision or 'nothing'} to {migrations.HEAD} failed ({reason}); "
                    f"the database was left as it was{copy}."
                ) from exc
            database.upgraded_from = revision
        seed_if_empty(database, acting_user=acting_user)
        return database
    except DatabaseError as exc:  # OperationalError, or "file is not a database"
        engine.dispose()
        # drivers' messages span lines (psycopg adds a hint): one sentence
        detail = " ".join(str(exc.orig).split())
        if is_busy(exc):
            raise StorageError(f"{location.describe()}: {BUSY}") from exc
        raise StorageError(f"{location.describe()}: cannot open the database ({detail}).") from exc
    except BaseException:
        engine.dispose()
        raise


# The first run's admin when nobody was named: never the login name of the
# machine's account, which is not a person of the team.
FIRST_USER = "admin"


def given_user_identity(acting_user: str | None = None) -> str | None:
    """Who was named as the acting user: `acting_user` (--as), else
    IQCADENCE_USER; None when neither names anyone."""
    if acting_user and acting_user.strip():
        return acting_user.strip()
    env_user = os.environ.get("IQCADENCE_USER", "").strip()
    return env_user or None


def default_user_identity(acting_user: str | None = None) -> str:
    """The user a first run creates: the one named, else FIRST_USER."""
    return given_user_identity(acting_user) or FIRST_USER


def seed_if_empty(database: Database, *, acting_user: str | None = None) -> None:
    """First run: one client named "Default" and one admin user."""
    from iqcadence.core.store.models import Client, User

    # Read first: opening a database that has its client (every time but the
    # first) must not queue for the write lock behind a long writer.
    with database.session() as session:
        if session.exec(select(Client.id).limit(1)).first() is not None:
            return
    with database.transaction() as session:
        if session.exec(select(Client.id).limit(1)).first() is not None:
            return  # another process seeded it meanwhile
        session.add(Client(name="Default"))
        identity = default_user_identity(acting_user)
        if session.exec(select(User.id).where(User.email == identity)).first() is None:
            name = "Admin" if identity == FIRST_USER else identity.split("@")[0]
            session.add(User(email=identity, name=name, role="admin"))


def _backup_before_upgrade(engine: Engine, path: Path, revision: str) -> Path | None:
    """Copy an old database before upgrading it. Another process may be
    upgrading the same file at this moment (the copy then fails to read it):
    wait for its write lock to pass, and copy again only if the file still
    needs upgrading; None when the other process has already upgraded it."""
    for attempt in range(3):
        try:
            return backup_sqlite_file(path, suffix=f"pre-{revision}")
        except StorageError:
            if attempt == 2:
                raise
        with engine.connect() as conn:
            conn.execution_options(**dialect.write_lock_options(conn)).begin().rollback()
            if migrations.current_revision(conn) == migrations.HEAD:
                return None
    return None


def backup_sqlite_file(path: Path, *, suffix: str = "backup") -> Path:
    """Copy a live SQLite file with the online backup API; returns the copy."""
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    serial = 1
    while True:  # claim a name no other copy (this second, another process) has
        extra = f"-{serial}" if serial > 1 else ""
        target = path.with_name(f"{path.stem}.{stamp}{extra}.{suffix}{path.suffix or '.db'}")
        try:
            target.touch(mode=0o600, exist_ok=False)
            break
        except FileExistsError:
            serial += 1
    copy_sqlite(path, target)
    return target


def copy_sqlite(source: Path, target: Path) -> None:
    if not source.is_file():  # sqlite3.connect would create an empty one
        raise StorageError(f"{source}: there is no database file to copy.")
    if target.resolve() == source.resolve():
        raise StorageError(f"{target}: a database cannot be copied onto itself.")
    make_private_dirs(target.parent)
    remove_database_files(target)  # a stale -wal beside the copy would corrupt it
    try:
        create_private_file(target)  # the copy is as private as the database
    except OSError as exc:
        raise StorageError(f"{target}: cannot create the copy ({exc.strerror or exc}).") from exc
    try:
        src = sqlite3.connect(str(source))
        try:
            dst = sqlite3.connect(str(target))
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        remove_database_files(target)  # no half copy left behind
        raise StorageError(f"{source}: cannot copy the database ({exc}).") from exc


def integrity_check(database: Database) -> list[str]:
    """Problems found by the engine's own check (empty when all is well)."""
    if not database.location.is_sqlite:
        return []
    try:
        with database.engine.connect() as conn:
            rows = conn.exec_driver_sql("PRAGMA integrity_check").fetchall()
            problems = [str(row[0]) for row in rows if row[0] != "ok"]
            fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            problems += [f"foreign key: {tuple(row)}" for row in fk]
            return problems
    except SQLAlchemyError as exc:
        return [str(exc)]


def remove_database_files(path: Path) -> None:
    """Delete a SQLite database and its WAL side files."""
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.exists():
            candidate.unlink()


__all__ = [
    "BUSY",
    "Database",
    "DatabaseLocation",
    "backup_sqlite_file",
    "copy_sqlite",
    "create_db_engine",
    "data_dir",
    "describe_failure",
    "integrity_check",
    "is_busy",
    "is_transient",
    "open_database",
    "remove_database_files",
    "resolve_location",
]
