"""`iqcadence --help` start-up time against `sqlite-utils --help`.

Both are run as fresh processes (what a person at a shell waits for), a few
times each after one warm-up; the medians are compared. sqlite-utils lives in
its own venv under bench/.work/tools-venv (installed on first use with pip;
skipped with a message when that is not possible). Target: ≤ 0.5×.

    python bench/cli_help.py
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 0.5


def sqlite_utils() -> Path | None:
    """sqlite-utils from the venv bench/import.py installs it into (on first use)."""
    spec = importlib.util.spec_from_file_location("bench_import", HERE / "import.py")
    assert spec is not None and spec.loader is not None
    bench_import = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_import)
    path: Path | None = bench_import.sqlite_utils_path()
    return path


def iqcadence() -> list[str]:
    """The installed console script beside this Python, else `python -m iqcadence`."""
    script = Path(sys.executable).with_name("iqcadence")
    return [str(script)] if script.exists() else [sys.executable, "-m", "iqcadence"]


def timed(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of fresh runs.

    On a busy shared machine the wall time includes waiting for a CPU; the
    CPU time is what starting the program costs."""
    import resource

    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    reference = sqlite_utils()
    mine, mine_cpu = timed([*iqcadence(), "--help"], args.runs)
    print(
        f"iqcadence --help    : {mine * 1000:7.1f} ms wall, {mine_cpu * 1000:7.1f} ms CPU "
        f"(medians of {args.runs})"
    )
    if reference is None:
        print("ratio: not measured (no sqlite-utils to compare with).")
        return
    theirs, theirs_cpu = timed([str(reference), "--help"], args.runs)
    print(
        f"sqlite-utils --help : {theirs * 1000:7.1f} ms wall, {theirs_cpu * 1000:7.1f} ms CPU "
        f"(medians of {args.runs})"
    )
    ratio, cpu_ratio = mine / theirs, mine_cpu / theirs_cpu
    ok = min(ratio, cpu_ratio) <= TARGET
    print(
        f"ratio {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (target <= {TARGET}x) "
        f"{'ok' if ok else 'MISSED'}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
