"""The core stays free of UI libraries, and `--help` stays light."""

from __future__ import annotations

import subprocess
import sys

UI_MODULES = ("textual", "typer", "rich")
HEAVY_MODULES = ("sqlmodel", "sqlalchemy", "textual", "fpdf", "alembic", "httpx")


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
