"""`iqcadence` with no command: open the app on a terminal, else point to the CLI."""

from __future__ import annotations

import sys

import click
import typer

from iqcadence.cli import common


def open_app(ctx: typer.Context) -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        typer.echo(
            "iqcadence: no terminal to open the app in; use the commands instead "
            "(iqcadence --help), e.g. `iqcadence customers list`."
        )
        raise typer.Exit(0)
    try:
        from iqcadence.tui.app import make_app
    except ImportError:
        typer.echo(ctx.get_help())
        raise typer.Exit(0) from None
    from iqcadence.core.store.users import UserNotChosen

    opts = common.options(ctx)
    database = opts.database()
    try:
        app = make_app(database, as_user=opts.as_user, client=opts.client)
    except UserNotChosen as unchosen:
        app = make_app(database, as_user=pick_user(unchosen.users), client=opts.client)
    app.run()


def pick_user(users: list[tuple[str, str, str]]) -> str:
    """Ask which of the database's users is opening the app (nobody was named
    with --as or IQCADENCE_USER)."""
    typer.echo("This database has several users. Which one are you?")
    for number, (email, name, role) in enumerate(users, 1):
        who = f"{name} <{email}>" if name and name != email else email
        typer.echo(f"  {number:>2}. {who} · {role}")
    typer.echo("(Next time, name yourself with --as EMAIL or IQCADENCE_USER.)")
    chosen = typer.prompt("Number", type=click.IntRange(1, len(users)))
    return users[chosen - 1][0]
