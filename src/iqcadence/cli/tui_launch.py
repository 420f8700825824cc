"""`iqcadence` with no command: open the app on a terminal, else point to the CLI."""

from __future__ import annotations

import sys

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
    database = common.options(ctx).database()
    make_app(database, as_user=common.options(ctx).as_user).run()
