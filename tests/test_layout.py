"""The core stays free of UI libraries, and `--help` stays light."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

UI_MODULES = ("textual", "typer", "rich")
HEAVY_MODULES = (
    "sqlmodel", "sqlalchemy", "textual", "fpdf", "alembic", "httpx", "fastapi", "uvicorn",
)  # fmt: skip


def _loaded_after(statement: str, names: tuple[str, ...]) -> list[str]:
    code = f"import sys; {statement}; print(','.join(n for n in {names!r} if n in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    return [name for name in out.split(",") if name]


def test_core_imports_no_ui_library() -> None:
    import pkgutil

    import iqcadence.core

    modules = [
        m.name
        for m in pkgutil.walk_packages(iqcadence.core.__path__, "iqcadence.core.")
        if ".migrations.versions" not in m.name and not m.name.endswith("migrations.env")
    ]
    statement = "; ".join(f"import {name}" for name in modules)
    assert _loaded_after(statement, UI_MODULES) == []


def test_cli_module_defers_heavy_imports() -> None:
    assert _loaded_after("import iqcadence.cli.main", HEAVY_MODULES) == []


def test_cached_help_page_matches_the_live_one() -> None:
    """`iqcadence --help` prints cli/help.txt without loading the CLI; it must
    equal the page the CLI renders. Regenerate with
    `python -m iqcadence.cli.launch --write-help`."""
    from iqcadence.cli.launch import HELP_FILE, render_help

    with open(HELP_FILE, encoding="utf-8") as page:
        assert page.read() == render_help()


def test_help_launcher_imports_nothing_heavy() -> None:
    statement = "import iqcadence.cli.launch"
    assert _loaded_after(statement, (*HEAVY_MODULES, "typer", "rich")) == []


ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def _lint_imports(src: Any, config: Any) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command as run; sys.exit(run())",
            "--config",
            str(config),
            "--no-cache",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=src,
    )


def test_import_contracts_are_kept() -> None:
    """The layers of README's architecture section, as CI checks them."""
    result = _lint_imports(ROOT / "src", ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_each_import_contract_can_fail(tmp_path: Any) -> None:
    """One import the wrong way per contract, in a copy of the package: every
    contract must report it (a contract that cannot fail checks nothing)."""
    import shutil

    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "iqcadence", src / "iqcadence", ignore=shutil.ignore_patterns("__pycache__")
    )
    plants = {
        # core reaches a front end, and a UI library
        "core/base/clock.py": "import rich\nimport iqcadence.cli.common\n",
        # a lower core layer reaches a higher one (accounts -> read)
        "core/accounts/tasks.py": "import iqcadence.core.read.my_day\n",
        # a front end reaches the ORM directly
        "tui/screens/help.py": "import sqlalchemy\n",
        # the API reaches a terminal library
        "api/errors.py": "import rich\n",
        # a cycle between siblings, hidden inside a function
        "core/store/dialect.py": "def _later():\n    import iqcadence.core.store.settings\n",
    }
    for relative, line in plants.items():
        path = src / "iqcadence" / relative
        path.write_text(path.read_text() + "\n" + line)
    result = _lint_imports(src, ROOT / "pyproject.toml")
    assert result.returncode != 0
    for contract in (
        "Front ends over core",
        "Core layers import only downward",
        "Core imports no UI library",
        "The API imports no terminal library",
        "Front ends reach the database only through core",
        "No import cycles among siblings",
    ):
        line = next(ln for ln in result.stdout.splitlines() if ln.startswith(contract))
        assert line.endswith("BROKEN"), result.stdout
