"""`users`: who may use this database and with which role (admins manage them)."""

from __future__ import annotations

from typing import Annotated

import typer

from iqcadence.cli import common
from iqcadence.core.base.labels import label

users_app = typer.Typer(
    help=(
        "Manage users and roles: admin (everything), csm (edit data), viewer (read only).\n\n"
        "Example:\n\n  iqcadence users add sam@example.com --role csm --name Sam"
    ),
    no_args_is_help=True,
)


@users_app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the users as JSON."),
) -> None:
    """List the users who may work in the client you are in (admins work in
    all), with their roles and the clients you can see them in.

    Example:

    \b
      iqcadence users list
    """
    from iqcadence.core.store import clients

    with common.session_as(ctx, write=False) as (session, actor):
        visible = {c.name for c in clients.list_clients(session, actor)}
        items = [
            {
                "email": u.email,
                "name": u.name,
                "role": u.role,
                "created_at": u.created_at.isoformat(timespec="seconds"),
                "clients": [n for n in clients.clients_of(session, u) if n in visible],
            }
            for u in clients.users_of(session, actor.client_id)
        ]
    if as_json:
        common.print_json(items)
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("email", "name", "role", "clients"):
        table.add_column(column)
    for item in items:
        shown = "all" if item["role"] == "admin" else ", ".join(item["clients"])
        table.add_row(
            escape(item["email"]),
            escape(item["name"]),
            label("user_role", item["role"]),
            escape(shown),
        )
    common.console().print(table)


@users_app.command("add")
def add_command(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The user's e-mail (their identity)."),
    role: str = typer.Option("csm", "--role", help="admin | csm | viewer."),
    name: str = typer.Option("", "--name", help="Display name (default: the e-mail's user part)."),
) -> None:
    """Add a user (admins only).

    Example:

    \b
      iqcadence users add sam@example.com --role viewer --name "Sam Lee"
    """
    from iqcadence.core.store import users

    with common.session_as(ctx) as (session, actor):
        user = users.add_user(session, actor, email, role=role, name=name)
        shown = f"{user.email} ({user.role})"
    common.console().print(f"Added {shown}.")


@users_app.command("set-role")
def set_role_command(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The user's e-mail."),
    role: str = typer.Argument(..., help="admin | csm | viewer."),
) -> None:
    """Change a user's role (admins only; the last admin stays admin).

    Example:

    \b
      iqcadence users set-role sam@example.com admin
    """
    from iqcadence.core.store import users

    with common.session_as(ctx) as (session, actor):
        user = users.set_role(session, actor, email, role)
        shown = f"{user.email} is now {user.role}"
    common.console().print(f"{shown}.")


@users_app.command("remove")
def remove_command(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The user's e-mail."),
) -> None:
    """Remove a user (admins only; their past actions stay in the audit log).

    Example:

    \b
      iqcadence users remove sam@example.com
    """
    from iqcadence.core.store import users

    with common.session_as(ctx) as (session, actor):
        users.remove_user(session, actor, email)
    common.console().print(f"Removed {email.strip()}.")


@users_app.command("assign")
def assign_command(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    client_names: Annotated[
        list[str], typer.Argument(metavar="CLIENT...", help="The clients' names.")
    ],
    replace: bool = typer.Option(
        False, "--replace", help="Make these the user's only clients (else they are added)."
    ),
) -> None:
    """Let a user work in these clients (admins only; admins work in all).

    A user assigned to no client works in the first one only.

    Example:

    \b
      iqcadence users assign sam@example.com Northwind "Contoso Ltd"
    """
    from iqcadence.core.store import clients

    with common.session_as(ctx) as (session, actor):
        names = clients.assign_user(session, actor, email, client_names, replace=replace)
    common.console().print(f"{email.strip()} works in: {', '.join(names)}.", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
