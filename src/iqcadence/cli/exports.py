"""`export csv` and `export bulksheet`: customers out to spreadsheets."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import typer

from iqcadence.cli import common, filters

export_app = typer.Typer(
    help=(
        "Export customers as CSV: everything with computed columns (csv), or the "
        "editable fields for round-trip editing (bulksheet).\n\n"
        "Example:\n\n  iqcadence export csv --out customers.csv"
    ),
    no_args_is_help=True,
)

OUT_HELP = "File to write, or - for standard output (the default)."


@contextmanager
def _output(ctx: typer.Context, out: str, force: bool) -> Iterator[TextIO]:
    from iqcadence.core.store.output_files import open_text_output

    if out == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    location = common.options(ctx).location()
    with open_text_output(out, database=location, force=force, what="the export") as handle:
        yield handle


def _report(out: str, rows: int, what: str, as_json: bool) -> None:
    if out == "-":
        return
    if as_json:
        common.print_json({"file": out, "rows": rows, "kind": what})
    else:
        common.console().print(f"Exported {rows:,} customers ({what}) to {out}.", highlight=False)


@export_app.command("csv")
def csv_command(
    ctx: typer.Context,
    out: str = typer.Option("-", "--out", metavar="PATH|-", help=OUT_HELP),
    force: bool = typer.Option(False, "--force", help=common.FORCE_HELP),
    band: filters.Band = None,
    manager: filters.Manager = None,
    tier: filters.Tier = None,
    tag: filters.Tag = None,
    lifecycle: filters.Lifecycle = None,
    status: filters.Status = "active",
    search: filters.Search = None,
    where: filters.Where = None,
    sort: filters.Sort = "name",
    desc: filters.Desc = False,
    as_json: bool = typer.Option(
        False, "--json", help="With --out PATH, print the result as JSON."
    ),
) -> None:
    """Export customers with every stored field and computed columns: score,
    band, score_source, priority (0–100 urgency), momentum_7d, cadence_status,
    days_until_renewal and days_since_contact. Takes the filters of
    `customers list`. The header names re-import with `import csv`.

    Example:

    \b
      iqcadence export csv --out portfolio.csv
      iqcadence export csv --band at_risk --sort mrr --desc > at-risk.csv
    """
    from iqcadence.core.io.exports import export_csv

    chosen = filters.customer_filter(
        band=band,
        manager=manager,
        tier=tier,
        tag=tag,
        lifecycle=lifecycle,
        status=status,
        search=search,
        where=where,
    )
    with (
        common.session_as(ctx, write=False) as (session, actor),
        _output(ctx, out, force) as handle,
    ):
        rows = export_csv(session, actor, handle, chosen, sort=sort, desc=desc)
    _report(out, rows, "csv", as_json)


@export_app.command("bulksheet")
def bulksheet_command(
    ctx: typer.Context,
    out: str = typer.Option("-", "--out", metavar="PATH|-", help=OUT_HELP),
    force: bool = typer.Option(False, "--force", help=common.FORCE_HELP),
    as_json: bool = typer.Option(
        False, "--json", help="With --out PATH, print the result as JSON."
    ),
) -> None:
    """Export the editable fields of every customer (archived and trashed too)
    for editing in a spreadsheet; `import csv` reads it back, and re-importing
    it unedited changes nothing. The score column holds manual overrides only
    (blank = computed); clearing one removes the override.

    Example:

    \b
      iqcadence export bulksheet --out sheet.csv
      iqcadence import csv sheet.csv --dry-run
    """
    from iqcadence.core.io.exports import export_bulksheet

    with (
        common.session_as(ctx, write=False) as (session, actor),
        _output(ctx, out, force) as handle,
    ):
        rows = export_bulksheet(session, actor, handle)
    _report(out, rows, "bulksheet", as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
