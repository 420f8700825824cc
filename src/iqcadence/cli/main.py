"""The `iqcadence` command: global options, sub-commands, errors → exit codes.

Each noun has its own module with a Typer sub-app; this file joins them.
Core errors (`IQError`) become one sentence on stderr and their exit code
here, in one place: 0 ok, 1 failure, 2 usage or bad value, 3 some input rows
rejected, 4 permission denied.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from iqcadence.cli import common, quiet_mode


class IQGroup(TyperGroup):
    """Turns core errors into one clear sentence and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        from iqcadence.core.base.errors import IQError

        try:
            _check_arguments([*getattr(ctx, "_protected_args", []), *ctx.args])
            return super().invoke(ctx)
        except IQError as exc:
            raise common.fail(str(exc), exc.exit_code) from None
        except Exception as exc:
            # core.db is loaded by then whenever a database error can occur
            db = sys.modules.get("iqcadence.core.store.db")
            if db is None or not db.is_busy(exc):
                raise
            raise common.fail(db.BUSY, 1) from None
        finally:
            quiet_mode.set_active(False)  # --quiet lasts one command
            if isinstance(ctx.obj, common.GlobalOptions):
                ctx.obj.close()


def _check_arguments(args: list[str]) -> None:
    """Bytes the terminal's encoding cannot decode arrive as lone surrogates,
    which no database or output can hold: refused before any work (but a
    file's name may be any bytes)."""
    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.base.text import describe_character

    for arg in args:
        bad = next((char for char in arg if "\ud800" <= char <= "\udfff"), None)
        if bad is not None and not os.path.lexists(arg):
            raise InvalidValue(
                f"argument {arg!r} holds bytes that are not valid text in this "
                f"terminal's encoding ({describe_character(bad)}); pass it as UTF-8."
            )


app = typer.Typer(
    name="iqcadence",
    cls=IQGroup,
    help=(
        "iqcadence — customer health scores, Customer 360, alerts and reports in the "
        "terminal.\n\nRun without a command to open the app. Example:\n\n"
        "  iqcadence score 'Acme Corp' --logins 22 --adoption 75 --nps 9"
    ),
    no_args_is_help=False,
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        metavar="PATH",
        help="SQLite file (or a database URL) to use; overrides IQCADENCE_DB.",
    ),
    as_user: str | None = typer.Option(
        None, "--as", metavar="EMAIL", help="Act as this user (overrides IQCADENCE_USER)."
    ),
    client: str | None = typer.Option(
        None,
        "--client",
        metavar="NAME",
        help="Work in this client (overrides IQCADENCE_CLIENT; default: your first).",
    ),
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    ctx.obj = common.GlobalOptions(db_path=db, as_user=as_user, client=client)
    if version:
        from iqcadence import __version__

        typer.echo(f"iqcadence {__version__}")
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:
        from iqcadence.cli.tui_launch import open_app

        open_app(ctx)


def _register() -> None:
    from iqcadence.cli import commands

    commands.register(app)
    quiet_mode.add_to_every_command(app)


_register()


def main() -> None:
    try:
        app(prog_name="iqcadence")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
