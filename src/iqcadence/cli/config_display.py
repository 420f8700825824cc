"""`config currency`: the symbol every amount is shown with, in the app,
the CLI and the reports (`$` until an admin sets another)."""

from __future__ import annotations

import typer

from iqcadence.cli import common

currency_app = typer.Typer(
    help="The currency symbol amounts are shown with ($ until set).\n\nExample:\n\n"
    "  iqcadence config currency set €",
    no_args_is_help=True,
)


@currency_app.command("show")
def currency_show(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help='Print {"currency": SYMBOL}.'),
) -> None:
    """Show the currency symbol amounts are shown with.

    Example:

    \b
      iqcadence config currency show
    """
    with common.session_as(ctx, write=False) as (session, actor):
        symbol = common.currency_of(session, actor)
    if as_json:
        common.print_json({"currency": symbol})
        return
    common.console().print(
        f"Amounts are shown in {symbol}, e.g. {common.fmt_money(3500, symbol)}.", markup=False
    )


@currency_app.command("set")
def currency_set(
    ctx: typer.Context,
    symbol: str = typer.Argument(..., help="A symbol or code of up to 4 characters: $, €, CHF."),
) -> None:
    """Choose the currency symbol for every amount (admins only). It is a
    setting of the client, so backups carry it; stored amounts do not change.

    Example:

    \b
      iqcadence config currency set €
      iqcadence config currency set CHF
    """
    from iqcadence.core.store import display

    with common.session_as(ctx) as (session, actor):
        chosen = display.set_currency(session, actor, symbol).currency
    common.console().print(
        f"Amounts are now shown in {chosen}, e.g. {common.fmt_money(3500, chosen)}.",
        markup=False,
    )


def register(config_app: typer.Typer) -> None:
    config_app.add_typer(currency_app, name="currency")
