"""Every command and sub-command has help text with an example, and `--help` works."""

from __future__ import annotations

from typing import Any

import pytest
import typer

from iqcadence.cli.main import app


def walk(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += walk(sub, (*path, name))
    return found


ROOT = typer.main.get_command(app)
COMMANDS = walk(ROOT)


def test_the_tree_holds_the_spine_commands() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    for expected in (
        "score", "rescore", "explain", "audit",
        "customers list", "customers show", "customers edit", "customers archive",
        "customers unarchive", "customers trash", "customers restore", "customers delete",
        "config show", "config weights set", "config thresholds set", "config csat",
        "config profiles list", "config profiles set", "config profiles delete",
        "config cadence set", "config renewal-windows set", "config export", "config import",
        "config history", "users list", "users add", "users set-role", "users remove",
    ):  # fmt: skip
        assert expected in names


def help_page(path: tuple[str, ...]) -> str:
    """What `iqcadence PATH --help` prints, rendered from one shared command tree."""
    command: Any = ROOT
    ctx = typer.Context(command, info_name="iqcadence")
    for name in path:
        command = command.commands[name]
        ctx = typer.Context(command, info_name=name, parent=ctx)
    text: str = command.get_help(ctx)
    return text


# Modules whose help pages are held to the 80-column, copy-pasteable example rule.
CHECKED_MODULES = {
    f"iqcadence.cli.{name}"
    for name in (
        "customers", "config", "config_profiles", "config_cadence", "config_files", "audit",
        "users", "scoring_cmds", "db", "backup", "fields",
        "owners", "opportunities", "leads", "myday", "outreach",
    )
}  # fmt: skip


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "iqcadence" for p, _ in COMMANDS]
)
def test_help_page_has_an_example(path: tuple[str, ...], command: Any) -> None:
    """The help text has an example and `iqcadence PATH --help` shows it;
    in the checked modules the example lines stay whole within 80 columns."""
    name = f"`iqcadence {' '.join(path)}`"
    text = command.help or ""
    assert text.strip(), f"{name} has no help text"
    assert "Example:" in text, f"{name} help has no example"
    page = help_page(path)
    assert page.startswith(f"Usage: iqcadence {' '.join(path)}".rstrip())
    assert "Example:" in page
    if not path or getattr(command.callback, "__module__", "") not in CHECKED_MODULES:
        return
    lines = [line.strip() for line in page.splitlines()]
    examples = text.split("Example", 1)[-1].splitlines()
    for example in (line.strip() for line in examples):
        if example.startswith("iqcadence "):
            assert example in lines, f"`{example}` is re-wrapped in the help page"
    assert max(len(line) for line in page.splitlines()) <= 80


def test_help_option_end_to_end(cli: Any) -> None:
    result = cli("customers", "list", "--help", db=False)
    assert result.exit_code == 0
    assert "--where" in result.stdout and "Example" in result.stdout
