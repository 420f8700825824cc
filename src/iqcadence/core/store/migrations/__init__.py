"""Schema migrations (Alembic scripts shipped in this package).

`HEAD` and `KNOWN_REVISIONS` are read from the scripts' `revision` and
`down_revision` lines, so a command can check a database's revision with one
plain query without importing Alembic (slow to import); a test holds them
equal to what Alembic itself reads.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

SCRIPT_DIR = Path(__file__).parent
# `revision = "x"` or, as newer Alembic templates write it, `revision: str = "x"`.
_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*(?:['\"]([^'\"]+)['\"]|None)", re.MULTILINE)


def _read_chain() -> tuple[str, ...]:
    """Revisions oldest first, from the scripts in versions/."""
    parents: dict[str, str | None] = {}
    for script in (SCRIPT_DIR / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision and down:
            parents[revision.group(1)] = down.group(1)
    chain: list[str] = []
    current: str | None = next((r for r, d in parents.items() if d is None), None)
    children = {d: r for r, d in parents.items() if d is not None}
    while current is not None:
        chain.append(current)
        current = children.get(current)
    return tuple(chain)


KNOWN_REVISIONS: tuple[str, ...] = _read_chain()
HEAD = KNOWN_REVISIONS[-1]


def current_revision(conn: Connection) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row else None


def alembic_config(connection: Connection | None = None) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade in one transaction: on any failure nothing is changed.

    On SQLite foreign keys are off while the scripts run (a batch migration
    that rebuilds `customer` would otherwise delete every snapshot through
    ON DELETE CASCADE) and are checked before the commit.
    """
    from alembic import command

    from iqcadence.core.store import dialect

    with engine.connect() as conn, dialect.foreign_keys_suspended(conn):
        conn.execution_options(**dialect.write_lock_options(conn))
        with conn.begin():  # another process upgrading first makes this a no-op
            command.upgrade(alembic_config(conn), revision)  # type: ignore[arg-type]
            problems = dialect.foreign_key_problems(conn)
            if problems:
                raise RuntimeError(
                    "the upgrade would leave broken references: " + "; ".join(problems[:5])
                )
