"""Build a large, deterministic customer table fast, for the benchmarks.

The file is created through `open_database` (so it has exactly the migrated
schema and indexes), then filled with plain sqlite3 executemany while the
secondary indexes and the search triggers are off, scored with the same SQL
expression as `rescore`, and indexed again. Built files are cached under
bench/.work/ by size and seed; `fresh_copy` hands out a copy to measure on.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import sys
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
SRC = HERE.parent / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

ADMIN = "bench@example.com"
TODAY = date(2026, 11, 27)
MANAGERS = [
    "Ana Souza",
    "Ben Carter",
    "Chloé Martin",
    "Dmitri Volkov",
    "Emma Lindqvist",
    "Farid Haddad",
    "Grace Okafor",
    "Hiro Tanaka",
    "Isla Murphy",
    "Jonas Weber",
    "Kavya Rao",
    "Liam O'Brien",
]
WORDS_A = ["North", "Blue", "Iron", "Silver", "Bright", "Swift", "Cedar", "Harbor", "Summit"]
WORDS_B = ["Analytics", "Logistics", "Labs", "Foods", "Systems", "Health", "Media", "Works"]
TAGS = ["beta", "emea", "apac", "amer", "strategic", "self-serve", "pilot", "partner"]
GROWTH = ["strong", "mild", "none", "na", None]
TIERS = ["smb", "mid", "enterprise"]
LIFECYCLES = ["active"] * 6 + ["onboarding", "atrisk", "won", "churned"]
PROFILES = {
    "enterprise-heavy": {
        "logins": 20,
        "adoption": 30,
        "tickets": 15,
        "nps": 15,
        "csat": 0,
        "days": 15,
        "growth": 5,
    },
}


def env() -> None:
    os.environ["IQCADENCE_USER"] = ADMIN
    os.environ["IQCADENCE_TODAY"] = TODAY.isoformat()
    os.environ.setdefault("IQCADENCE_DATA_DIR", str(WORK / "data"))


def _maybe(rng: random.Random, value: object, missing: float) -> object:
    return None if rng.random() < missing else value


def rows(n: int, seed: int, offset: int = 0) -> list[tuple[object, ...]]:
    rng = random.Random(seed)
    out = []
    created = "2026-01-01 00:00:00.000000"
    for i in range(offset + 1, offset + n + 1):
        name = f"{rng.choice(WORDS_A)} {rng.choice(WORDS_B)} {i:07d}"
        tier = rng.choices(TIERS, weights=(6, 3, 1))[0]
        mrr = round(rng.lognormvariate(7.5 if tier == "smb" else 8.7, 0.6), 2)
        as_of = TODAY - timedelta(days=rng.randrange(0, 60))
        tags = "|".join(sorted(rng.sample(TAGS, rng.randrange(0, 3))))
        out.append(
            (
                i,
                1,
                name,
                name.casefold(),
                tier,
                rng.choice(LIFECYCLES),
                "active" if rng.random() < 0.95 else "archived",
                rng.choice(MANAGERS),
                mrr,
                round(mrr * 12, 2),
                (TODAY + timedelta(days=rng.randrange(-30, 365))).isoformat(),
                tags,
                "enterprise-heavy" if tier == "enterprise" and rng.random() < 0.5 else None,
                _maybe(rng, rng.randrange(0, 45), 0.05),
                _maybe(rng, round(rng.uniform(0, 100), 1), 0.05),
                _maybe(rng, rng.choice([0, 0, 0, 1, 1, 2, 3, 5, 7]), 0.05),
                _maybe(rng, rng.randrange(0, 11), 0.2),
                _maybe(rng, round(rng.uniform(1, 5), 1), 0.3),
                _maybe(rng, rng.randrange(0, 120), 0.05),
                as_of.isoformat(),
                rng.choice(GROWTH),
                1 if rng.random() < 0.01 else 0,
                created,
                created,
            )
        )
    return out


COLUMNS = (
    "id, client_id, name, name_key, tier, lifecycle, status, manager, mrr, arr, "
    "renewal_date, tags, scoring_profile, logins, adoption, tickets, nps, csat, "
    "days_baseline, days_as_of, growth, score_manual, created_at, updated_at"
)


def build(path: Path, n: int, seed: int = 7) -> Path:
    """Create a scored database of n customers at `path` (cached)."""
    env()
    from iqcadence.core.accounts import rescore
    from iqcadence.core.runtime import wiring
    from iqcadence.core.scoring.formula import ScoringConfig, band_sql
    from iqcadence.core.store import dialect, search_index, settings
    from iqcadence.core.store.db import open_database, resolve_location

    wiring.install()
    from iqcadence.core.store.users import resolve_actor

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    database = open_database(resolve_location(tmp))
    with database.session() as session:
        actor = resolve_actor(session)
        for name, weights in PROFILES.items():
            settings.save_profile(session, actor, name, weights)
    with database.engine.connect() as conn:
        days_sql = dialect.effective_days_sql(conn, TODAY)
        config = ScoringConfig()
        score_global = rescore.score_sql(conn, config.effective_weights(None), days_sql=days_sql)
        score_profile = rescore.score_sql(
            conn, config.effective_weights(PROFILES["enterprise-heavy"]), days_sql=days_sql
        )
    database.dispose()

    db = sqlite3.connect(tmp, isolation_level=None)
    db.execute("PRAGMA cache_size = -262144")
    db.execute("PRAGMA synchronous = OFF")
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customer' "
        "AND sql IS NOT NULL"
    ).fetchall()
    db.execute("BEGIN")
    for name, _sql in indexes:
        db.execute(f"DROP INDEX {name}")
    for trigger in ("customer_fts_ai", "customer_fts_ad", "customer_fts_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    placeholders = ", ".join("?" for _ in COLUMNS.split(","))
    step = 100_000
    for start in range(0, n, step):
        chunk = rows(min(step, n - start), seed * 1_000_003 + start, offset=start)
        db.executemany(f"INSERT INTO customer ({COLUMNS}) VALUES ({placeholders})", chunk)
    db.execute(
        f"UPDATE customer SET score = CASE WHEN score_manual = 1 THEN 42.0 "
        f"WHEN scoring_profile IS NULL THEN {score_global} ELSE {score_profile} END"
    )
    db.execute(f"UPDATE customer SET band = {band_sql('score', ScoringConfig().thresholds)}")
    for _name, sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    db.close()
    # the search index in one pass, and its triggers back as the schema has them
    database = open_database(resolve_location(tmp))
    with database.engine.begin() as conn:
        search_index.rebuild_search_index(conn)
    database.dispose()
    db = sqlite3.connect(tmp)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    tmp.rename(path)
    for side in (Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        side.unlink(missing_ok=True)
    print(f"  built {n:,} customers in {time.perf_counter() - started:.1f} s -> {path}")
    return path


def cached(n: int, seed: int = 7) -> Path:
    """A built portfolio for this size, seed and schema revision."""
    from iqcadence.core.store import migrations

    return build(WORK / f"portfolio-{n}-{seed}-{migrations.HEAD}.db", n, seed)


def fresh_copy(source: Path, name: str) -> Path:
    target = WORK / name
    for side in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        side.unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def with_current_alerts(path: Path) -> Path:
    """Work out the current alerts of a copy, as the writes of a database in
    daily use keep them (a file built in bulk has none yet)."""
    env()
    from iqcadence.core.alerts import current
    from iqcadence.core.runtime import wiring
    from iqcadence.core.store.db import open_database, resolve_location
    from iqcadence.core.store.users import resolve_actor

    wiring.install()
    database = open_database(resolve_location(path))
    with database.session() as session:
        current.ensure_current(session, resolve_actor(session).client_id)
    database.dispose()
    return path


def peak_rss_mib() -> float:
    """Peak resident memory of this process in MiB.

    VmHWM belongs to this process's own memory map; getrusage's ru_maxrss is
    not used first because on Linux a child started from a large parent
    inherits the parent's high-water mark across fork and exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
