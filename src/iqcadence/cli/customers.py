"""`customers`: list, show, edit, archive, trash, restore and delete customers."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from iqcadence.cli import common, filters

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
        # People get a count line: a short page already tells the total, a
        # full one needs a count. Scripts (--json) do not pay for it.
        total = offset + len(rows)
        if not as_json and ((limit and len(rows) == limit) or (not rows and offset)):
            total = queries.count_customers(session, actor.client_id, chosen)
        today = clock.today()
        items = [
            shape.customer_to_dict(row, today=today, momentum=momentum.get(int(row["id"])))
            for row in rows
        ]
    if as_json:
        common.print_json(items)
        return
    render_list(items, total=total, offset=offset)


def momentum_text(value: float | None) -> str:
    if value is None:
        return "[dim]·[/]"
    if value > 0:
        return f"[green]▲ {value:+.1f}[/]"
    if value < 0:
        return f"[red]▼ {value:+.1f}[/]"
    return "[dim]▶ 0.0[/]"


def score_text(score: float | None, band: str | None, manual: bool = False) -> str:
    if score is None:
        return "[dim]—[/]"
    style = common.BAND_STYLES.get(band or "", "")
    mark = "*" if manual else ""
    return f"[{style}]{score:.1f}{mark}[/]" if style else f"{score:.1f}{mark}"


def render_list(items: list[dict[str, Any]], *, total: int, offset: int) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = common.console()
    if not items:
        out.print(
            "No customers match." if total == 0 else f"No customers past {offset} ({total} in all)."
        )
        return
    headers = ("name", "score", "band", "MRR", "tier", "manager", "renewal", "7d", "lifecycle")
    rows = [
        [
            escape(item["name"]),
            score_text(item["score"], item["band"], item["score_source"] == "manual"),
            common.band_text(item["band"]),
            common.fmt_money(item["mrr"]),
            item["tier"] or "—",
            escape(item["manager"] or "—"),
            item["renewal_date"] or "—",
            momentum_text(item["momentum"]),
            item["lifecycle"],
        ]
        for item in items
    ]
    widths = fit_widths(headers, rows, out.width)
    table = Table(box=None, pad_edge=False, header_style="bold")
    for index, header in enumerate(headers[: len(widths)]):
        table.add_column(
            header,
            justify="right" if header in ("score", "MRR", "7d") else "left",
            width=widths[index],
            no_wrap=True,
            overflow="ellipsis",
        )
    for row in rows:
        table.add_row(*row[: len(widths)])
    out.print(table)
    first, last = offset + 1, offset + len(items)
    noun = "customer" if total == 1 else "customers"
    if first == 1 and last == total:
        out.print(f"{total} {noun}.")
    else:
        out.print(f"Showing {first}–{last} of {total} {noun}.")
    if any(item["score_source"] == "manual" for item in items):
        out.print("[dim]* manual override[/]")


def fit_widths(headers: tuple[str, ...], rows: list[list[str]], width: int) -> list[int]:
    """Column widths that fit `width`: every value but the name (first column)
    and the manager (sixth) stays whole; those two shrink with an ellipsis, and
    the last column (lifecycle) gives way first when even that is too little."""
    from rich.text import Text

    natural = [
        max([len(header)] + [Text.from_markup(row[i]).cell_len for row in rows])
        for i, header in enumerate(headers)
    ]
    gap = 2
    if sum(natural) + gap * (len(natural) - 1) <= width:
        return natural
    widths = natural[:-1]
    fixed = sum(w for i, w in enumerate(widths) if i not in (0, 5))
    room = width - fixed - gap * (len(widths) - 1)
    manager = min(widths[5], max(7, room // 3))
    widths[5] = manager
    widths[0] = max(8, min(widths[0], room - manager))
    return widths


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
    data = customer_detail(ctx, name, history_limit)
    if as_json:
        common.print_json(data)
        return
    render_show(data)


def customer_detail(ctx: typer.Context, name: str, history_limit: int = 10) -> dict[str, Any]:
    from iqcadence.core.accounts import customers
    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.read import customer360

    if history_limit < 0:
        raise InvalidValue(f"--history: must be 0 or more, got {history_limit}.")
    with common.session_as(ctx, write=False) as (session, actor):
        customer = customers.get_customer(session, actor, name)
        return customer360.detail(session, actor, customer, history_limit=history_limit)


SHOW_FIELDS = (
    ("tier", "tier"),
    ("lifecycle", "lifecycle"),
    ("status", "status"),
    ("manager", "manager"),
    ("mrr", "MRR"),
    ("arr", "ARR"),
    ("renewal_date", "renewal"),
    ("days_to_renewal", "days to renewal"),
    ("tags", "tags"),
    ("sentiment", "sentiment"),
    ("scoring_profile", "scoring profile"),
    ("website", "website"),
    ("domain", "domain"),
    ("email", "email"),
    ("phone", "phone"),
    ("industry", "industry"),
    ("customer_since", "customer since"),
    ("next_touch", "next touch"),
    ("last_contact_date", "last contact"),
    ("notes", "notes"),
    ("scored_at", "scored at"),
    ("updated_at", "updated at"),
)


def render_show(data: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from iqcadence.cli.scoring_cmds import breakdown_table

    out = common.console()
    manual = " (manual override)" if data["score_source"] == "manual" else ""
    out.print(
        f"[bold]{escape(data['name'])}[/]  score {score_text(data['score'], data['band'])} "
        f"{common.band_text(data['band'])}{manual}  7d {momentum_text(data['momentum'])}"
    )
    fields = Table(box=None, pad_edge=False, show_header=False)
    fields.add_column("field", style="dim")
    fields.add_column("value")
    for key, label in SHOW_FIELDS:
        value = data.get(key)
        if key in ("mrr", "arr"):
            text = common.fmt_money(value)
        elif key == "tags":
            text = ", ".join(value) if value else "—"
        else:
            text = "—" if value is None or value == "" else str(value)
        fields.add_row(label, escape(text))
    for key, value in data.get("custom_fields", {}).items():
        fields.add_row(key, escape("—" if value is None else str(value)))
    if data.get("owners"):
        who = ", ".join(f"{o['email']} ({o['role']})" for o in data["owners"])
        fields.add_row("owners", escape(who))
    pipeline = data.get("open_pipeline") or {}
    if pipeline.get("open_count"):
        fields.add_row(
            "open pipeline",
            f"{pipeline['open_count']} open, {common.fmt_money(pipeline['open_amount'])}",
        )
    out.print(fields)
    out.print(breakdown_table(data["breakdown"]))
    if data["history"]:
        table = Table(title="Recent scores", title_justify="left", box=None, pad_edge=False)
        for column in ("taken at", "score", "band", "source"):
            table.add_column(column, justify="right" if column == "score" else "left")
        for snap in data["history"]:
            table.add_row(
                snap["taken_at"].replace("T", " "),
                score_text(snap["score"], snap["band"]),
                common.band_text(snap["band"]),
                snap["source"],
            )
        out.print(table)
    else:
        out.print("[dim]No score snapshots yet.[/]")


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
    if as_json:
        common.print_json(data)
        return
    from rich.markup import escape

    out = common.console()
    if not changed:
        out.print(f"Nothing changed for [bold]{escape(data['name'])}[/].")
        return
    out.print(f"Updated [bold]{escape(data['name'])}[/]:")
    for key, pair in changed.items():
        out.print(f"  {key}: {escape(_fmt(pair['from']))} → {escape(_fmt(pair['to']))}")


HIDDEN_CHANGES = ("name_key", "days_as_of", "client_id")


def _shown_field(key: str) -> str:
    return {"days_baseline": "days", "score_manual": "score_source"}.get(key, key)


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "manual" if value else "computed"
    if isinstance(value, str) and "|" in value:
        return ", ".join(value.split("|"))
    return str(value)


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
