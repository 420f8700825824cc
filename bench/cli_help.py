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


def timed(command: list[str], runs: int) -> float:
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    reference = sqlite_utils()
    mine = timed([*iqcadence(), "--help"], args.runs)
    print(f"iqcadence --help    : {mine * 1000:7.1f} ms (median of {args.runs})")
    if reference is None:
        print("ratio: not measured (no sqlite-utils to compare with).")
        return
    theirs = timed([str(reference), "--help"], args.runs)
    ratio = mine / theirs
    print(f"sqlite-utils --help : {theirs * 1000:7.1f} ms (median of {args.runs})")
    print(f"ratio {ratio:.2f}x (target <= {TARGET}x) {'ok' if ratio <= TARGET else 'MISSED'}")
    sys.exit(0 if ratio <= TARGET else 1)


if __name__ == "__main__":
    main()
