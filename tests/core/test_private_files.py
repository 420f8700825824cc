"""The database, its side files, its copies and backups are created 0600, and
the folders made for them 0700, under the usual umask (022)."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from iqcadence.core.io import backup, db_upkeep
from iqcadence.core.store import db


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "cs" / "iqcadence.db"
    database = db.open_database(db.resolve_location(path))
    try:
        with database.engine.connect() as conn:  # WAL files exist while it is open
            conn.execute(text("CREATE TABLE scratch (x INTEGER)"))
            conn.commit()
            for name in ("iqcadence.db", "iqcadence.db-wal", "iqcadence.db-shm"):
                assert mode(path.parent / name) == 0o600, name
    finally:
        database.dispose()
    assert mode(tmp_path / "data") == 0o700 and mode(tmp_path / "data" / "cs") == 0o700


def test_copies_and_backups_are_private(db_path: Path, tmp_path: Path) -> None:
    upgrade_copy = db.backup_sqlite_file(db_path, suffix="pre-0001")
    assert mode(upgrade_copy) == 0o600
    location = db.resolve_location(db_path)
    copy = db_upkeep.copy_sqlite_database(location, tmp_path / "copies" / "copy.db")
    assert mode(copy) == 0o600
    database = db.open_database(location)
    try:
        saved = backup.create_backup(database)
    finally:
        database.dispose()
    assert saved.path is not None and mode(saved.path) == 0o600
    assert mode(saved.path.parent) == 0o700  # the data folder's backups/


def test_an_existing_folder_keeps_its_permissions(tmp_path: Path) -> None:
    from iqcadence.core.base.private_files import make_private_dirs

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    make_private_dirs(shared / "mine" / "deeper")
    assert mode(shared) == 0o755
    assert mode(shared / "mine") == 0o700 and mode(shared / "mine" / "deeper") == 0o700


def test_an_existing_file_is_left_as_it_is(tmp_path: Path, template_db: Path) -> None:
    from iqcadence.core.base.private_files import create_private_file

    existing = tmp_path / "shared.db"
    shutil.copyfile(template_db, existing)
    existing.chmod(0o640)
    assert create_private_file(existing) is False
    database = db.open_database(db.resolve_location(existing))
    database.dispose()
    assert mode(existing) == 0o640
