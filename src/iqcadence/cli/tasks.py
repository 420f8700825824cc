"""`tasks`: to-dos on customers — add, list, done (logged on the timeline), reopen."""

from __future__ import annotations

from typing import Any

import typer

from iqcadence.cli import common
from iqcadence.core.base.labels import label

tasks_app = typer.Typer(
    help=(
        "Add, list, complete and reopen tasks on customers.\n\n"
        "Example:\n\n  iqcadence tasks add 'Acme Corp' 'Send the QBR deck' --due 2026-12-01"
    ),
    no_args_is_help=True,
)


@tasks_app.command("add")
def add_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name."),
    title: str = typer.Argument(..., help="What to do."),
    due: str | None = typer.Option(None, "--due", help="Due date, YYYY-MM-DD."),
    owner: str | None = typer.Option(None, "--owner", help="Owner's e-mail (default: you)."),
    description: str | None = typer.Option(None, "--description", help="Details."),
    as_json: bool = typer.Option(False, "--json", help="Print the task as JSON."),
) -> None:
    """Add a task to a customer.

    Example:

      iqcadence tasks add "Acme Corp" "Send the QBR deck" --due 2026-12-01 --owner jane@example.com
    """
    from iqcadence.core.accounts import tasks

    with common.session_as(ctx) as (session, actor):
        task = tasks.add_task(
            session, actor, customer, title, due=due, owner=owner, description=description
        )
        (data,) = tasks.task_dicts(session, [task])
    if as_json:
        common.print_json(data)
        return
    due_text = f", due {data['due']}" if data["due"] else ""
    common.console().print(
        f"Added task {data['id']} [bold]{_e(data['title'])}[/] on {_e(data['customer'])} "
        f"for {_e(data['owner'])}{due_text}."
    )


@tasks_app.command("list")
def list_command(
    ctx: typer.Context,
    mine: bool = typer.Option(False, "--mine", help="Only tasks you own."),
    due: str | None = typer.Option(
        None, "--due", help="today | overdue | week (today through the next 7 days)."
    ),
    customer: str | None = typer.Option(None, "--customer", help="Only this customer's tasks."),
    owner: str | None = typer.Option(None, "--owner", help="Only tasks owned by EMAIL."),
    status: str = typer.Option("open", "--status", help="open (default) | done | cancelled | all."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of tasks."),
) -> None:
    """List tasks, soonest due first.

    Example:

      iqcadence tasks list --mine --due overdue
      iqcadence tasks list --customer "Acme Corp" --status all --json
    """
    from iqcadence.core.accounts import tasks

    with common.session_as(ctx, write=False) as (session, actor):
        found = tasks.list_tasks(
            session, actor, mine=mine, owner=owner, due=due, customer=customer, status=status
        )
        rows = tasks.task_dicts(session, found)
    if as_json:
        common.print_json(rows)
        return
    render_tasks(rows)


def render_tasks(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    out = common.console()
    if not rows:
        out.print("No tasks match.")
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("id", "due", "title", "customer", "owner", "status", "playbook"):
        table.add_column(column, justify="right" if column == "id" else "left")
    for row in rows:
        due = row["due"] or "—"
        if row["overdue"]:
            due = f"[red]{due}[/]"
        table.add_row(
            str(row["id"]),
            due,
            _e(row["title"]),
            _e(row["customer"] or ""),
            _e(row["owner"] or ""),
            label("task_status", row["status"]),
            _e(row["playbook"] or ""),
        )
    out.print(table)


@tasks_app.command("done")
def done_command(
    ctx: typer.Context,
    task_id: int = typer.Argument(
        ..., metavar="ID", help="The task's id.", callback=common.whole_number("ID", 1)
    ),
    outcome: str | None = typer.Option(None, "--outcome", help="What came of it."),
    as_json: bool = typer.Option(False, "--json", help="Print the task as JSON."),
) -> None:
    """Mark a task done; it is logged on the customer's timeline with its outcome.

    Example:

      iqcadence tasks done 12 --outcome "Deck sent, QBR booked for 3 Dec"
    """
    from iqcadence.core.accounts import tasks

    with common.session_as(ctx) as (session, actor):
        task = tasks.complete_task(session, actor, task_id, outcome=outcome)
        (data,) = tasks.task_dicts(session, [task])
    if as_json:
        common.print_json(data)
        return
    common.console().print(f"Task {task_id} done: {_e(data['title'])}.")


@tasks_app.command("reopen")
def reopen_command(
    ctx: typer.Context,
    task_id: int = typer.Argument(
        ..., metavar="ID", help="The task's id.", callback=common.whole_number("ID", 1)
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the task as JSON."),
) -> None:
    """Open a done or cancelled task again.

    Example:

      iqcadence tasks reopen 12
    """
    from iqcadence.core.accounts import tasks

    with common.session_as(ctx) as (session, actor):
        task = tasks.reopen_task(session, actor, task_id)
        (data,) = tasks.task_dicts(session, [task])
    if as_json:
        common.print_json(data)
        return
    common.console().print(f"Task {task_id} is open again: {_e(data['title'])}.")


def _e(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")
