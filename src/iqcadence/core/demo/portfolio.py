"""A realistic, deterministic demo portfolio in a database file of its own:
where the file lives, and the build that runs the sections in order.

`build_demo` writes a fresh file (never the user's database: an existing file
is replaced only when it is itself a demo) by running SECTIONS in order. A
section (see `context`) adds one kind of record with bulk statements
(executemany, set-based SQL) and returns how many rows it wrote. A new
section is imported here and appended to SECTIONS.

The portfolio: several CSMs (users with role csm), all tiers and bands,
renewals over the next twelve months, tags, sentiments, two scoring profiles,
a few manual overrides, and about 90 days of score history per customer with
trends (steady, improving, declining, and some sharp drops in the last week so
momentum has something to show). Current scores come from the bulk rescore
path, so they are exactly what `iqcadence rescore` would compute.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from iqcadence.core.base import clock
from iqcadence.core.base.errors import Conflict, InvalidValue
from iqcadence.core.demo.c360 import build_customer360
from iqcadence.core.demo.context import DemoContext, Section
from iqcadence.core.demo.customers import build_customers, build_profiles, build_users
from iqcadence.core.demo.history import build_history
from iqcadence.core.demo.vocabulary import MANAGERS, PROFILES
from iqcadence.core.scoring.formula import BANDS
from iqcadence.core.store import settings
from iqcadence.core.store.db import (
    Database,
    data_dir,
    open_database,
    remove_database_files,
    resolve_location,
)
from iqcadence.core.store.users import resolve_actor

DEMO_FILE = "demo.db"
DEMO_KEY = "demo"
MAX_CUSTOMERS = 1_000_000
# Who the demo opens as, unless --as or IQCADENCE_USER names someone: one of
# its CSMs, so My day shows a CSM's own tasks, renewals and alerts.
DEMO_USER_NAME, DEMO_USER = MANAGERS[0]


def demo_user(named: str | None) -> str:
    """The user to open the demo as: the one named, else DEMO_USER."""
    from iqcadence.core.store.db import given_user_identity

    return given_user_identity(named) or DEMO_USER


def welcome(name: str, email: str, role: str) -> str:
    """What the app says as the demo opens: who you are in it."""
    who = f"{name} ({email})" if name else email
    if email == DEMO_USER:
        return (
            f"This is the demo. You are {who}, one of its CSMs: My day shows "
            "their accounts. Open it as someone else with --as EMAIL."
        )
    return f"This is the demo. You are {who}, a {role}."


@dataclass
class DemoSummary:
    path: Path
    seed: int
    customers: int
    bands: dict[str, int]
    total_mrr: float
    managers: list[str]
    profiles: list[str]
    snapshots: int
    sections: dict[str, int]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "seed": self.seed,
            "customers": self.customers,
            "bands": dict(self.bands),
            "total_mrr": self.total_mrr,
            "managers": list(self.managers),
            "profiles": list(self.profiles),
            "snapshots": self.snapshots,
            "sections": dict(self.sections),
            "seconds": round(self.seconds, 2),
        }


# --- where the demo lives ----------------------------------------------------------


def demo_path(db_path: str | Path | None = None) -> Path:
    """The file `--db` names, else demo.db in the data directory (never the
    user's database, whatever IQCADENCE_DB says)."""
    return Path(db_path).expanduser() if db_path else data_dir() / DEMO_FILE


def is_demo_file(path: Path) -> bool:
    """Whether a file is a demo database this command may replace."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        row = conn.execute("SELECT 1 FROM setting WHERE key = ? LIMIT 1", (DEMO_KEY,)).fetchone()
        return row is not None
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def build_demo(
    path: Path | None = None,
    *,
    customers: int = 250,
    seed: int = 7,
    acting_user: str | None = None,
) -> DemoSummary:
    """Write a fresh demo portfolio to `path` (replacing an older demo there)."""
    if isinstance(customers, bool) or not 1 <= customers <= MAX_CUSTOMERS:
        raise InvalidValue(
            f"--customers: must be a whole number from 1 to {MAX_CUSTOMERS:,}, got {customers}."
        )
    target = path if path is not None else demo_path()
    if target.exists() and not is_demo_file(target):
        raise Conflict(
            f"{target}: the file exists and is not an iqcadence demo database; "
            "name a new file with --db (a demo file is recreated on every run)."
        )
    started = time.perf_counter()
    building = target.with_name(target.name + ".building")
    remove_database_files(building)
    database = open_database(resolve_location(building), acting_user=acting_user)
    try:
        summary = _fill(database, building, customers, seed)
    except BaseException:
        database.dispose()
        remove_database_files(building)
        raise
    database.dispose()
    remove_database_files(target)
    building.rename(target)
    summary.path = target
    summary.seconds = time.perf_counter() - started
    return summary


def _fill(database: Database, path: Path, size: int, seed: int) -> DemoSummary:
    with database.session() as session:
        actor = resolve_actor(session)
        ctx = DemoContext(
            session=session,
            actor=actor,
            seed=seed,
            size=size,
            today=clock.today(),
            now=clock.now(),
        )
        counts: dict[str, int] = {}
        for name, section in _sections():
            counts[name] = int(section(ctx))
            session.commit()
        settings.put_block(
            session,
            actor,
            DEMO_KEY,
            {"seed": seed, "customers": size, "built_at": ctx.now.isoformat(timespec="seconds")},
            action="demo.create",
        )
        session.commit()
        return _summarise(ctx, path, counts)


def _summarise(ctx: DemoContext, path: Path, counts: dict[str, int]) -> DemoSummary:
    conn = ctx.conn
    bands = dict.fromkeys((*BANDS, "unscored"), 0)
    for band, count in conn.execute(
        text("SELECT band, COUNT(*) FROM customer WHERE status = 'active' GROUP BY band")
    ):
        bands[band or "unscored"] = int(count)
    total_mrr = conn.execute(
        text("SELECT COALESCE(SUM(mrr), 0) FROM customer WHERE status = 'active'")
    ).scalar_one()
    snapshots = conn.execute(text("SELECT COUNT(*) FROM score_snapshot")).scalar_one()
    return DemoSummary(
        path=path,
        seed=ctx.seed,
        customers=len(ctx.customers),
        bands=bands,
        total_mrr=round(float(total_mrr), 2),
        managers=[m.name for m in ctx.managers],
        profiles=sorted(PROFILES),
        snapshots=int(snapshots),
        sections=counts,
        seconds=0.0,
    )


def _sections() -> Iterator[tuple[str, Section]]:
    for section in SECTIONS:
        yield section.__name__.removeprefix("build_"), section


# The demo, in order: a section reads what the earlier ones left in ctx (the
# customers section needs the managers; the later ones need scored customers).
SECTIONS: list[Section] = [
    build_users,
    build_profiles,
    build_customers,
    build_history,
    build_customer360,
]
