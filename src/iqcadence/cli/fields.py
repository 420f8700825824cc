"""`fields`: define custom fields and set their values on customers."""

from __future__ import annotations

from typing import Any

import typer

from iqcadence.cli import common
from iqcadence.core.base import labels

fields_app = typer.Typer(
    help=(
        "Custom fields: typed extra fields on every customer (text, number, date, "
        "boolean, dropdown).\n\nExample:\n\n  iqcadence fields add plan --type dropdown "
        "--options gold,silver,bronze"
    ),
    no_args_is_help=True,
)


@fields_app.command("add")
def add_command(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Field key: lower-case letters, digits, underscores."),
    type_: str = typer.Option("text", "--type", help="text | number | date | boolean | dropdown."),
    options: str | None = typer.Option(
        None, "--options", help="Dropdown choices, comma-separated."
    ),
    label: str | None = typer.Option(None, "--label", help="Display name (default from KEY)."),
    as_json: bool = typer.Option(False, "--json", help="Print the new definition as JSON."),
) -> None:
    """Define a custom field (admin). Values are validated against its type; a
    dropdown accepts only its options.

    Example:

    \b
      iqcadence fields add plan --type dropdown --options gold,silver
      iqcadence fields add acv_target --type number --label "ACV target"
    """
    from iqcadence.core.accounts import custom_fields

    choices = [o for o in (options or "").split(",") if o.strip()]
    with common.session_as(ctx) as (session, actor):
        definition = custom_fields.define_field(
            session, actor, key, type=type_, label=label, options=choices
        )
        data = custom_fields.definition_to_dict(definition)
    if as_json:
        common.print_json(data)
        return
    extra = f" ({', '.join(data['options'])})" if data["options"] else ""
    common.console().print(
        f"Added custom field [bold]{data['key']}[/] “{data['label']}”: "
        f"{labels.label('field_type', data['type']).lower()}{extra}."
    )


@fields_app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of definitions."),
) -> None:
    """List the custom field definitions in display order.

    Example:

    \b
      iqcadence fields list --json
    """
    from iqcadence.core.accounts import custom_fields

    with common.session_as(ctx, write=False) as (session, actor):
        items = [
            custom_fields.definition_to_dict(d)
            for d in custom_fields.list_fields(session, actor.client_id)
        ]
    if as_json:
        common.print_json(items)
        return
    if not items:
        common.console().print("No custom fields yet (`iqcadence fields add KEY --type T`).")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("key", "label", "type", "options"):
        table.add_column(column)
    for item in items:
        table.add_row(
            item["key"],
            escape(item["label"]),
            labels.label("field_type", item["type"]),
            escape(", ".join(item["options"])),
        )
    common.console().print(table)


@fields_app.command("remove")
def remove_command(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Field key or label."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Remove a custom field and every customer's value of it (admin).

    Example:

    \b
      iqcadence fields remove plan --yes
    """
    import sys

    from iqcadence.core.accounts import custom_fields

    with common.session_as(ctx) as (session, actor):
        actor.require_admin("remove custom fields")
        field = custom_fields.get_field(session, actor.client_id, key).key
        if not yes:
            if not (sys.stdin.isatty() and sys.stdout.isatty()):
                raise common.fail(
                    f"removing custom field {field!r} deletes every customer's value of it; "
                    "add --yes to confirm when not running in a terminal.",
                    2,
                )
            if not typer.confirm(f"Remove custom field {field!r} and all its values?"):
                raise common.fail("nothing was removed.", 1)
        count = custom_fields.remove_field(session, actor, field)
    noun = "value" if count == 1 else "values"
    common.console().print(f"Removed custom field {field!r} ({count} {noun}).")


@fields_app.command("set")
def set_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name (any case)."),
    key: str = typer.Argument(..., help="Field key or label."),
    value: str = typer.Argument(..., help="The value; empty clears it."),
    as_json: bool = typer.Option(False, "--json", help="Print the customer's custom fields."),
) -> None:
    """Set one custom field on a customer (validated, audited).

    Example:

    \b
      iqcadence fields set "Acme Corp" plan gold
      iqcadence fields set "Acme Corp" kickoff 2027-01-15
    """
    from iqcadence.core.accounts import custom_fields, customers

    with common.session_as(ctx) as (session, actor):
        target = customers.get_customer(session, actor, customer)
        custom_fields.set_value(session, actor, target, key, value)
        items = custom_fields.display_values(session, target)
        name = target.name
    if as_json:
        common.print_json({"customer": name, "custom_fields": _values(items)})
        return
    _render_values(name, items)


def _values(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {item["key"]: item["value"] for item in items}


def _render_values(name: str, items: list[dict[str, Any]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{escape(name)} — custom fields", title_justify="left", box=None)
    table.add_column("field", style="dim")
    table.add_column("value")
    for item in items:
        table.add_row(escape(item["label"]), escape(item["text"] or "—"))
    common.console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(fields_app, name="fields")
