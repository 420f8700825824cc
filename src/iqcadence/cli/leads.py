"""`leads`: prospects being qualified, and promotion to customers."""

from __future__ import annotations

from typing import Any

import typer

from iqcadence.cli import common
from iqcadence.core.base.labels import label

STATUS_HELP = "new | contacted | qualified | disqualified."

leads_app = typer.Typer(
    help=(
        "Leads: prospects you are still qualifying; a qualified one is promoted to a "
        "customer.\n\nExample:\n\n  iqcadence leads add 'Hooli' --website hooli.com"
    ),
    no_args_is_help=True,
)


@leads_app.command("add")
def add_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Company name."),
    website: str | None = typer.Option(None, "--website", help="https://…"),
    email: str | None = typer.Option(None, "--email", help="Main e-mail."),
    phone: str | None = typer.Option(None, "--phone", help="Main phone."),
    industry: str | None = typer.Option(None, "--industry", help="Free text."),
    notes: str | None = typer.Option(None, "--notes", help="Free text."),
    status: str = typer.Option("new", "--status", help=STATUS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the lead as JSON."),
) -> None:
    """Add a lead.

    Example:

    \b
      iqcadence leads add "Hooli" --website https://hooli.com --industry Software
    """
    from iqcadence.core.accounts import leads

    with common.session_as(ctx) as (session, actor):
        lead = leads.add_lead(
            session,
            actor,
            name,
            website=website,
            email=email,
            phone=phone,
            industry=industry,
            notes=notes,
            status=status,
        )
        data = leads.lead_to_dict(session, lead)
    _done(data, as_json, "Added")


@leads_app.command("list")
def list_command(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help=STATUS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List leads, newest first.

    Example:

    \b
      iqcadence leads list --status qualified
    """
    from iqcadence.core.accounts import leads

    with common.session_as(ctx, write=False) as (session, actor):
        data = [
            leads.lead_to_dict(session, lead)
            for lead in leads.list_leads(session, actor, status=status)
        ]
    if as_json:
        common.print_json(data)
        return
    _render(data)


@leads_app.command("edit")
def edit_command(
    ctx: typer.Context,
    lead_ref: str = typer.Argument(..., metavar="LEAD", help="Lead number or name."),
    name: str | None = typer.Option(None, "--name", help="New name."),
    website: str | None = typer.Option(None, "--website", help="'' clears."),
    email: str | None = typer.Option(None, "--email", help="'' clears."),
    phone: str | None = typer.Option(None, "--phone", help="'' clears."),
    industry: str | None = typer.Option(None, "--industry", help="'' clears."),
    notes: str | None = typer.Option(None, "--notes", help="'' clears."),
    status: str | None = typer.Option(None, "--status", help=STATUS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the lead as JSON."),
) -> None:
    """Change a lead's fields or status.

    Example:

    \b
      iqcadence leads edit 4 --status qualified
      iqcadence leads edit "Zeta Inc" --status contacted --notes "Met at SaaStr"
    """
    from iqcadence.core.accounts import leads

    values: dict[str, Any] = {
        key: value
        for key, value in (
            ("name", name),
            ("website", website),
            ("email", email),
            ("phone", phone),
            ("industry", industry),
            ("notes", notes),
            ("status", status),
        )
        if value is not None
    }
    if not values:
        raise common.fail("nothing to change: give at least one option (see --help).", 2)
    with common.session_as(ctx) as (session, actor):
        lead_id = leads.find_lead_id(session, actor, lead_ref)
        data = leads.lead_to_dict(session, leads.edit_lead(session, actor, lead_id, values))
    _done(data, as_json, "Updated")


@leads_app.command("promote")
def promote_command(
    ctx: typer.Context,
    lead_ref: str = typer.Argument(..., metavar="LEAD", help="Lead number or name."),
    as_json: bool = typer.Option(False, "--json", help="Print the new customer as JSON."),
) -> None:
    """Turn a qualified lead into a customer; its data stays on the customer's
    timeline as a note.

    Example:

    \b
      iqcadence leads promote 4
      iqcadence leads promote "Zeta Inc"
    """
    from iqcadence.core.accounts import leads, shape

    with common.session_as(ctx) as (session, actor):
        lead_id = leads.find_lead_id(session, actor, lead_ref)
        customer = leads.promote_lead(session, actor, lead_id)
        data = shape.customer_to_dict(customer)
    if as_json:
        common.print_json(data)
        return
    common.console().print(
        f"Promoted lead #{lead_id} to customer [bold]{data['name']}[/] "
        f'(`iqcadence customers show "{data["name"]}"`).'
    )


def _done(data: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        common.print_json(data)
        return
    common.console().print(
        f"{verb} lead #{data['id']} {data['name']} ({label('lead_status', data['status'])})."
    )


def _render(data: list[dict[str, Any]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = common.console()
    if not data:
        out.print("No leads.")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "name", "status", "website", "email", "industry", "promoted to"):
        table.add_column(column)
    for item in data:
        table.add_row(
            str(item["id"]),
            escape(item["name"]),
            label("lead_status", item["status"]),
            escape(item["website"] or "—"),
            escape(item["email"] or "—"),
            escape(item["industry"] or "—"),
            escape(item["promoted_to"] or "—"),
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(leads_app, name="leads")
