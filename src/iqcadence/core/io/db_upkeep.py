"""Database upkeep: checking a database without changing it, upgrading its
schema, and copying a live SQLite file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from iqcadence.core.base.errors import InvalidValue, StorageError
from iqcadence.core.store import migrations
from iqcadence.core.store.db import (
    Database,
    DatabaseLocation,
    copy_sqlite,
    create_db_engine,
    integrity_check,
    open_database,
)
from iqcadence.core.store.output_files import fill_output


def copy_sqlite_database(location: DatabaseLocation, target: Path, *, force: bool = False) -> Path:
    """A consistent copy of a live SQLite database (the online backup API),
    0600, written beside `target` and renamed into place; an existing
    `target` is replaced only with `force`."""
    if not location.is_sqlite or location.path is None:
        raise InvalidValue(
            f"--sqlite: the database is {location.describe()}, not a SQLite file; "
            "use a JSON backup (`iqcadence backup`) instead."
        )
    source = location.path
    fill_output(
        target,
        lambda temporary: copy_sqlite(source, temporary),
        database=location,
        force=force,
        label="--sqlite",
        what="the copy",
        create_folders=True,
    )
    return target


@dataclass(frozen=True)
class CheckReport:
    location: str
    source: str
    exists: bool
    revision: str | None
    head: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "source": self.source,
            "exists": self.exists,
            "revision": self.revision,
            "head": self.head,
            "up_to_date": self.revision == self.head,
            "problems": self.problems,
            "ok": self.ok,
        }


def check_database(location: DatabaseLocation) -> CheckReport:
    """Integrity, foreign keys and schema revision, without changing anything
    (no upgrade, and a missing file is not created)."""

    def report(exists: bool, revision: str | None, problems: list[str]) -> CheckReport:
        return CheckReport(
            location=location.describe(),
            source=location.source,
            exists=exists,
            revision=revision,
            head=migrations.HEAD,
            problems=problems,
        )

    if location.path is not None and location.path.is_dir():
        return report(False, None, [f"{location.path} is a folder, not a database file"])
    if location.path is not None and not location.path.is_file():
        return report(False, None, [f"there is no database at {location.path} yet"])
    engine = create_db_engine(location)
    try:
        with engine.connect() as conn:
            revision = migrations.current_revision(conn)
        problems = integrity_check(Database(engine=engine, location=location))
    except SQLAlchemyError as exc:
        return report(True, None, [f"cannot be read ({getattr(exc, 'orig', None) or exc})"])
    finally:
        engine.dispose()
    if revision is None:
        problems.append("it has no schema revision: not an iqcadence database")
    elif revision not in migrations.KNOWN_REVISIONS:
        problems.append(
            f"schema revision {revision} is newer than this iqcadence knows ({migrations.HEAD})"
        )
    elif revision != migrations.HEAD:
        problems.append(
            f"schema revision {revision} is behind {migrations.HEAD}; run `iqcadence db upgrade`"
        )
    return report(True, revision, problems)


@dataclass(frozen=True)
class UpgradeResult:
    location: str
    from_revision: str | None
    to_revision: str
    backup_path: Path | None
    created: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "from": self.from_revision,
            "to": self.to_revision,
            "backup": str(self.backup_path) if self.backup_path is not None else None,
            "created": self.created,
        }


def upgrade_database(
    location: DatabaseLocation, *, acting_user: str | None = None
) -> UpgradeResult:
    """Bring the database to the newest schema (creating it when missing);
    an older one is copied to a timestamped backup first."""
    before: str | None = None
    exists = location.path.is_file() if location.path is not None else True
    if exists:
        engine = create_db_engine(location)
        try:
            with engine.connect() as conn:
                before = migrations.current_revision(conn)
        except SQLAlchemyError as exc:
            raise StorageError(
                f"{location.describe()}: cannot open the database "
                f"({' '.join(str(getattr(exc, 'orig', None) or exc).split())})."
            ) from exc
        finally:
            engine.dispose()
    database = open_database(location, acting_user=acting_user)
    database.dispose()
    return UpgradeResult(
        location=location.describe(),
        from_revision=before,
        to_revision=migrations.HEAD,
        backup_path=database.backup_path,
        created=before is None,
    )


__all__ = [
    "CheckReport",
    "UpgradeResult",
    "check_database",
    "copy_sqlite_database",
    "upgrade_database",
]
