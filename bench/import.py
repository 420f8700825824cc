"""CSV import speed and memory against general tools, on the same messy file.

Generates deterministic, realistic messy customer CSVs (bench/_import_data.py)
and times, each as its own process:

* `iqcadence import csv FILE` into a fresh database (includes normalisation,
  scoring, snapshots and the search index),
* `iqcadence import csv FILE` again into that database (the nightly full-book
  sync: every row matched, nothing changed), then the same file with one row
  in a hundred edited,
* the `sqlite3` shell's `.import`, alone and followed by the same indexing
  work iqcadence does (the same-work reference, see SAME_INDEXES; skipped with
  a note when the shell is not installed),
* `sqlite-utils insert DB customers FILE --csv` (installed into its own venv
  under bench/.work/; skipped with a note when that is not possible).

Prints wall and CPU seconds (user + system, from wait4), rows per CPU second
and the peak RSS of each child, then every target with its ratio and verdict.
Ratios use CPU time: on a shared machine wall time mostly measures the other
processes. Targets, at every size:

* first import ≤ 1.5× the same-work reference (`.import` + the same indexes
  and search index), ≥ 4× faster than sqlite-utils, peak RSS ≤ 100 MiB;
* re-import of the same file, and of the file with 1% of rows changed: CPU
  ≤ the first import's, peak RSS ≤ 100 MiB.

    python bench/import.py              # 100k and 1M rows
    python bench/import.py --quick      # 20k rows: a sanity check in under a minute
    python bench/import.py --rows 100000
    python bench/import.py --rows 1000000 --phases   # where the time goes
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _import_data import HEADER, generate, generate_changed  # noqa: E402

WORK = HERE / ".work"
ROOT = HERE.parent
TOOLS_VENV = WORK / "tools-venv"
TARGET_REFERENCE_RATIO = 1.5
TARGET_SQLITE_UTILS_SPEEDUP = 4.0
TARGET_RSS_MIB = 100
QUICK_ROWS = 20_000
SHOWN_STATEMENTS = 30

FIRST = "iqcadence import csv"
AGAIN = "iqcadence re-import, same"
CHANGED = "iqcadence re-import, 1% changed"
SHELL = "sqlite3 .import"
# `.import`, then what the loaded rows need before they can be listed and
# searched the way iqcadence lists and searches them: as many indexes, of the
# same shapes (eight on one column, three on two), over the
# file's own columns, and the search index over name, manager and tags with
# the same tokenizer. No scoring, snapshots or audit.
INDEXED = "sqlite3 .import + indexes"
SQLITE_UTILS = "sqlite-utils insert --csv"
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

Measured = tuple[float, float, float]  # wall s, CPU s, peak RSS MiB


def measure(
    argv: list[str], env: dict[str, str] | None = None, stdout: Path | None = None
) -> Measured:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of the
    child; its standard output goes to `stdout` when given."""
    started = time.perf_counter()
    with open(stdout or os.devnull, "wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, env=env, cwd=str(WORK))
        assert process.stderr is not None
        err = process.stderr.read().decode(errors="replace")
        _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {process.returncode}: {err[-500:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024


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


def files(rows: int) -> tuple[Path, Path]:
    """The CSV of `rows` customers and its copy with 1% of rows changed."""
    WORK.mkdir(parents=True, exist_ok=True)
    csv_path = WORK / f"import-{rows}.csv"
    changed_path = WORK / f"import-{rows}-changed.csv"
    if not csv_path.exists():
        started = time.perf_counter()
        generate(csv_path, rows)
        print(f"  generated {csv_path.name} in {time.perf_counter() - started:.1f} s")
    if not changed_path.exists():
        generate_changed(csv_path, changed_path)
    return csv_path, changed_path


def iqcadence_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        IQCADENCE_USER="bench@example.com",
        IQCADENCE_TODAY="2026-11-27",
        IQCADENCE_DATA_DIR=str(WORK / "data"),
        PYTHONPATH=str(ROOT / "src"),
        # no detached notification runner competing with the timed tools
        IQCADENCE_SEND_ON_CHANGE="0",
    )
    return env


def run_iqcadence(rows: int, csv_path: Path, changed_path: Path) -> dict[str, Measured]:
    """The first import into a fresh database, then the two re-imports."""
    env = iqcadence_env()
    database = fresh(WORK / f"iq-{rows}.db")
    argv = [sys.executable, "-m", "iqcadence", "--db", str(database), "import", "csv"]
    results: dict[str, Measured] = {}
    report = WORK / f"iq-{rows}-summary.json"
    for name, path in ((FIRST, csv_path), (AGAIN, csv_path), (CHANGED, changed_path)):
        # open the database first (migrate and seed it, and do what is due
        # once a day on opening, such as the decay refresh) so that the
        # timing is the import alone
        subprocess.run(
            [*argv[:5], "customers", "list", "--limit", "1", "--json"],
            check=True,
            capture_output=True,
            env=env,
            cwd=str(WORK),
        )
        results[name] = measure([*argv, str(path), "--json"], env, stdout=report)
        summary = json.loads(report.read_text())
        print(
            f"  {name}: created {summary['created']:,}, updated {summary['updated']:,}, "
            f"unchanged {summary['unchanged']:,}, rejected {summary['rejected']:,}"
        )
    return results


def run_references(rows: int, csv_path: Path) -> dict[str, Measured]:
    results: dict[str, Measured] = {}
    sqlite3_bin = shutil.which("sqlite3")
    if sqlite3_bin:
        target = fresh(WORK / f"shell-{rows}.db")
        results[SHELL] = measure(
            [sqlite3_bin, str(target), "-cmd", ".mode csv", f".import {csv_path} customers"]
        )
        target = fresh(WORK / f"shell-indexed-{rows}.db")
        results[INDEXED] = measure(
            [sqlite3_bin, str(target), "-cmd", ".mode csv", "-cmd", f".import {csv_path} customers"]
            + ["-cmd", ".mode list", SAME_INDEXES]
        )
    else:
        print("  sqlite3 .import: skipped (no sqlite3 shell; apt-get install sqlite3)")
    tool = sqlite_utils_path()
    if tool is not None:
        target = fresh(WORK / f"su-{rows}.db")
        results[SQLITE_UTILS] = measure(
            [str(tool), "insert", str(target), "customers", str(csv_path), "--csv"]
        )
    return results


def run_size(rows: int) -> dict[str, Measured]:
    csv_path, changed_path = files(rows)
    size_mib = csv_path.stat().st_size / 2**20
    print(f"\n{rows:,} rows ({size_mib:.0f} MiB, {len(HEADER)} columns)")
    results = run_iqcadence(rows, csv_path, changed_path)
    results.update(run_references(rows, csv_path))
    for name, (seconds, cpu, rss) in results.items():
        print(
            f"  {name:32s} {seconds:7.2f} s wall {cpu:7.2f} s CPU "
            f"{rows / cpu:>9,.0f} rows/CPU-s  peak RSS {rss:6.1f} MiB"
        )
    print_targets(results)
    return results


def print_targets(results: dict[str, Measured]) -> None:
    """Every target with what was measured (ratios of CPU time) and a verdict."""
    first = results[FIRST][1]
    checks: list[tuple[str, float, str, bool]] = []
    if INDEXED in results:
        ratio = first / results[INDEXED][1]
        checks.append(
            (
                "first import / .import + the same indexes",
                ratio,
                f"≤ {TARGET_REFERENCE_RATIO:g}×",
                ratio <= TARGET_REFERENCE_RATIO,
            )
        )
    if SHELL in results:  # no target: how far from the bare load
        checks.append(("first import / bare .import", first / results[SHELL][1], "", True))
    if SQLITE_UTILS in results:
        speedup = results[SQLITE_UTILS][1] / first
        checks.append(
            (
                "sqlite-utils / first import",
                speedup,
                f"≥ {TARGET_SQLITE_UTILS_SPEEDUP:g}×",
                speedup >= TARGET_SQLITE_UTILS_SPEEDUP,
            )
        )
    for name in (AGAIN, CHANGED):
        ratio = results[name][1] / first
        checks.append(
            (f"{name.removeprefix('iqcadence ')} / first import", ratio, "≤ 1×", ratio <= 1)
        )
    print(f"  {'target':44s} {'measured':>10s}  {'target':9s} verdict")
    for label, ratio, target, met in checks:
        verdict = ("ok" if met else "MISSED") if target else "-"
        print(f"  {label:44s} {ratio:9.2f}×  {target:9s} {verdict}")
    for name in (FIRST, AGAIN, CHANGED):
        rss = results[name][2]
        verdict = "ok" if rss <= TARGET_RSS_MIB else "MISSED"
        label = f"{name.removeprefix('iqcadence ')} peak RSS"
        print(f"  {label:44s} {rss:6.1f} MiB  ≤ {TARGET_RSS_MIB} MiB {verdict}")


def phases(rows: int, cprofile: bool) -> None:
    """Where each import's CPU time goes, in this process: every SQL
    statement's total, for the first import and both re-imports."""
    from collections import defaultdict

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    csv_path, changed_path = files(rows)
    os.environ.update({k: v for k, v in iqcadence_env().items() if k.startswith("IQCADENCE")})
    sys.path.insert(0, str(ROOT / "src"))
    from iqcadence.core.io.imports import customers as importer
    from iqcadence.core.io.imports.common import ImportOptions
    from iqcadence.core.io.imports.detect import open_csv
    from iqcadence.core.runtime import wiring
    from iqcadence.core.store.db import open_database, resolve_location
    from iqcadence.core.store.users import resolve_actor

    wiring.install()
    statements: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    @event.listens_for(Engine, "before_cursor_execute")
    def started(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_started"] = time.process_time()

    @event.listens_for(Engine, "after_cursor_execute")
    def finished(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        entry = statements[" ".join(statement.split())[:90]]
        entry[0] += 1
        entry[1] += time.process_time() - conn.info["bench_started"]

    database = open_database(resolve_location(fresh(WORK / f"phases-{rows}.db")))
    for label, path in (
        ("first import", csv_path),
        ("re-import", csv_path),
        ("1% changed", changed_path),
    ):
        statements.clear()
        profiler = None
        if cprofile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        begun = time.process_time()
        with database.session() as session, open_csv(path) as source:
            actor = resolve_actor(session, None)
            summary = importer.import_customers(session, actor, source, ImportOptions())
        total = time.process_time() - begun
        sql = sum(seconds for _count, seconds in statements.values())
        print(
            f"{rows:,} rows, {label}: {total:.2f} s CPU ({sql:.2f} s in SQL); "
            f"created {summary.created:,}, updated {summary.updated:,}, "
            f"unchanged {summary.unchanged:,}"
        )
        print("  SQL statements (CPU s, runs, statement):")
        for statement, (count, seconds) in sorted(statements.items(), key=lambda s: -s[1][1])[
            :SHOWN_STATEMENTS
        ]:
            print(f"  {seconds:7.2f} s {int(count):6d}  {statement}")
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, action="append", help="row count (repeatable; default 100k and 1M)"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"a sanity check: {QUICK_ROWS:,} rows, under a minute"
    )
    parser.add_argument(
        "--phases",
        action="store_true",
        help="instead: where each import's CPU time goes (its SQL statements)",
    )
    parser.add_argument(
        "--cprofile", action="store_true", help="with --phases: the Python functions too"
    )
    args = parser.parse_args()
    sizes = args.rows or ([QUICK_ROWS] if args.quick else [100_000, 1_000_000])
    for rows in sizes:
        if args.phases:
            phases(rows, args.cprofile)
        else:
            run_size(rows)


if __name__ == "__main__":
    main()
