"""`api-keys`: keys for the REST API (admins make and revoke them)."""

from __future__ import annotations

import typer

from iqcadence.cli import common

api_keys_app = typer.Typer(
    help=(
        "Keys for the REST API: each works in one client with one role. A key is\n"
        "shown once, when made; only its hash is kept.\n\n"
        "Example:\n\n  iqcadence api-keys create zapier --role csm"
    ),
    no_args_is_help=True,
)


@api_keys_app.command("create")
def create_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A name for the key (shown in the API log)."),
    role: str = typer.Option(..., "--role", help="admin | csm | viewer."),
    as_json: bool = typer.Option(False, "--json", help='Print {"name", "role", "key"}.'),
) -> None:
    """Make an API key for the client you work in (admins only) and print it
    once: it cannot be shown again.

    Example:

    \b
      iqcadence api-keys create zapier --role csm --json
    """
    from iqcadence.core.store import api_keys

    with common.session_as(ctx) as (session, actor):
        row, key = api_keys.create_key(session, actor, name, role)
        data = {"name": row.name, "role": row.role, "key": key, "client": actor.client_name}
    if as_json:
        common.print_json(data)
        return
    out = common.console()
    out.print(
        f"Made the API key {data['name']} ({data['role']}, client {data['client']}). "
        "Copy it now; it is not kept and cannot be shown again:",
        markup=False,
        soft_wrap=True,
    )
    out.print(key, markup=False, soft_wrap=True)


@api_keys_app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the keys as JSON."),
) -> None:
    """List the API keys of the client you work in: name, role, the key's
    first characters, when made and when last used (never the key).

    Example:

    \b
      iqcadence api-keys list
    """
    from iqcadence.core.store import api_keys

    with common.session_as(ctx) as (session, actor):
        items = [api_keys.key_to_dict(row) for row in api_keys.list_keys(session, actor)]
    if as_json:
        common.print_json(items)
        return
    if not items:
        common.console().print("No API keys yet; make one with `iqcadence api-keys create`.")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("name", "role", "prefix", "created", "last used"):
        table.add_column(column)
    for item in items:
        table.add_row(
            escape(item["name"]),
            item["role"],
            item["prefix"] + "…",
            item["created_at"].replace("T", " ")[:16],
            (item["last_used_at"] or "never").replace("T", " ")[:16],
        )
    common.console().print(table)


@api_keys_app.command("revoke")
def revoke_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The key's name."),
) -> None:
    """Revoke an API key (admins only): its next request is refused, in
    every server process.

    Example:

    \b
      iqcadence api-keys revoke zapier
    """
    from iqcadence.core.store import api_keys

    with common.session_as(ctx) as (session, actor):
        shown = api_keys.revoke_key(session, actor, name).name
    common.console().print(f"Revoked the API key {shown}.", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(api_keys_app, name="api-keys")
