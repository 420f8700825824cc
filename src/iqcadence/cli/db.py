"""`db path|check|upgrade`: where the database is, whether it is sound, and
bringing its schema up to date."""

from __future__ import annotations

import typer

from iqcadence.cli import common

db_app = typer.Typer(
    help=(
        "The database itself: where it is, checking it, upgrading its schema.\n\n"
        "Example:\n\n  iqcadence db check"
    ),
    no_args_is_help=True,
)


@db_app.command("path")
def path(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Print where the database is and which setting chose it.

    The first of these wins: --db, IQCADENCE_DB, IQCADENCE_DATABASE_URL, and
    otherwise the default file in the data directory.

    Example:

    \b
      iqcadence db path
    """
    from iqcadence.core.store.db import resolve_location

    location = resolve_location(common.options(ctx).db_path)
    exists = location.path.is_file() if location.path is not None else None
    if as_json:
        common.print_json(
            {
                "location": location.describe(),
                "source": location.source,
                "engine": "sqlite" if location.is_sqlite else location.url.split(":", 1)[0],
                "exists": exists,
            }
        )
        return
    note = " (not created yet)" if exists is False else ""
    common.console().print(f"{location.describe()}{note}", markup=False)
    common.console().print(f"chosen by: {location.source}", markup=False)


@db_app.command("check")
def check(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check the database: integrity, foreign keys and schema revision.

    Changes nothing (no upgrade). Exits 1 when a problem is found, so cron and
    scripts can alert on it.

    Example:

    \b
      iqcadence db check --json
    """
    from iqcadence.core.io.db_upkeep import check_database
    from iqcadence.core.store.db import resolve_location

    report = check_database(resolve_location(common.options(ctx).db_path))
    if as_json:
        common.print_json(report.to_dict())
    else:
        out = common.console()
        out.print(f"database: {report.location} (chosen by {report.source})", markup=False)
        out.print(f"schema:   {report.revision or '—'} (newest: {report.head})", markup=False)
        if report.ok:
            out.print("ok: integrity and foreign keys are sound, schema is current.")
        for problem in report.problems:
            out.print(f"problem: {problem}", markup=False)
    if not report.ok:
        raise typer.Exit(1)


@db_app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Upgrade the database schema to the newest revision now.

    Opening an older database with any command upgrades it too; this does it
    explicitly. An existing file is first copied to a timestamped backup
    beside it, and a failed upgrade leaves the database as it was.

    Example:

    \b
      iqcadence --db team.db db upgrade
    """
    from iqcadence.core.io.db_upkeep import upgrade_database
    from iqcadence.core.store.db import resolve_location

    opts = common.options(ctx)
    result = upgrade_database(resolve_location(opts.db_path), acting_user=opts.as_user)
    if as_json:
        common.print_json(result.to_dict())
        return
    out = common.console()
    if result.created:
        out.print(f"Created {result.location} at schema {result.to_revision}.", markup=False)
    elif result.from_revision == result.to_revision:
        out.print(
            f"{result.location} is already at the newest schema ({result.to_revision}).",
            markup=False,
        )
    else:
        out.print(
            f"Upgraded {result.location} from {result.from_revision} to {result.to_revision}.",
            markup=False,
        )
        if result.backup_path is not None:
            out.print(f"Backup of the previous version: {result.backup_path}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
