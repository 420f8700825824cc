"""CSV import speed and memory against general tools, on the same messy file.

Generates deterministic, realistic messy customer CSVs (aliased headers,
`$5,000` / `1.2k` money, `75%`, NPS words, mixed date forms, tier and growth
words, tags, blank cells) and times, each into a fresh database:

* `iqcadence import csv FILE` (subprocess; includes normalisation, scoring,
  snapshots and the search index),
* `sqlite-utils insert DB customers FILE --csv` (installed into its own venv
  under bench/.work/; skipped with a note when that is not possible),
* the `sqlite3` shell's `.import` (skipped with a note when not installed).

Prints wall and CPU seconds (user + system, from wait4), rows per CPU
second, peak RSS of each child process, and the ratios, which use CPU time:
on a shared machine wall time mostly measures the other processes. Targets: iqcadence ≤ 3× `.import`, ≥ 3× faster than sqlite-utils, peak
RSS ≤ 100 MiB at 1M rows.

    python bench/import.py              # 100k and 1M rows
    python bench/import.py --rows 100000
    python bench/import.py --rows 1000000 --phases   # where the time goes
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
ROOT = HERE.parent
TOOLS_VENV = WORK / "tools-venv"
TARGET_IMPORT_RATIO = 3.0
TARGET_SQLITE_UTILS_SPEEDUP = 3.0
TARGET_RSS_MIB = 100

# `.import`, then what the loaded rows need before they can be listed and
# searched the way iqcadence lists and searches them: as many indexes, of the
# same shapes (eight on one column, three on two), over the
# file's own columns, and the search index over name, manager and tags with
# the same tokenizer. No scoring, snapshots or audit.
INDEXED = "sqlite3 .import + indexes"
SAME_INDEXES = """
BEGIN;
CREATE INDEX r1 ON customers ("Company Name");
CREATE INDEX r2 ON customers (lower("Company Name"));
CREATE INDEX r3 ON customers ("Email");
CREATE INDEX r4 ON customers ("NPS");
CREATE INDEX r5 ON customers ("Tier", "NPS");
CREATE INDEX r6 ON customers ("MRR");
CREATE INDEX r7 ON customers ("Tier", "MRR");
CREATE INDEX r8 ON customers ("Renews On");
CREATE INDEX r9 ON customers ("Stage", "Sentiment");
CREATE INDEX r10 ON customers ("CSM");
CREATE INDEX r11 ON customers ("Growth");
CREATE VIRTUAL TABLE customers_fts USING fts5("Company Name", "CSM", "Tags",
  content='customers', tokenize="unicode61 remove_diacritics 2 tokenchars '-_'");
INSERT INTO customers_fts(customers_fts) VALUES ('rebuild');
COMMIT;
"""

HEADER = [
    "Company Name",
    "CSM",
    "MRR",
    "Logins (30d)",
    "Feature Adoption %",
    "Open Tickets",
    "NPS",
    "Days Since Contact",
    "Renews On",
    "Growth",
    "Tier",
    "Tags",
    "Stage",
    "Sentiment",
    "Email",
    "Industry",
]
MANAGERS = ["Ana Souza", "Ben Carter", "Chloé Martin", "Dmitri Volkov", "Emma Lind", "Farid H"]
WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent"]
SUFFIXES = ["Inc", "GmbH", "Ltd", "LLC", "SA", "Group", "Labs", "Systems"]
INDUSTRIES = ["SaaS", "Retail", "Fintech", "Health", "Logistics", "Media", ""]
TIERS = ["Enterprise", "Mid-Market", "mid", "SMB", "smb", "enterprise", ""]
GROWTH = ["Strong", "mild", "None", "N/A", "", "strong", "Mild"]
STAGES = ["Active", "active", "Onboarding", "At Risk", "churned", "Won", ""]
SENTIMENTS = ["Positive", "neutral", "Negative", "", "positive"]
TAGS = ["vip", "beta", "renewal-q1", "expansion", "legacy", "partner"]


def _money(rng: random.Random) -> str:
    amount = rng.choice([rng.randint(100, 900), rng.randint(1000, 60000)])
    style = rng.randrange(6)
    if style == 0:
        return f"${amount:,}"
    if style == 1:
        return f"{amount / 1000:.1f}k"
    if style == 2:
        return f"{amount}.50"
    if style == 3:
        return ""
    return str(amount)


def _date(rng: random.Random, today: date) -> str:
    day = today + timedelta(days=rng.randint(-30, 540))
    style = rng.randrange(5)
    if style == 0:
        return day.strftime("%d %b %Y")
    if style == 1:
        return day.strftime("%b %d, %Y")
    if style == 2:
        return ""
    return day.isoformat()


def generate(path: Path, rows: int, seed: int = 20261127) -> None:
    """A messy CSV of `rows` unique customers (deterministic for a seed)."""
    import csv

    rng = random.Random(seed)
    today = date(2026, 11, 27)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for index in range(rows):
            name = f"{rng.choice(WORDS)} {rng.choice(SUFFIXES)} {index:07d}"
            nps_roll = rng.randrange(12)
            nps = (
                ["Promoter", "Passive", "Detractor"][nps_roll - 9]
                if nps_roll >= 9
                else ("" if nps_roll == 8 else str(rng.randint(0, 10)))
            )
            writer.writerow(
                [
                    name if index % 13 else f"  {name.upper()} ",
                    rng.choice(MANAGERS),
                    _money(rng),
                    "" if index % 17 == 0 else str(rng.randint(0, 60)),
                    f"{rng.randint(0, 100)}%" if index % 11 else "",
                    str(rng.randint(0, 8)),
                    nps,
                    "" if index % 7 == 0 else str(rng.randint(0, 200)),
                    _date(rng, today),
                    rng.choice(GROWTH),
                    rng.choice(TIERS),
                    "|".join(rng.sample(TAGS, rng.randint(0, 3))),
                    rng.choice(STAGES),
                    rng.choice(SENTIMENTS),
                    f"ops{index}@example.com" if index % 3 else "",
                    rng.choice(INDUSTRIES),
                ]
            )
    tmp.replace(path)


def measure(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (MiB) of the child,
    and its stderr tail."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=str(WORK)
    )
    assert process.stderr is not None
    err = process.stderr.read().decode(errors="replace")
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {process.returncode}: {err[-500:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024, err[-300:]


def sqlite_utils_path() -> Path | None:
    """sqlite-utils in its own venv under bench/.work (installed once)."""
    binary = TOOLS_VENV / "bin" / "sqlite-utils"
    if binary.exists():
        return binary
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", str(TOOLS_VENV)], check=True, capture_output=True
        )
        subprocess.run(
            [str(TOOLS_VENV / "bin" / "pip"), "install", "-q", "sqlite-utils"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"  sqlite-utils: skipped (could not install it: {exc})")
        return None
    return binary if binary.exists() else None


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            candidate.unlink()
    return path


def run_size(rows: int) -> dict[str, tuple[float, float, float]]:
    WORK.mkdir(parents=True, exist_ok=True)
    csv_path = WORK / f"import-{rows}.csv"
    if not csv_path.exists():
        started = time.perf_counter()
        generate(csv_path, rows)
        print(f"  generated {csv_path.name} in {time.perf_counter() - started:.1f} s")
    size_mib = csv_path.stat().st_size / 2**20
    print(f"\n{rows:,} rows ({size_mib:.0f} MiB, {len(HEADER)} columns)")
    results: dict[str, tuple[float, float, float]] = {}

    env = dict(os.environ)
    env.update(
        IQCADENCE_USER="bench@example.com",
        IQCADENCE_TODAY="2026-11-27",
        IQCADENCE_DATA_DIR=str(WORK / "data"),
        PYTHONPATH=str(ROOT / "src"),
        # no detached notification runner competing with the timed tools
        IQCADENCE_SEND_ON_CHANGE="0",
    )
    database = fresh(WORK / f"iq-{rows}.db")
    # open (migrate, seed) first so the timing is the import alone
    subprocess.run(
        [sys.executable, "-m", "iqcadence", "--db", str(database), "customers", "list", "--json"],
        check=True,
        capture_output=True,
        env=env,
        cwd=str(WORK),
    )
    argv = [sys.executable, "-m", "iqcadence", "--db", str(database), "import", "csv"]
    results["iqcadence import csv"] = measure([*argv, str(csv_path), "--json"], env)[:3]

    sqlite3_bin = shutil.which("sqlite3")
    if sqlite3_bin:
        target = fresh(WORK / f"shell-{rows}.db")
        results["sqlite3 .import"] = measure(
            [sqlite3_bin, str(target), "-cmd", ".mode csv", f".import {csv_path} customers"]
        )[:3]
        target = fresh(WORK / f"shell-indexed-{rows}.db")
        results[INDEXED] = measure(
            [sqlite3_bin, str(target), "-cmd", ".mode csv", "-cmd", f".import {csv_path} customers"]
            + ["-cmd", ".mode list", SAME_INDEXES]
        )[:3]
    else:
        print("  sqlite3 .import: skipped (no sqlite3 shell; apt-get install sqlite3)")

    tool = sqlite_utils_path()
    if tool is not None:
        target = fresh(WORK / f"su-{rows}.db")
        results["sqlite-utils insert --csv"] = measure(
            [str(tool), "insert", str(target), "customers", str(csv_path), "--csv"]
        )[:3]

    for name, (seconds, cpu, rss) in results.items():
        print(
            f"  {name:28s} {seconds:7.2f} s wall {cpu:7.2f} s CPU "
            f"{rows / cpu:>9,.0f} rows/CPU-s  peak RSS {rss:6.1f} MiB"
        )
    # Ratios use CPU time (user + system): wall time on a shared machine
    # mostly measures the other processes.
    ours = results["iqcadence import csv"][1]
    if "sqlite3 .import" in results:
        ratio = ours / results["sqlite3 .import"][1]
        verdict = "ok" if ratio <= TARGET_IMPORT_RATIO else "MISSED"
        print(
            f"  iqcadence / .import        {ratio:5.2f}×  (target ≤ {TARGET_IMPORT_RATIO:g}×: {verdict})"
        )
    if INDEXED in results:
        ratio = ours / results[INDEXED][1]
        print(
            f"  iqcadence / .import + the indexes and search index  {ratio:5.2f}×  "
            "(no target: what the raw load costs once it can be listed and searched)"
        )
    if "sqlite-utils insert --csv" in results:
        speedup = results["sqlite-utils insert --csv"][1] / ours
        verdict = "ok" if speedup >= TARGET_SQLITE_UTILS_SPEEDUP else "MISSED"
        print(
            f"  sqlite-utils / iqcadence   {speedup:5.2f}×  "
            f"(target ≥ {TARGET_SQLITE_UTILS_SPEEDUP:g}×: {verdict})"
        )
    rss = results["iqcadence import csv"][2]
    verdict = "ok" if rss <= TARGET_RSS_MIB else "MISSED"
    print(
        f"  iqcadence peak RSS         {rss:5.1f} MiB (target ≤ {TARGET_RSS_MIB} MiB at 1M: {verdict})"
    )
    return results


def phases(rows: int) -> None:
    """Where an import's CPU time goes: every SQL statement's total, and the
    Python reading and building of rows, in this process."""
    from collections import defaultdict

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    csv_path = WORK / f"import-{rows}.csv"
    if not csv_path.exists():
        generate(csv_path, rows)
    os.environ.update(
        IQCADENCE_USER="bench@example.com",
        IQCADENCE_TODAY="2026-11-27",
        IQCADENCE_DATA_DIR=str(WORK / "data"),
        IQCADENCE_SEND_ON_CHANGE="0",
    )
    sys.path.insert(0, str(ROOT / "src"))
    from iqcadence.core.io.imports import customers as importer
    from iqcadence.core.io.imports.common import ImportOptions
    from iqcadence.core.io.imports.detect import open_csv
    from iqcadence.core.runtime import wiring
    from iqcadence.core.store.db import open_database, resolve_location

    wiring.install()
    from iqcadence.core.store.users import resolve_actor

    statements: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    @event.listens_for(Engine, "before_cursor_execute")
    def started(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_started"] = time.process_time()

    @event.listens_for(Engine, "after_cursor_execute")
    def finished(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        entry = statements[" ".join(statement.split())[:90]]
        entry[0] += 1
        entry[1] += time.process_time() - conn.info["bench_started"]

    spent = {"read rows": 0.0, "write rows (with their SQL)": 0.0}

    def timed(name: str, method: Any) -> Any:
        def run(*args: Any) -> Any:
            begun = time.process_time()
            try:
                return method(*args)
            finally:
                spent[name] += time.process_time() - begun

        return run

    importer.Importer.read_chunk = timed("read rows", importer.Importer.read_chunk)  # type: ignore[method-assign]
    importer.Importer.write_chunk = timed(  # type: ignore[method-assign]
        "write rows (with their SQL)", importer.Importer.write_chunk
    )
    database = open_database(resolve_location(fresh(WORK / f"phases-{rows}.db")))
    begun = time.process_time()
    with database.session() as session, open_csv(csv_path) as source:
        actor = resolve_actor(session, None)
        importer.import_customers(session, actor, source, ImportOptions())
    total = time.process_time() - begun
    print(f"{rows:,} rows: {total:.2f} s CPU in the import")
    for name, seconds in spent.items():
        print(f"  {seconds:7.2f} s  {name}")
    print("  SQL statements (CPU s, runs, statement):")
    for statement, (count, seconds) in sorted(statements.items(), key=lambda s: -s[1][1])[:20]:
        print(f"  {seconds:7.2f} s {int(count):6d}  {statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, action="append", help="row count (repeatable; default 100k and 1M)"
    )
    parser.add_argument(
        "--phases",
        action="store_true",
        help="instead: where the import's CPU time goes (SQL statements, reading rows)",
    )
    args = parser.parse_args()
    for rows in args.rows or [100_000, 1_000_000]:
        if args.phases:
            phases(rows)
        else:
            run_size(rows)


if __name__ == "__main__":
    main()
