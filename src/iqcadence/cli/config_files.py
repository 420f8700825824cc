"""`config export`, `config import` and `config history`: the scoring model
as a readable TOML file, read back whole or not at all, and who changed it."""

from __future__ import annotations

from pathlib import Path

import typer

from iqcadence.cli import common
from iqcadence.cli.config_changes import RESCORE_HINT


def export_command(
    ctx: typer.Context,
    path: str = typer.Argument(..., metavar="FILE.toml", help="Where to write ('-' = stdout)."),
    force: bool = typer.Option(False, "--force", help=common.FORCE_HELP),
) -> None:
    """Write the whole scoring model and the profiles as a readable TOML file.

    Example:

    \b
      iqcadence config export scoring.toml
    """
    from iqcadence.core.store import settings
    from iqcadence.core.store.output_files import write_output

    with common.session_as(ctx, write=False) as (session, actor):
        document = settings.export_toml(session, actor.client_id)
    if path == "-":
        typer.echo(document, nl=False)
        return
    location = common.options(ctx).location()
    write_output(
        path,
        document.encode("utf-8"),
        database=location,
        force=force,
        label="",
        what="the scoring model",
    )
    common.err_console().print(f"Wrote the scoring model to {path}.")


def import_command(
    ctx: typer.Context,
    path: str = typer.Argument(..., metavar="FILE.toml", help="A file from `config export`."),
) -> None:
    """Replace the scoring model and update the profiles from a TOML file.

    The whole file is checked first; if anything is wrong nothing is changed.

    Example:

    \b
      iqcadence config import scoring.toml
    """
    from iqcadence.core.store import settings

    with common.session_as(ctx) as (session, actor):
        settings.import_toml(session, actor, Path(path))
        profiles = len(settings.list_profiles(session, actor.client_id))
    out = common.console()
    out.print(f"Imported the scoring model from {path}; profiles now: {profiles}.")
    out.print(RESCORE_HINT)


def history_command(
    ctx: typer.Context,
    limit: int = typer.Option(
        50,
        "--limit",
        help="At most N changes, newest first.",
        callback=common.whole_number("--limit", 1),
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the changes as JSON."),
) -> None:
    """Show changes to the configuration, newest first, with who made them.

    Example:

    \b
      iqcadence config history --limit 10
    """
    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.store import audit

    if limit <= 0:
        raise InvalidValue(f"--limit: must be at least 1, got {limit}.")
    with common.session_as(ctx, write=False) as (session, actor):
        items = [
            audit.entry_to_dict(e)
            for e in audit.list_entries(session, actor, action="config", limit=limit)
        ]
    if as_json:
        common.print_json(items)
        return
    from iqcadence.cli.audit import render_entries

    render_entries(items, empty="No configuration changes yet.")


def register(config_app: typer.Typer) -> None:
    config_app.command("export")(export_command)
    config_app.command("import")(import_command)
    config_app.command("history")(history_command)
