"""`opportunities`: deals per customer and their open pipeline."""

from __future__ import annotations

from typing import Any

import typer

from iqcadence.cli import common
from iqcadence.core.base.labels import label

STAGES_HELP = "discovery | proposal | negotiation | committed | won | lost."

opportunities_app = typer.Typer(
    help=(
        "Opportunities: deals with a customer (amount, expected close, stage).\n\n"
        "Example:\n\n  iqcadence opportunities add 'Acme Corp' 'Seat expansion' --amount 12000"
    ),
    no_args_is_help=True,
)


@opportunities_app.command("add")
def add_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name (any case)."),
    name: str = typer.Argument(..., help="What the deal is."),
    amount: str = typer.Option(..., "--amount", help="Deal value (same currency as MRR)."),
    close: str | None = typer.Option(None, "--close", help="Expected close, YYYY-MM-DD."),
    stage: str = typer.Option("discovery", "--stage", help=STAGES_HELP),
    notes: str | None = typer.Option(None, "--notes", help="Free text."),
    as_json: bool = typer.Option(False, "--json", help="Print the opportunity as JSON."),
) -> None:
    """Add an opportunity to a customer.

    Example:

    \b
      iqcadence opportunities add "Acme Corp" Seats --amount 12000
      iqcadence opportunities add Acme Renewal --amount 9000 --close 2027-02-01
    """
    from iqcadence.core.accounts import customers, opportunities

    with common.session_as(ctx) as (session, actor):
        opp = opportunities.add_opportunity(
            session,
            actor,
            customer,
            name,
            amount=amount,
            expected_close=close,
            stage=stage,
            notes=notes,
        )
        data = opportunities.opportunity_to_dict(
            opp, customers.customer_by_id(session, actor, opp.customer_id)
        )
        currency = common.currency_of(session, actor)
    if as_json:
        common.print_json(data)
        return
    common.console().print(
        f"Added opportunity #{data['id']} “{data['name']}” for {data['customer']}: "
        f"{common.fmt_money(data['amount'], currency)}, {label('stage', data['stage'])}."
    )


@opportunities_app.command("list")
def list_command(
    ctx: typer.Context,
    customer: str | None = typer.Argument(None, help="Only this customer's opportunities."),
    open_only: bool = typer.Option(False, "--open", help="Only open ones (not won or lost)."),
    stage: str | None = typer.Option(None, "--stage", help=STAGES_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List opportunities, soonest expected close first, with the open total.

    Example:

    \b
      iqcadence opportunities list "Acme Corp"
      iqcadence opportunities list --open --json
    """
    from iqcadence.core.accounts import opportunities

    with common.session_as(ctx, write=False) as (session, actor):
        rows = opportunities.list_opportunities(
            session, actor, customer=customer, open_only=open_only, stage=stage
        )
        data = [opportunities.opportunity_to_dict(o, c) for o, c in rows]
        currency = common.currency_of(session, actor)
    if as_json:
        common.print_json(data)
        return
    _render(data, currency)


@opportunities_app.command("edit")
def edit_command(
    ctx: typer.Context,
    opportunity_id: int = typer.Argument(
        ..., metavar="ID", help="Opportunity number.", callback=common.whole_number("ID", 1)
    ),
    name: str | None = typer.Option(None, "--name", help="New name."),
    amount: str | None = typer.Option(None, "--amount", help="New amount."),
    close: str | None = typer.Option(None, "--close", help="Expected close, YYYY-MM-DD."),
    stage: str | None = typer.Option(None, "--stage", help=STAGES_HELP),
    notes: str | None = typer.Option(None, "--notes", help="Free text ('' clears)."),
    as_json: bool = typer.Option(False, "--json", help="Print the opportunity as JSON."),
) -> None:
    """Change an opportunity; an open stage reopens a closed one.

    Example:

    \b
      iqcadence opportunities edit 3 --stage negotiation --amount 15000
    """
    from iqcadence.core.accounts import customers, opportunities

    values: dict[str, Any] = {
        key: value
        for key, value in (
            ("name", name),
            ("amount", amount),
            ("expected_close", close),
            ("stage", stage),
            ("notes", notes),
        )
        if value is not None
    }
    if not values:
        raise common.fail(
            "nothing to change: give --name, --amount, --close, --stage or --notes.", 2
        )
    with common.session_as(ctx) as (session, actor):
        opp = opportunities.edit_opportunity(session, actor, opportunity_id, values)
        data = opportunities.opportunity_to_dict(
            opp, customers.customer_by_id(session, actor, opp.customer_id)
        )
        currency = common.currency_of(session, actor)
    _done(data, as_json, "Updated", currency)


@opportunities_app.command("close")
def close_command(
    ctx: typer.Context,
    opportunity_id: int = typer.Argument(
        ..., metavar="ID", help="Opportunity number.", callback=common.whole_number("ID", 1)
    ),
    won: bool = typer.Option(False, "--won", help="The deal was won."),
    lost: bool = typer.Option(False, "--lost", help="The deal was lost."),
    as_json: bool = typer.Option(False, "--json", help="Print the opportunity as JSON."),
) -> None:
    """Close an open opportunity as won or lost.

    Example:

    \b
      iqcadence opportunities close 3 --won
    """
    from iqcadence.core.accounts import customers, opportunities

    if won == lost:
        raise common.fail("give exactly one of --won or --lost.", 2)
    with common.session_as(ctx) as (session, actor):
        opp = opportunities.close_opportunity(session, actor, opportunity_id, won=won)
        data = opportunities.opportunity_to_dict(
            opp, customers.customer_by_id(session, actor, opp.customer_id)
        )
        currency = common.currency_of(session, actor)
    _done(data, as_json, "Closed", currency)


def _done(data: dict[str, Any], as_json: bool, verb: str, currency: str) -> None:
    if as_json:
        common.print_json(data)
        return
    common.console().print(
        f"{verb} opportunity #{data['id']} “{data['name']}” ({data['customer']}): "
        f"{common.fmt_money(data['amount'], currency)}, {label('stage', data['stage'])}."
    )


def _render(data: list[dict[str, Any]], currency: str) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = common.console()
    if not data:
        out.print("No opportunities.")
        return
    table = Table(box=None, pad_edge=False)
    for column, justify in (
        ("id", "right"),
        ("customer", "left"),
        ("name", "left"),
        ("amount", "right"),
        ("close", "left"),
        ("stage", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for item in data:
        stage = label("stage", item["stage"])
        table.add_row(
            str(item["id"]),
            escape(item["customer"] or ""),
            escape(item["name"]),
            common.fmt_money(item["amount"], currency),
            item["expected_close"] or "—",
            stage if item["open"] else f"[dim]{stage}[/]",
        )
    out.print(table)
    open_items = [i for i in data if i["open"]]
    total = sum(i["amount"] for i in open_items)
    out.print(f"{len(open_items)} open, {common.fmt_money(total, currency)} in the pipeline.")


def register(app: typer.Typer) -> None:
    app.add_typer(opportunities_app, name="opportunities")
