"""`playbooks`: load playbooks from TOML, start them, follow and cancel runs."""

from __future__ import annotations

from typing import Any

import typer

from iqcadence.cli import common
from iqcadence.core.base.labels import label

playbooks_app = typer.Typer(
    help=(
        "Playbooks: task sequences started by hand or when their trigger becomes true.\n\n"
        "Example:\n\n  iqcadence playbooks add examples/playbooks/rescue-at-risk.toml"
    ),
    no_args_is_help=True,
)


@playbooks_app.command("add")
def add_command(
    ctx: typer.Context,
    file: str = typer.Argument(..., metavar="FILE.toml", help="The playbook definition."),
    replace: bool = typer.Option(
        False, "--replace", help="Update the playbook of the same name if it exists."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the playbook as JSON."),
) -> None:
    """Load a playbook from a TOML file (name, trigger, [[steps]] with title,
    offset_days and owner = primary | co_owner | an e-mail).

    Example:

      iqcadence playbooks add examples/playbooks/renewal-prep.toml
    """
    from iqcadence.core.accounts import playbooks

    with common.session_as(ctx) as (session, actor):
        book = playbooks.add_playbook_file(session, actor, file, replace=replace)
        data = playbooks.playbook_to_dict(book)
    if as_json:
        common.print_json(data)
        return
    trigger = f", starts when {_e(data['trigger'])}" if data["trigger"] else ", started by hand"
    common.console().print(
        f"Saved playbook [bold]{_e(data['name'])}[/]: {len(data['steps'])} steps{trigger}."
    )


@playbooks_app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of playbooks."),
) -> None:
    """List playbooks with their triggers and active runs.

    Example:

      iqcadence playbooks list --json
    """
    from iqcadence.core.accounts import playbooks

    with common.session_as(ctx, write=False) as (session, actor):
        rows = playbooks.playbook_rows(session, actor)
    if as_json:
        common.print_json(rows)
        return
    from rich.table import Table

    out = common.console()
    if not rows:
        out.print("No playbooks yet; add one with `iqcadence playbooks add FILE.toml`.")
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("name", "trigger", "steps", "active runs", "enabled"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            _e(row["name"]),
            _e(row["trigger"] or "by hand"),
            str(len(row["steps"])),
            str(row["active_runs"]),
            "yes" if row["enabled"] else "[dim]no[/]",
        )
    out.print(table)


@playbooks_app.command("start")
def start_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Playbook name."),
    customer: str = typer.Argument(..., help="Customer name."),
    as_json: bool = typer.Option(False, "--json", help="Print the run as JSON."),
) -> None:
    """Start a playbook on a customer: its tasks are created with their due dates.

    Example:

      iqcadence playbooks start "Rescue at-risk account" "Acme Corp"
    """
    from iqcadence.core.accounts import playbooks

    with common.session_as(ctx) as (session, actor):
        run = playbooks.start_playbook(session, actor, name, customer)
        (data,) = playbooks.run_dicts(session, [run])
    if as_json:
        common.print_json(data)
        return
    common.console().print(
        f"Started {_e(data['playbook'])} on {_e(data['customer'])} (run {data['id']}, "
        f"{data['tasks_total']} tasks)."
    )


@playbooks_app.command("runs")
def runs_command(
    ctx: typer.Context,
    customer: str | None = typer.Argument(None, help="Only this customer's runs."),
    status: str | None = typer.Option(
        None, "--status", help="active | completed | cancelled (default: all)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of runs."),
) -> None:
    """List playbook runs with their progress, newest first.

    Example:

      iqcadence playbooks runs "Acme Corp"
      iqcadence playbooks runs --status active --json
    """
    from iqcadence.core.accounts import playbooks

    with common.session_as(ctx, write=False) as (session, actor):
        runs = playbooks.list_runs(session, actor, customer, status=status)
        rows = playbooks.run_dicts(session, runs)
    if as_json:
        common.print_json(rows)
        return
    render_runs(rows)


def render_runs(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    out = common.console()
    if not rows:
        out.print("No playbook runs.")
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("id", "playbook", "customer", "status", "progress", "started", "by"):
        table.add_column(column, justify="right" if column == "id" else "left")
    for row in rows:
        table.add_row(
            str(row["id"]),
            _e(row["playbook"] or ""),
            _e(row["customer"] or ""),
            label("run_status", row["status"]),
            f"{row['tasks_done']}/{row['tasks_total']}",
            row["started_at"][:10],
            _e(row["started_by"]) + (" (trigger)" if row["trigger"] != "manual" else ""),
        )
    out.print(table)


@playbooks_app.command("cancel")
def cancel_command(
    ctx: typer.Context,
    run_id: int = typer.Argument(
        ..., metavar="RUN_ID", help="The run's id.", callback=common.whole_number("RUN_ID", 1)
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the run as JSON."),
) -> None:
    """Cancel an active run; its open tasks are cancelled too.

    Example:

      iqcadence playbooks cancel 3
    """
    from iqcadence.core.accounts import playbooks

    with common.session_as(ctx) as (session, actor):
        run = playbooks.cancel_run(session, actor, run_id)
        (data,) = playbooks.run_dicts(session, [run])
    if as_json:
        common.print_json(data)
        return
    common.console().print(f"Cancelled run {run_id} of {_e(data['playbook'] or '')}.")


@playbooks_app.command("enable")
def enable_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Playbook name."),
) -> None:
    """Let a playbook start by itself again when its trigger becomes true.

    Example:

      iqcadence playbooks enable "Renewal prep"
    """
    _set_enabled(ctx, name, True)


@playbooks_app.command("disable")
def disable_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Playbook name."),
) -> None:
    """Stop a playbook from starting by itself (it can still be started by hand).

    Example:

      iqcadence playbooks disable "Renewal prep"
    """
    _set_enabled(ctx, name, False)


def _set_enabled(ctx: typer.Context, name: str, enabled: bool) -> None:
    from iqcadence.core.accounts import playbooks

    with common.session_as(ctx) as (session, actor):
        book = playbooks.set_enabled(session, actor, name, enabled)
    state = "enabled" if enabled else "disabled"
    common.console().print(f"Playbook {_e(book.name)} {state}.")


def _e(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def register(app: typer.Typer) -> None:
    app.add_typer(playbooks_app, name="playbooks")
