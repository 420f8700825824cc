"""The `iqcadence` entry point. `iqcadence --help` is asked for often and
should answer at once, so the top-level help page is kept pre-rendered in
`help.txt` (a test holds it equal to the live page) and printed without
importing the command framework. Everything else runs the full CLI."""

from __future__ import annotations

import os
import sys

# Only os and sys here: anything more (pathlib, shutil) costs more than the page.
HELP_FILE = os.path.join(os.path.dirname(__file__), "help.txt")
HELP_WIDTH = 80  # the width the help page is laid out for (click's maximum)


def _terminal_columns() -> int:
    try:
        return int(os.environ.get("COLUMNS") or os.get_terminal_size(sys.stdout.fileno()).columns)
    except (OSError, ValueError):
        return HELP_WIDTH  # not a terminal: the page is printed as laid out


def main() -> None:
    args = sys.argv[1:]
    if args in (["--help"], ["-h"]) and _terminal_columns() >= HELP_WIDTH:
        try:
            with open(HELP_FILE, encoding="utf-8") as page:
                sys.stdout.write(page.read())
            return
        except OSError:
            pass
    from iqcadence.cli.main import main as run

    run()


def render_help() -> str:
    """The live top-level help page, exactly as the full CLI prints it on a
    terminal HELP_WIDTH columns wide (rendered in a child process)."""
    import os
    import subprocess

    code = "import sys; sys.argv[0] = 'iqcadence'; from iqcadence.cli.main import main; main()"
    env = {**os.environ, "COLUMNS": str(HELP_WIDTH), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code, "--help"], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


if __name__ == "__main__" and sys.argv[1:] == ["--write-help"]:
    with open(HELP_FILE, "w", encoding="utf-8") as out:
        out.write(render_help())
