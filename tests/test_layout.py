"""The core stays free of UI libraries, and `--help` stays light."""

from __future__ import annotations

import subprocess
import sys

UI_MODULES = ("textual", "typer", "rich")
HEAVY_MODULES = ("sqlmodel", "sqlalchemy", "textual", "fpdf", "alembic", "httpx")


def _loaded_after(statement: str, names: tuple[str, ...]) -> list[str]:
    code = (
        f"import sys; {statement}; "
        f"print(','.join(n for n in {names!r} if n in sys.modules))"
    )
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
