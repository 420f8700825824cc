"""`owners`: who owns an account (primary, co-owners, observers)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from iqcadence.cli import common
from iqcadence.core.base.labels import label

owners_app = typer.Typer(
    help=(
        "Account owners: one primary, any co-owners (can edit) and observers (read only)."
        "\n\nExample:\n\n  iqcadence owners set 'Acme Corp' --primary ana@example.com"
    ),
    no_args_is_help=True,
)


@owners_app.command("set")
def set_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name (any case)."),
    primary: str | None = typer.Option(None, "--primary", metavar="EMAIL", help="Primary owner."),
    co: Annotated[
        list[str] | None,
        typer.Option("--co", metavar="EMAIL", help="Co-owner (repeatable; '' clears them)."),
    ] = None,
    observer: Annotated[
        list[str] | None,
        typer.Option("--observer", metavar="EMAIL", help="Observer (repeatable; '' clears them)."),
    ] = None,
    as_json: bool = typer.Option(False, "--json", help="Print the owners as JSON."),
) -> None:
    """Assign owners. Each role given replaces that role's list; roles not
    given stay as they are. The primary owner also becomes the customer's
    manager.

    Example:

    \b
      iqcadence owners set "Acme Corp" --primary ana@example.com --co bo@acme.io
      iqcadence owners set "Acme Corp" --observer vi@example.com
    """
    from iqcadence.core.accounts import owners

    with common.session_as(ctx) as (session, actor):
        result = owners.set_owners(
            session, actor, customer, primary=primary, co_owners=co, observers=observer
        )
        data = [o.to_dict() for o in result]
    if as_json:
        common.print_json(data)
        return
    _render(customer, data)


@owners_app.command("list")
def list_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name (any case)."),
    as_json: bool = typer.Option(False, "--json", help="Print the owners as JSON."),
) -> None:
    """Show an account's owners, primary first.

    Example:

    \b
      iqcadence owners list "Acme Corp" --json
    """
    from iqcadence.core.accounts import customers, owners

    with common.session_as(ctx, write=False) as (session, actor):
        target = customers.get_customer(session, actor, customer)
        data = [o.to_dict() for o in owners.owners_of(session, target)]
        customer = target.name
    if as_json:
        common.print_json(data)
        return
    _render(customer, data)


def _render(customer: str, data: list[dict[str, Any]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = common.console()
    if not data:
        out.print(f"{escape(customer)} has no owners yet.")
        return
    table = Table(title=f"{escape(customer)} — owners", title_justify="left", box=None)
    for column in ("role", "email", "name"):
        table.add_column(column)
    for item in data:
        table.add_row(
            label("owner_role", item["role"]), escape(item["email"]), escape(item["name"])
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(owners_app, name="owners")
