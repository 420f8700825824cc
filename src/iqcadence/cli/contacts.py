"""`contacts`: the people at a customer, with last contact and health from the timeline."""

from __future__ import annotations

from typing import Any

import typer

from iqcadence.cli import common
from iqcadence.core.base.labels import label

contacts_app = typer.Typer(
    help=(
        "Add, list, edit and remove the people at a customer.\n\n"
        "Example:\n\n  iqcadence contacts add 'Acme Corp' 'Ana Ruiz' --role champion "
        "--email ana@acme.com"
    ),
    no_args_is_help=True,
)

ROLE_HELP = "champion | stakeholder | billing | technical."


@contacts_app.command("add")
def add_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name."),
    name: str = typer.Argument(..., help="The contact's full name (unique at this customer)."),
    role: str | None = typer.Option(None, "--role", help=ROLE_HELP),
    email: str | None = typer.Option(None, "--email", help="E-mail (unique at this customer)."),
    phone: str | None = typer.Option(None, "--phone", help="Phone number."),
    as_json: bool = typer.Option(False, "--json", help="Print the contact as JSON."),
) -> None:
    """Add a contact to a customer.

    Example:

      iqcadence contacts add "Acme Corp" "Ana Ruiz" --role champion --email ana@acme.com
    """
    from iqcadence.core.accounts import contacts

    with common.session_as(ctx) as (session, actor):
        contact = contacts.add_contact(
            session, actor, customer, name, role=role, email=email, phone=phone
        )
        data = contacts.contact_to_dict(contact)
    if as_json:
        common.print_json(data)
        return
    common.console().print(f"Added contact [bold]{_e(data['name'])}[/] to {_e(customer)}.")


@contacts_app.command("list")
def list_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of contacts."),
) -> None:
    """List a customer's contacts with their last contact and health.

    Last contact is the newest email, meeting, call or message linked to the
    contact; health weighs how recent that was (70 %) and how many there were
    in the last 90 days (30 %), banded like customer scores.

    Example:

      iqcadence contacts list "Acme Corp" --json
    """
    from iqcadence.core.accounts import contacts

    with common.session_as(ctx, write=False) as (session, actor):
        rows = contacts.contact_rows(session, actor, customer)
    if as_json:
        common.print_json(rows)
        return
    render_contacts(rows)


def render_contacts(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    out = common.console()
    if not rows:
        out.print("No contacts yet.")
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("name", "role", "email", "phone", "last contact", "90d", "health"):
        table.add_column(column, justify="right" if column == "90d" else "left")
    for row in rows:
        last = row["last_contact"][:10] if row["last_contact"] else "—"
        if row["days_since_contact"] is not None:
            last += f" ({row['days_since_contact']}d)"
        health = (
            f"{common.band_text(row['health'])} {row['health_score']:.1f}"
            if row["health"]
            else "[dim]no contact yet[/]"
        )
        table.add_row(
            _e(row["name"]),
            label("contact_role", row["role"]),
            _e(row["email"] or "—"),
            _e(row["phone"] or "—"),
            last,
            str(row["events_90d"]),
            health,
        )
    out.print(table)


@contacts_app.command("edit")
def edit_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name."),
    name: str = typer.Argument(..., help="The contact's current name (or e-mail)."),
    new_name: str | None = typer.Option(None, "--name", help="A new name."),
    role: str | None = typer.Option(None, "--role", help=ROLE_HELP + " Empty clears it."),
    email: str | None = typer.Option(None, "--email", help="New e-mail; empty clears it."),
    phone: str | None = typer.Option(None, "--phone", help="New phone; empty clears it."),
    as_json: bool = typer.Option(False, "--json", help="Print the contact as JSON."),
) -> None:
    """Change a contact's name, role, e-mail or phone; options left out stay.

    Example:

      iqcadence contacts edit "Acme Corp" "Ana Ruiz" --role stakeholder --phone "+1 555 0100"
    """
    from iqcadence.core.accounts import contacts

    changes: dict[str, Any] = {}
    for key, value in (("role", role), ("email", email), ("phone", phone)):
        if value is not None:
            changes[key] = value
    with common.session_as(ctx) as (session, actor):
        contact = contacts.edit_contact(
            session, actor, customer, name, new_name=new_name, **changes
        )
        data = contacts.contact_to_dict(contact)
    if as_json:
        common.print_json(data)
        return
    common.console().print(f"Updated contact [bold]{_e(data['name'])}[/].")


@contacts_app.command("remove")
def remove_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name."),
    name: str = typer.Argument(..., help="The contact's name (or e-mail)."),
) -> None:
    """Remove a contact; its timeline events stay, no longer linked to anyone.

    Example:

      iqcadence contacts remove "Acme Corp" "Ana Ruiz"
    """
    from iqcadence.core.accounts import contacts

    with common.session_as(ctx) as (session, actor):
        contacts.remove_contact(session, actor, customer, name)
    common.console().print(f"Removed contact {_e(name)} from {_e(customer)}.")


def _e(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def register(app: typer.Typer) -> None:
    app.add_typer(contacts_app, name="contacts")
