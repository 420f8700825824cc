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
    opts = common.options(ctx)
    make_app(opts.database(), as_user=opts.as_user, client=opts.client).run()
