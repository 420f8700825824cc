"""`clients`: the client businesses kept in one database (admins manage them)."""

from __future__ import annotations

import typer

from iqcadence.cli import common

clients_app = typer.Typer(
    help=(
        "Manage client businesses: every record belongs to one client. Choose the\n"
        "client a command works in with --client NAME (or IQCADENCE_CLIENT).\n\n"
        "Example:\n\n  iqcadence clients add 'Northwind Traders'"
    ),
    no_args_is_help=True,
)


@clients_app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the clients as JSON."),
) -> None:
    """List the clients you may work in, with their customers and users.

    JSON: an array of {id, name, customers, users, created_at, current}.

    Example:

    \b
      iqcadence clients list
    """
    from iqcadence.core.store import clients

    with common.session_as(ctx) as (session, actor):
        items = [c.to_dict() for c in clients.list_clients(session, actor)]
    if as_json:
        common.print_json(items)
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("client", "customers", "users", "created"):
        table.add_column(column, justify="right" if column in ("customers", "users") else "left")
    for item in items:
        mark = " *" if item["current"] else ""
        table.add_row(
            escape(item["name"]) + mark,
            str(item["customers"]),
            str(item["users"]),
            item["created_at"][:10],
        )
    common.console().print(table)
    common.console().print("[dim]* the client this command worked in[/]")


@clients_app.command("add")
def add_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The client's name (unique, any case)."),
) -> None:
    """Add a client (admins only).

    Example:

    \b
      iqcadence clients add "Northwind Traders"
    """
    from iqcadence.core.store import clients

    with common.session_as(ctx) as (session, actor):
        shown = clients.add_client(session, actor, name).name
    common.console().print(f"Added client {shown}.", markup=False)


@clients_app.command("rename")
def rename_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The client's current name."),
    new_name: str = typer.Argument(..., help="Its new name."),
) -> None:
    """Rename a client (admins only).

    Example:

    \b
      iqcadence clients rename "Northwind Traders" Northwind
    """
    from iqcadence.core.store import clients

    with common.session_as(ctx) as (session, actor):
        client = clients.rename_client(session, actor, name, new_name)
        shown = client.name
    common.console().print(f"Renamed the client to {shown}.", markup=False)


@clients_app.command("remove")
def remove_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The client to remove."),
    yes: bool = typer.Option(False, "--yes", help="Confirm removing a client that holds records."),
) -> None:
    """Remove a client (admins only). A client holding records needs --yes and
    its name typed again: every record of it is deleted for good. The client
    you are working in cannot be removed (choose another with --client).

    Example:

    \b
      iqcadence clients remove "Old Client" --yes
    """
    from iqcadence.core.store import clients

    with common.session_as(ctx) as (session, actor):
        client = clients.find_client(session, name)
        confirmed = None
        if client is not None and client.id is not None and actor.is_admin:
            held = clients.client_data(session, client.id)
            if held:
                if not yes:
                    raise common.fail(
                        f"client {client.name!r} holds records; removing it deletes them for "
                        "good: add --yes, then type its name to confirm.",
                        2,
                    )
                confirmed = typer.prompt(f"Type {client.name!r} to delete it and its records")
        deleted = clients.remove_client(session, actor, name, confirmed_name=confirmed)
    records = sum(deleted.values())
    common.console().print(f"Removed the client and {records} records.", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(clients_app, name="clients")
