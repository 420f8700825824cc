"""`import csv` and `import history`: load customers and score history from
spreadsheets (detection, normalisation and error rules in core.imports)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from iqcadence.cli import common, quiet_mode
from iqcadence.cli.import_group import ensure_registered
from iqcadence.core.base.labels import field_value_text, label

if TYPE_CHECKING:
    from iqcadence.core.io.imports.common import ImportOptions
    from iqcadence.core.io.imports.detect import CsvSource

SHOWN_PROBLEMS = 200
SHOWN_CHANGES = 20
PREVIEW_COLUMN = 16  # characters a row of the preview gets at least

FILE_HELP = "The CSV file, or - to read standard input."
MAP_HELP = 'Map a column to a field: "Column Name=field" (repeatable; =ignore drops it).'
ENCODING_HELP = "Text encoding (default: detected; utf-8, utf-8-sig, utf-16, cp1252, latin-1)."
DELIMITER_HELP = "Field delimiter: , ; tab | (default: detected)."
DECIMAL_HELP = "Numbers use a decimal comma (1.234,5 and €3.400)."
DATE_HELP = "strptime format for dates that are not ISO or '15 Mar 2027' (e.g. %d/%m/%Y)."
DRY_HELP = "Show the mapping, counts and changes, and write nothing."
SKIP_HELP = "Write the good rows and skip bad ones (exit 3 when some were rejected)."
ERRORS_HELP = "Write rejected rows, with a reason column, to this CSV."
FORCE_HELP = "Replace the --errors-out file if it exists."
JSON_HELP = "Print the summary as JSON."


@contextmanager
def _opened(
    ctx: typer.Context,
    file: str,
    encoding: str | None,
    delimiter: str | None,
    errors_out: Path | None,
    force: bool,
) -> Iterator[tuple[CsvSource, TextIO | None]]:
    from iqcadence.core.io.imports.detect import open_csv
    from iqcadence.core.store.output_files import open_text_output

    source = (
        open_csv(sys.stdin.buffer, name="stdin", encoding=encoding, delimiter=delimiter)
        if file == "-"
        else open_csv(file, encoding=encoding, delimiter=delimiter)
    )
    try:
        if errors_out is None:
            yield source, None
            return
        # checked before anything is imported; the file takes its name at the end
        with open_text_output(
            errors_out,
            database=common.options(ctx).location(),
            force=force,
            label="--errors-out",
            what="the rejected rows",
        ) as report:
            yield source, report
    finally:
        source.close()


@contextmanager
def _progress(enabled: bool, label: str) -> Iterator[Callable[[int, int | None, int], None] | None]:
    """A rich progress bar on a terminal (stderr); nothing on a pipe or
    with --quiet."""
    if not enabled or quiet_mode.active() or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeRemainingColumn(),
        console=common.err_console(),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, rows=0)

        def update(done: int, total: int | None, rows: int) -> None:
            bar.update(task, completed=done, total=total, rows=rows)

        yield update


def _options(**kwargs: Any) -> ImportOptions:
    from iqcadence.core.io.imports.common import ImportOptions

    return ImportOptions(**kwargs)


def csv_command(
    ctx: typer.Context,
    file: str = typer.Argument(..., metavar="FILE|-", help=FILE_HELP),
    mapping: Annotated[
        list[str] | None, typer.Option("--map", metavar="COLUMN=FIELD", help=MAP_HELP)
    ] = None,
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
    delimiter: str | None = typer.Option(None, "--delimiter", help=DELIMITER_HELP),
    decimal_comma: bool = typer.Option(False, "--decimal-comma", help=DECIMAL_HELP),
    date_format: str | None = typer.Option(None, "--date-format", help=DATE_HELP),
    key: str = typer.Option(
        "name", "--key", help="Match existing customers by name (default), domain or email."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help=DRY_HELP),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help=SKIP_HELP),
    errors_out: Annotated[
        Path | None, typer.Option("--errors-out", metavar="PATH", help=ERRORS_HELP)
    ] = None,
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Create and update customers from a CSV exported from anywhere.

    Columns are matched by name (company/customer/account → name, csm/owner →
    manager, "renews on" → renewal_date, ...); --map handles the rest and
    unknown columns are listed as ignored. Values like $5,000, 1.2k, 75%,
    Promoter, Mid-Market and 15 Mar 2027 are understood; a blank cell is a
    missing value. Existing customers (same name, any case) are updated, only
    in the columns the file has. Any bad row means nothing is written (exit 1)
    unless --skip-invalid. Each changed customer is rescored.

    Example:

    \b
      iqcadence import csv customers.csv --dry-run
      iqcadence import csv crm.csv --map "Holder=manager" --skip-invalid --errors-out bad.csv
    """
    from iqcadence.core.io.imports.customers import import_customers

    with _opened(ctx, file, encoding, delimiter, errors_out, force) as (source, report):
        options = _options(
            mapping=mapping or [],
            encoding=encoding,
            delimiter=delimiter,
            decimal_comma=decimal_comma,
            date_format=date_format,
            key=key.strip().lower(),
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            errors_out=report,
            detail_limit=1000 if as_json else SHOWN_CHANGES,
        )
        with (
            common.session_as(ctx) as (session, actor),
            _progress(not as_json, "Importing") as progress,
        ):
            summary = import_customers(session, actor, source, options, progress=progress)
            currency = common.currency_of(session, actor)
    data = summary.to_dict()
    if as_json:
        common.print_json(data)
    else:
        _render_customers(data, currency)
    _print_problems(data, as_json)
    raise typer.Exit(_exit_code(data, skip_invalid))


def _exit_code(data: dict[str, Any], skip_invalid: bool) -> int:
    if data["rejected"] and not skip_invalid:
        return 1
    if data["rejected"]:
        return 3
    return 0


def _print_problems(data: dict[str, Any], as_json: bool) -> None:
    if not data["rejected"]:
        return
    err = common.err_console()
    if not as_json:
        from rich.markup import escape

        for problem in data["errors"][:SHOWN_PROBLEMS]:
            err.print(escape(problem["message"]), highlight=False, soft_wrap=True)
        more = data["errors_total"] - min(len(data["errors"]), SHOWN_PROBLEMS)
        if more > 0:
            err.print(
                f"... and {more:,} more problems (--errors-out PATH writes every rejected row)."
            )
    rows = data["rejected"]
    noun = "row was" if rows == 1 else "rows were"
    would = "row" if rows == 1 else "rows"
    if not data["written"] and not data["dry_run"]:
        err.print(
            f"error: {rows:,} {noun} rejected, so nothing was written "
            "(fix them, or pass --skip-invalid to write the good rows).",
            highlight=False,
        )
    elif data["dry_run"]:
        err.print(f"{rows:,} {would} would be rejected.", highlight=False)
    else:
        err.print(f"{rows:,} {noun} rejected; the good rows were written.", highlight=False)


def _mapping_table(columns: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(title="Columns", title_justify="left", box=None, pad_edge=False)
    table.add_column("column")
    table.add_column("field")
    table.add_column("")
    for column in columns:
        table.add_row(
            column["column"] or "(blank)",
            column["field"] or "—",
            column["note"],
            style=None if column["field"] else "dim",
        )
    return table


def _preview_table(rows: list[dict[str, Any]], width: int) -> Any:
    """The first rows as they will be stored (after normalisation), turned
    on their side: a line per field and a column per row, as many rows as
    the terminal has room for (a file has more columns than fit across)."""
    from rich.markup import escape
    from rich.table import Table

    fields = [name for name in rows[0] if name != "line"]
    room = width - max(len(name) for name in fields) - 2
    shown = rows[: max(1, min(len(rows), room // PREVIEW_COLUMN))]
    table = Table(title="First rows", title_justify="left", box=None, pad_edge=False)
    table.add_column("field")
    for row in shown:
        table.add_column(f"line {row['line']}", overflow="fold")
    for name in fields:
        table.add_row(name, *(escape(_stored(row.get(name))) for row in shown))
    return table


def _render_customers(data: dict[str, Any], currency: str) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = common.console()
    if data["dry_run"]:
        out.print(_mapping_table(data["columns"]))
        if data["preview"]:
            out.print(_preview_table(data["preview"], out.width))
    elif data["ignored_columns"]:
        out.print(
            "Ignored columns: " + escape(", ".join(c or "(blank)" for c in data["ignored_columns"]))
        )
    _print_encoding(data)
    verb = "Would import" if data["dry_run"] else ("Imported" if data["written"] else "Checked")
    if not data["written"] and not data["dry_run"]:
        verb = "Nothing written; read"
    out.print(
        f"{verb} {data['rows']:,} rows from {escape(data['file'])} "
        f"({data['encoding']}, {data['delimiter']}): "
        f"[bold]{data['created']:,}[/] created, [bold]{data['updated']:,}[/] updated, "
        f"{data['unchanged']:,} unchanged, {data['rejected']:,} rejected."
    )
    scoring = data["scoring"]
    if scoring and scoring.get("scored"):
        moves = ", ".join(f"{_band_move(k)} {v}" for k, v in scoring["band_moves"].items())
        out.print(
            f"Scored {scoring['scored']:,}: {scoring['changed']:,} changed"
            + (f"; band moves: {moves}" if moves else "")
            + (
                f"; {scoring['lifecycle_changes']} lifecycle changes"
                if scoring["lifecycle_changes"]
                else ""
            )
            + "."
        )
    if data["dry_run"] and data["changes"]:
        table = Table(title="Changes", title_justify="left", box=None, pad_edge=False)
        for name in ("line", "customer", "field", "old", "new"):
            table.add_column(name)
        for change in data["changes"][:SHOWN_CHANGES]:
            first = True
            lines = list(change["fields"].items())
            score, band = change["score"], change["band"]
            if score["from"] != score["to"] or band["from"] != band["to"]:
                lines.append(
                    (
                        "score",
                        {
                            "from": f"{_num(score['from'])} {label('band', band['from'])}",
                            "to": f"{_num(score['to'])} {label('band', band['to'])}",
                        },
                    )
                )
            for field_name, move in lines:
                table.add_row(
                    str(change["line"]) if first else "",
                    escape(change["name"]) if first else "",
                    label("field", field_name),
                    escape(_shown(field_name, move["from"], currency)),
                    escape(_shown(field_name, move["to"], currency)),
                )
                first = False
        out.print(table)
        more = data["changes_total"] - min(len(data["changes"]), SHOWN_CHANGES)
        if more > 0:
            out.print(f"... and {more:,} more updated customers (--json lists up to 1,000).")
    if data["dry_run"]:
        out.print("Dry run: nothing was written.")


def _print_encoding(data: dict[str, Any]) -> None:
    """Which encoding a file that is not UTF-8 was read as, and why."""
    if data.get("encoding_note"):
        from rich.markup import escape

        common.console().print(
            f"Read as {data['encoding']}: {escape(data['encoding_note'])}.", soft_wrap=True
        )


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}"


def _stored(value: Any) -> str:
    """A value as it will be stored (the preview checks the normalisation)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shown(field: str, value: Any, currency: str) -> str:
    """A value as people read it; the score line is already words."""
    if field == "score":
        return str(value)
    return field_value_text(field, value, currency=currency)


def _band_move(move: str) -> str:
    """`healthy->watch` as "Healthy → Watch" ("None" is unscored)."""
    old, _, new = move.partition("->")
    return " → ".join(
        label("band", None if b in ("", "None", "unscored") else b) for b in (old, new)
    )


def history_command(
    ctx: typer.Context,
    file: str = typer.Argument(..., metavar="FILE|-", help=FILE_HELP),
    mapping: Annotated[
        list[str] | None, typer.Option("--map", metavar="COLUMN=FIELD", help=MAP_HELP)
    ] = None,
    encoding: str | None = typer.Option(None, "--encoding", help=ENCODING_HELP),
    delimiter: str | None = typer.Option(None, "--delimiter", help=DELIMITER_HELP),
    decimal_comma: bool = typer.Option(False, "--decimal-comma", help=DECIMAL_HELP),
    date_format: str | None = typer.Option(None, "--date-format", help=DATE_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help=DRY_HELP),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help=SKIP_HELP),
    errors_out: Annotated[
        Path | None, typer.Option("--errors-out", metavar="PATH", help=ERRORS_HELP)
    ] = None,
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Back-fill score history: each row (customer, date, signals) becomes a
    score snapshot on that date, scored with the current weights, so trends
    and momentum exist from day one.

    The customer must already exist (unknown names are errors). Re-importing a
    file replaces the history snapshots it wrote before on the same dates.
    Same detection, normalisation and error rules as `import csv`.

    Example:

    \b
      iqcadence import history signals-2026.csv
      iqcadence import history - --date-format %d/%m/%Y < history.csv
    """
    from iqcadence.core.io.imports.history import import_history

    with _opened(ctx, file, encoding, delimiter, errors_out, force) as (source, report):
        options = _options(
            mapping=mapping or [],
            encoding=encoding,
            delimiter=delimiter,
            decimal_comma=decimal_comma,
            date_format=date_format,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            errors_out=report,
        )
        with (
            common.session_as(ctx) as (session, actor),
            _progress(not as_json, "Importing history") as progress,
        ):
            summary = import_history(session, actor, source, options, progress=progress)
    data = summary.to_dict()
    if as_json:
        common.print_json(data)
    else:
        _render_history(data)
    _print_problems(data, as_json)
    raise typer.Exit(_exit_code(data, skip_invalid))


def _render_history(data: dict[str, Any]) -> None:
    from rich.markup import escape

    out = common.console()
    if data["dry_run"]:
        out.print(_mapping_table(data["columns"]))
    elif data["ignored_columns"]:
        out.print("Ignored columns: " + escape(", ".join(data["ignored_columns"])))
    _print_encoding(data)
    verb = "Would write" if data["dry_run"] else ("Wrote" if data["written"] else "Did not write")
    span = f" from {data['first_date']} to {data['last_date']}" if data["first_date"] else ""
    out.print(
        f"{verb} {data['snapshots']:,} snapshots for {data['customers']:,} customers{span} "
        f"from {escape(data['file'])} ({data['rows']:,} rows, {data['replaced']:,} replaced, "
        f"{data['rejected']:,} rejected)."
    )
    if data["dry_run"]:
        out.print("Dry run: nothing was written.")


def register(app: typer.Typer) -> None:
    group = ensure_registered(app)
    group.command("csv")(csv_command)
    group.command("history")(history_command)
