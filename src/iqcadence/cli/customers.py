"""`customers`: list, show, edit, archive, trash, restore and delete customers."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from iqcadence.cli import common, customer_views, filters

customers_app = typer.Typer(
    help=(
        "List, show and edit customers; archive, trash, restore or delete them.\n\n"
        "Example:\n\n  iqcadence customers list --band at_risk --sort mrr --desc"
    ),
    no_args_is_help=True,
)


@customers_app.command("list")
def list_command(
    ctx: typer.Context,
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
    limit: int | None = typer.Option(
        None,
        "--limit",
        help="At most N customers (0 = all). Default: 50 in the table, all with --json.",
        callback=common.whole_number("--limit", 0),
    ),
    offset: int = typer.Option(
        0,
        "--offset",
        help="Skip the first N customers.",
        callback=common.whole_number("--offset", 0),
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of customers."),
) -> None:
    """List customers, filtered and sorted; archived and trashed ones are hidden
    unless --status asks for them.

    Example:

    \b
      iqcadence customers list --tier enterprise --sort score --limit 20
      iqcadence customers list --search acme --status all --json
    """
    from iqcadence.core.accounts import history, shape
    from iqcadence.core.base import clock
    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.read import customer_counts
    from iqcadence.core.read import customer_pages as queries

    if limit is None:
        limit = 0 if as_json else 50
    if limit < 0:
        raise InvalidValue(f"--limit: must be 0 (all) or more, got {limit}.")
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
    with common.session_as(ctx, write=False) as (session, actor):
        rows = queries.list_customers(
            session,
            actor.client_id,
            chosen,
            sort=sort,
            desc=desc,
            limit=limit or None,
            offset=offset,
        )
        momentum = history.momentum_for(session, rows)
        currency = common.currency_of(session, actor)
        # People get a count line: a short page already tells the total, a
        # full one needs a count. Scripts (--json) do not pay for it.
        total = offset + len(rows)
        if not as_json and ((limit and len(rows) == limit) or (not rows and offset)):
            total = customer_counts.count_customers(session, actor.client_id, chosen)
        today = clock.today()
        items = [
            shape.customer_to_dict(row, today=today, momentum=momentum.get(int(row["id"])))
            for row in rows
        ]
    if as_json:
        common.print_json(items)
        return
    customer_views.render_list(items, total=total, offset=offset, currency=currency)


@customers_app.command("show")
def show_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Customer name (any case)."),
    history_limit: int = typer.Option(
        10,
        "--history",
        help="How many recent score snapshots to include.",
        callback=common.whole_number("--history", 0),
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the customer as one JSON object."),
) -> None:
    """Show every field of a customer, its score breakdown beside the tier
    averages, and its latest score snapshots.

    Example:

    \b
      iqcadence customers show "Acme Corp"
      iqcadence customers show "Acme Corp" --json
    """
    from iqcadence.core.accounts import customers
    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.read import customer360

    if history_limit < 0:
        raise InvalidValue(f"--history: must be 0 or more, got {history_limit}.")
    with common.session_as(ctx, write=False) as (session, actor):
        customer = customers.get_customer(session, actor, name)
        data = customer360.detail(session, actor, customer, history_limit=history_limit)
        currency = common.currency_of(session, actor)
        custom = customer_views.custom_labels(session, actor)
    if as_json:
        common.print_json(data)
        return
    customer_views.render_show(data, currency=currency, custom=custom)


@customers_app.command("edit")
def edit_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Customer name (any case)."),
    assignments: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help="A field and its new value (repeatable); an empty value clears the field.",
        ),
    ] = None,
    as_json: bool = typer.Option(False, "--json", help="Print what changed as JSON."),
) -> None:
    """Change fields of a customer; the score is recomputed and the change audited.

    Fields: name, website, domain, email, phone, industry, notes, tier, lifecycle,
    manager, mrr, arr, renewal_date, customer_since, next_touch, last_contact_date,
    tags, sentiment, scoring_profile, the signals (logins, adoption, tickets, nps,
    csat, days, growth), score (a manual override; empty clears it) and any
    custom field by key or label (`iqcadence fields list`).

    Example:

    \b
      iqcadence customers edit "Acme Corp" --set tier=enterprise
      iqcadence customers edit "Acme Corp" --set renewal_date=2027-03-01
      iqcadence customers edit "Acme Corp" --set plan=gold --set manager=
    """
    from iqcadence.core.accounts import custom_fields
    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.scoring.fields import parse_assignment

    if not assignments:
        raise InvalidValue("--set: give at least one FIELD=VALUE to change.")
    values: dict[str, str] = {}
    for item in assignments or []:
        field_name, value = parse_assignment(item)
        if field_name in values:
            raise InvalidValue(f"--set {field_name}: given more than once.")
        values[field_name] = value
    with common.session_as(ctx) as (session, actor):
        edit = custom_fields.edit_customer(session, actor, name, values)
        customer, outcome = edit.customer, edit.outcome
        changed: dict[str, Any] = {}
        if outcome is not None:
            changed = {
                _shown_field(key): {"from": _plain(old), "to": _plain(new)}
                for key, (old, new) in outcome.changed_fields.items()
                if key not in HIDDEN_CHANGES
            }
        for key, (old, new) in edit.custom_changed.items():
            changed[key] = {"from": old, "to": new}
        data: dict[str, Any] = {
            "name": customer.name,
            "score": customer.score,
            "band": customer.band,
            "score_source": "manual" if customer.score_manual else "computed",
            "changed": changed,
        }
        if outcome is not None and outcome.lifecycle_auto:
            data["lifecycle_changed"] = {
                "from": outcome.lifecycle_auto[0],
                "to": outcome.lifecycle_auto[1],
            }
        currency = common.currency_of(session, actor)
        custom = customer_views.custom_labels(session, actor)
    if as_json:
        common.print_json(data)
        return
    customer_views.render_changes(data["name"], changed, currency=currency, custom=custom)


HIDDEN_CHANGES = ("name_key", "days_as_of", "client_id")


def _shown_field(key: str) -> str:
    return {"days_baseline": "days", "score_manual": "score_source"}.get(key, key)


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _status_command(action: str, verb: str, summary: str, example: str) -> Any:
    def command(
        ctx: typer.Context,
        name: str = typer.Argument(..., help="Customer name (any case)."),
    ) -> None:
        from rich.markup import escape

        from iqcadence.core.accounts import customers

        with common.session_as(ctx) as (session, actor):
            customer = customers.set_status(session, actor, name, action)
            shown = customer.name
        common.console().print(f"{verb} [bold]{escape(shown)}[/].")

    command.__doc__ = f"{summary}\n\nExample:\n\n  {example}"
    command.__name__ = f"{action}_command"
    return command


customers_app.command("archive")(
    _status_command(
        "archive",
        "Archived",
        "Archive an active customer: everything is kept, it leaves default lists.",
        'iqcadence customers archive "Acme Corp"',
    )
)
customers_app.command("unarchive")(
    _status_command(
        "unarchive",
        "Unarchived",
        "Bring an archived customer back to the active list.",
        'iqcadence customers unarchive "Acme Corp"',
    )
)
customers_app.command("trash")(
    _status_command(
        "trash",
        "Moved to trash:",
        "Move a customer to the trash (recoverable with `customers restore`).",
        'iqcadence customers trash "Acme Corp"',
    )
)
customers_app.command("restore")(
    _status_command(
        "restore",
        "Restored",
        "Restore a trashed customer to the active list.",
        'iqcadence customers restore "Acme Corp"',
    )
)


@customers_app.command("delete")
def delete_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Customer name (any case)."),
    yes: bool = typer.Option(False, "--yes", help="Confirm the permanent delete."),
) -> None:
    """Delete a customer for good, with its score history (admins only).

    Trash is the recoverable way; this cannot be undone, so it needs --yes.

    Example:

    \b
      iqcadence customers delete "Acme Corp" --yes
    """
    from rich.markup import escape

    from iqcadence.core.accounts import customers

    if not yes:
        raise common.fail(
            f"deleting {name.strip()!r} is permanent; add --yes to confirm "
            "(or use `iqcadence customers trash` to keep it recoverable).",
            2,
        )
    with common.session_as(ctx) as (session, actor):
        customer = customers.get_customer(session, actor, name)
        shown = customer.name
        customers.delete_customer(session, actor, name)
    common.console().print(
        f"Deleted [bold]{escape(shown)}[/] and every record of it (score history, contacts, "
        "timeline, tasks, playbook runs, custom values, owners, opportunities)."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(customers_app, name="customers")
