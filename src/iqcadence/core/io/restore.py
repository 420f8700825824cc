"""Restoring a checked backup: every row replaced, in one transaction.

The transaction takes the write lock, writes a safety backup of the current
data, deletes every row, inserts the backup's rows (derived tables, such as
the current alerts, stay empty: their next reader works them out from what
was restored), rebuilds the search index, fixes id sequences (PostgreSQL)
and audits the restore; any failure leaves the database as it was and
removes the safety backup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import StorageError
from iqcadence.core.io.backup import (
    BATCH,
    default_backup_path,
    is_derived,
    present_tables,
    write_backup_file,
)
from iqcadence.core.io.backup_check import LoadedBackup, read_backup
from iqcadence.core.store import dialect, search_index
from iqcadence.core.store.db import Database


@dataclass(frozen=True)
class RestoreSummary:
    path: Path
    sha256: str
    schema_revision: str
    counts: dict[str, int]
    safety_backup: Path
    actor_known: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "restored": str(self.path),
            "sha256": self.sha256,
            "schema_revision": self.schema_revision,
            "counts": self.counts,
            "safety_backup": str(self.safety_backup),
        }


def restore_backup(
    database: Database,
    actor: Actor,
    source: Path | LoadedBackup,
    *,
    safety_dir: Path | None = None,
) -> RestoreSummary:
    """Replace every row with the backup's, in one transaction (admin only).

    The file is checked completely first (see `read_backup`); any problem
    refuses it and leaves the database untouched. The safety backup of what
    is replaced is written inside the same transaction, before any change.
    """
    actor.require_admin("restore a backup")
    loaded = source if isinstance(source, LoadedBackup) else read_backup(source)
    safety_path = default_backup_path("pre-restore", safety_dir)
    try:
        with (
            database.engine.connect() as conn,
            dialect.foreign_keys_suspended(conn),  # checked in bulk before commit
            conn.execution_options(**dialect.write_lock_options(conn)).begin(),
        ):
            existing = present_tables(conn)
            missing = [name for name in loaded.tables if name not in {t.name for t in existing}]
            if missing:
                raise StorageError(
                    f"{database.location.describe()}: has no table {missing[0]!r}; "
                    "run `iqcadence db upgrade` first."
                )
            # the write lock is held from the start: nothing changes between
            # the safety backup and the replacement
            write_backup_file(conn, safety_path, database=database.location)
            search_index.suspend_search_triggers(conn)
            for table in reversed(existing):
                conn.execute(table.delete())
            for table in existing:
                # derived tables stay empty: worked out again from what is restored
                if table.name not in loaded.tables or is_derived(table):
                    continue
                names, rows = loaded.tables[table.name]
                for chunk in _chunks(rows, BATCH):
                    conn.execute(
                        table.insert(), [dict(zip(names, row, strict=True)) for row in chunk]
                    )
            problems = dialect.foreign_key_problems(conn)
            if problems:
                raise StorageError(
                    f"{loaded.path}: the restored rows break references ({problems[0]}); "
                    "the database was left as it was."
                )
            search_index.rebuild_search_index(conn)
            dialect.reset_sequences(conn, existing)
            actor_known = _audit_restore(conn, actor, loaded, safety_path)
    except SQLAlchemyError as exc:
        safety_path.unlink(missing_ok=True)
        reason = getattr(exc, "orig", None) or exc
        raise StorageError(
            f"{loaded.path}: the restore failed ({reason}); the database was left as it was."
        ) from exc
    except BaseException:
        safety_path.unlink(missing_ok=True)
        raise
    return RestoreSummary(
        path=loaded.path,
        sha256=loaded.sha256,
        schema_revision=loaded.schema_revision,
        counts=loaded.counts,
        safety_backup=safety_path,
        actor_known=actor_known,
    )


def _chunks(rows: list[tuple[Any, ...]], size: int) -> Iterable[list[tuple[Any, ...]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _audit_restore(conn: Connection, actor: Actor, loaded: LoadedBackup, safety: Path) -> bool:
    """One `restore` entry, in the first restored client; says whether the
    acting user exists in the restored data."""
    from iqcadence.core.store.models import AuditEntry, Client, User

    client_id = conn.execute(select(col(Client.id)).order_by(col(Client.id)).limit(1)).scalar_one()
    conn.execute(
        AuditEntry.__table__.insert().values(  # type: ignore[attr-defined]
            client_id=client_id,
            at=clock.now(),
            user_email=actor.email,
            action="restore",
            customer_id=None,
            customer_name=None,
            details={
                "file": str(loaded.path.resolve()),
                "sha256": loaded.sha256,
                "schema_revision": loaded.schema_revision,
                "created_at": loaded.created_at,
                "counts": loaded.counts,
                "safety_backup": str(safety),
            },
        )
    )
    # Any case, as `store.users` matches e-mails.
    found = conn.execute(
        select(col(User.id)).where(func.lower(col(User.email)) == func.lower(actor.email))
    ).first()
    return found is not None


__all__ = ["RestoreSummary", "restore_backup"]
