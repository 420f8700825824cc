"""`demo`: build a realistic demo portfolio in its own file and open it."""

from __future__ import annotations

import sys
from typing import Any

import typer

from iqcadence.cli import common


def demo(
    ctx: typer.Context,
    customers: int = typer.Option(
        250,
        "--customers",
        metavar="N",
        help="How many customers (1 to 1,000,000).",
        callback=common.whole_number("--customers", 1, 1_000_000),
    ),
    seed: int = typer.Option(
        7,
        "--seed",
        metavar="S",
        help="Same seed, same portfolio.",
        callback=common.whole_number("--seed", 0),
    ),
    no_tui: bool = typer.Option(False, "--no-tui", help="Print a summary instead of the app."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Build a demo portfolio in its own database file and open it.

    The file is the one --db names, else demo.db in the data directory; it is
    recreated on every run and is never your own database (an existing file
    that is not a demo is refused). Several CSMs, every tier and band,
    renewals over the next year, tags, two scoring profiles and 90 days of
    score history. Opens the app on a terminal; otherwise, or with --no-tui,
    prints what was built and where.

    Example:

      iqcadence demo --customers 500 --seed 3 --no-tui
    """
    from iqcadence.core.demo.portfolio import build_demo, demo_path
    from iqcadence.core.runtime import wiring

    wiring.install()
    opts = common.options(ctx)
    path = demo_path(opts.db_path)
    summary = build_demo(path, customers=customers, seed=seed, acting_user=opts.as_user)
    data = summary.to_dict()
    if not (no_tui or as_json) and sys.stdin.isatty() and sys.stdout.isatty():
        if _open_app(path, opts.as_user):
            return
    if as_json:
        common.print_json(data)
        return
    _print_summary(data)


def _open_app(path: Any, as_user: str | None) -> bool:
    """Open the app on the demo file; False when the app is not available."""
    try:
        from iqcadence.tui.app import make_app
    except ImportError:
        return False
    from iqcadence.core.demo.portfolio import demo_user, welcome
    from iqcadence.core.store.db import open_database, resolve_location

    database = open_database(resolve_location(path), acting_user=as_user)
    try:
        app = make_app(database, as_user=demo_user(as_user))
        app.greeting = welcome(app.actor.name, app.actor.email, app.actor.role)
        app.run()
    finally:
        database.dispose()
    return True


def _print_summary(data: dict[str, Any]) -> None:
    from rich.table import Table

    out = common.console()
    out.print(
        f"Built a demo portfolio of [bold]{data['customers']:,}[/] customers "
        f"(seed {data['seed']}) in {data['seconds']:.1f} s."
    )
    table = Table(box=None, pad_edge=False, show_header=True)
    table.add_column("band")
    table.add_column("customers", justify="right")
    for band, count in data["bands"].items():
        if band == "unscored" and not count:
            continue
        table.add_row(common.band_text(None if band == "unscored" else band), f"{count:,}")
    out.print(table)
    out.print(f"Total MRR (active customers): [bold]{common.fmt_money(data['total_mrr'])}[/]")
    out.print(f"CSMs: {', '.join(data['managers'])}", markup=False)
    out.print(f"Scoring profiles: {', '.join(data['profiles'])}", markup=False)
    out.print(f"Score snapshots: {data['snapshots']:,}")
    out.print(f"File: {data['path']}", markup=False)
    out.print(f"Try: iqcadence --db '{data['path']}' customers list --sort score", markup=False)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
