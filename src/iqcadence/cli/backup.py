"""`backup` and `restore`: everything in one checksummed JSON file, and back."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from iqcadence.cli import common


def _interactive() -> bool:
    """Whether a person can answer a question (stdin and stdout are terminals)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def backup(
    ctx: typer.Context,
    out: str | None = typer.Option(
        None,
        "--out",
        metavar="PATH",
        help="Where to write the JSON backup ('-' for stdout). "
        "Default: a timestamped file under the data dir's backups/.",
    ),
    sqlite: str | None = typer.Option(
        None,
        "--sqlite",
        metavar="PATH",
        help="Instead of JSON, write a consistent copy of the live SQLite database file.",
    ),
    force: bool = typer.Option(False, "--force", help=common.FORCE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Back up every record into one JSON file with a checksum.

    The file holds every table (customers, score history, settings, scoring
    profiles, users, audit log and every record added by other features), the
    schema revision and a SHA-256 of its contents. Secrets are never in it:
    they live in the keyring, and any column named like *secret*, *password*
    or *token* is left out. `--sqlite PATH` instead copies the SQLite file
    itself, safely while other programs use it. Neither ever writes over the
    database, nor over an existing file without --force; files are 0600.
    Both hold every client: with several clients, only an admin may take one.

    Example:

    \b
      iqcadence backup --out ~/iqcadence-2026-11-27.json
    """
    from iqcadence.core.io import backup as core

    if sqlite is not None and out is not None:
        raise common.fail("give --out or --sqlite, not both.", 2)
    opts = common.options(ctx)
    from iqcadence.core.store.clients import require_every_client

    with common.session_as(ctx, write=False) as (session, actor):
        require_every_client(session, actor, "a backup")
    if sqlite is not None:
        from iqcadence.core.io.db_upkeep import copy_sqlite_database
        from iqcadence.core.store.db import resolve_location

        target = copy_sqlite_database(resolve_location(opts.db_path), Path(sqlite), force=force)
        if as_json:
            common.print_json({"path": str(target), "kind": "sqlite"})
        else:
            common.console().print(f"Copied the database to {target}.", markup=False)
        return
    database = opts.database()
    if out == "-":
        core.backup_to_stream(database, sys.stdout.buffer)
        sys.stdout.flush()
        return
    summary = core.create_backup(database, Path(out) if out else None, force=force)
    if as_json:
        common.print_json(summary.to_dict())
        return
    customers = summary.counts.get("customer", 0)
    rows = sum(summary.counts.values())
    common.console().print(
        f"Backed up {rows} records ({customers} customers, {len(summary.counts)} tables) "
        f"to {summary.path}",
        markup=False,
    )
    common.console().print(f"sha256 {summary.sha256}", markup=False)


def restore(
    ctx: typer.Context,
    file: str = typer.Argument(
        ..., metavar="FILE", help="A backup file written by `iqcadence backup`."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Replace the data without asking."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Replace every record with the contents of a backup file (admin only).

    The whole file is checked first (JSON, checksum, format, schema revision,
    every record's values and references); anything wrong refuses it and the
    database stays as it was. Then, in one transaction, a safety backup of
    the current data is written (its path is printed) and the data replaced.
    Without --yes it asks first; without a terminal, --yes is required.

    Example:

    \b
      iqcadence restore ~/iqcadence-2026-11-27.json --yes
    """
    from iqcadence.core.io.backup_check import read_backup
    from iqcadence.core.io.restore import restore_backup

    # who is acting, read only: the restore takes the write lock itself
    with common.session_as(ctx, write=False) as (_session, actor):
        actor.require_admin("restore a backup")
    database = common.options(ctx).database()
    loaded = read_backup(Path(file))
    if not yes:
        if not _interactive():
            raise common.fail(
                f"restore replaces every record in {database.location.describe()}; "
                "add --yes to confirm when not running in a terminal.",
                2,
            )
        customers = loaded.counts.get("customer", 0)
        question = (
            f"Replace every record in {database.location.describe()} with {file} "
            f"({customers} customers, written {loaded.created_at})?"
        )
        if not typer.confirm(question, default=False):
            raise common.fail("restore cancelled; nothing was changed.", 1)
    summary = restore_backup(database, actor, loaded)
    if as_json:
        common.print_json(summary.to_dict())
        return
    out = common.console()
    out.print(
        f"Restored {sum(summary.counts.values())} records "
        f"({summary.counts.get('customer', 0)} customers) from {file}.",
        markup=False,
    )
    out.print(f"The replaced data was saved to {summary.safety_backup}", markup=False)
    if not summary.actor_known:
        out.print(
            f"Note: {actor.email} is not a user in the restored data; "
            "act as one of its users with --as EMAIL.",
            markup=False,
        )


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
