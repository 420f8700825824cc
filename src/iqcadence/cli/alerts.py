"""`alerts`: what needs attention now (derived from the data), snooze /
dismiss / wake, MRR exposure; and `config alerts` for the thresholds."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from iqcadence.cli import common
from iqcadence.core.base.labels import label

alerts_app = typer.Typer(
    help=(
        "Alerts derived from the data: health, tickets, engagement, renewal, quiet, momentum, "
        "sentiment, expansion.\n\nExample:\n\n  iqcadence alerts list --severity critical"
    ),
    no_args_is_help=True,
)
alerts_config_app = typer.Typer(
    help=(
        "Alert thresholds and delivery settings.\n\nExample:\n\n"
        "  iqcadence config alerts set quiet_after=30 tickets_warning=3"
    ),
    no_args_is_help=True,
)


@alerts_app.command("list")
def list_command(
    ctx: typer.Context,
    severity: str | None = typer.Option(
        None, "--severity", help="critical | warning | attention | opportunity."
    ),
    category: str | None = typer.Option(
        None,
        "--category",
        help="health | tickets | engagement | renewal | quiet | momentum | sentiment | expansion.",
    ),
    manager: str | None = typer.Option(None, "--manager", help="Only this CSM's customers."),
    customer: str | None = typer.Option(None, "--customer", help="Only this customer."),
    group_by: str | None = typer.Option(None, "--group-by", help="category | severity | customer."),
    include_snoozed: bool = typer.Option(
        False, "--include-snoozed", help="Also show snoozed and dismissed alerts."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the alerts as a JSON array."),
) -> None:
    """List current alerts, most severe first (then by MRR).

    JSON: an array of {customer, customer_id, manager, category, severity,
    reason, mrr, snoozed_until, dismissed, data}.

    Example:

      iqcadence alerts list --manager Sarah --group-by category
    """
    from iqcadence.core.accounts.customers import get_customer
    from iqcadence.core.alerts import current_reads, derive

    cat = derive.check_category(category) if category else None
    sev = derive.check_severity(severity) if severity else None
    if group_by is not None and group_by not in ("category", "severity", "customer"):
        raise common.fail(
            f"--group-by: {group_by!r} is not one of category, severity, customer.", 2
        )
    with common.session_as(ctx, write=False) as (session, actor):
        currency = common.currency_of(session, actor)
        ids = None
        if customer:
            found = get_customer(session, actor, customer)
            assert found.id is not None
            ids = [found.id]
        alerts = current_reads.list_alerts(
            session,
            actor.client_id,
            customer_ids=ids,
            manager=manager,
            category=cat,
            severity=sev,
            include_snoozed=include_snoozed,
            include_dismissed=include_snoozed,
        )
    if as_json:
        common.print_json([a.to_dict() for a in alerts])
        return
    out = common.console()
    if not alerts:
        out.print("No alerts right now.")
        return
    groups = derive.group_alerts(alerts, group_by) if group_by else {"": alerts}
    for key, items in groups.items():
        title = _group_title(group_by, key)
        out.print(
            _table(items, title=f"{title} ({len(items)})" if title else None, currency=currency)
        )


def _group_title(group_by: str | None, key: str) -> str:
    from rich.markup import escape

    if group_by in ("category", "severity"):
        return label(group_by, key)  # type: ignore[arg-type]  # both are label kinds
    return escape(key)


def _table(items: list[Any], *, title: str | None, currency: str) -> Any:
    from rich.markup import escape
    from rich.table import Table

    from iqcadence.core.read.alert_words import short_reason

    wide = common.console().width >= 120
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    # Short columns never wrap; the customer shortens and the reason takes
    # the rest of the line (the state column only when there is room).
    table.add_column("severity", no_wrap=True)
    table.add_column("category", no_wrap=True)
    # The minimum widths fit 80 columns: wider, rich crops the reason's lines
    # ("Critical with a score / 18.3." lost its "of").
    table.add_column("customer", no_wrap=True, overflow="ellipsis", max_width=20)
    table.add_column("MRR", justify="right", no_wrap=True)
    table.add_column("reason", ratio=1, min_width=18)
    if wide:
        table.add_column("state", no_wrap=True)
    for alert in items:
        state = ""
        if alert.dismissed:
            state = "dismissed"
        elif alert.snoozed_until is not None:
            state = f"snoozed until {alert.snoozed_until:%Y-%m-%d %H:%M}"
        table.add_row(
            f"[{common.severity_style(alert.severity)}]{label('severity', alert.severity)}[/]",
            label("category", alert.category),
            escape(alert.customer),
            common.fmt_money(alert.mrr, currency),
            escape(short_reason(alert.reason, alert.customer))
            + (f" [dim]({state})[/]" if state and not wide else ""),
            *([state] if wide else []),
        )
    return table


@alerts_app.command("snooze")
def snooze_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name."),
    category: str = typer.Argument(..., help="Alert category, e.g. renewal."),
    for_period: str | None = typer.Option(None, "--for", help="1d | 7d | 30d."),
    until: str | None = typer.Option(None, "--until", help="Snooze until this date (YYYY-MM-DD)."),
) -> None:
    """Hide one alert of a customer for a while (audited).

    Example:

      iqcadence alerts snooze "Acme Corp" renewal --for 7d
    """
    from iqcadence.core.alerts import state

    with common.session_as(ctx) as (session, actor):
        row = state.snooze(session, actor, customer, category, for_period=for_period, until=until)
        assert row.snoozed_until is not None
        shown = row.snoozed_until.strftime("%Y-%m-%d %H:%M")
    common.console().print(
        f"Snoozed the {label('category', row.category)} alert of {customer} until {shown} UTC."
    )


@alerts_app.command("dismiss")
def dismiss_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name."),
    category: str = typer.Argument(..., help="Alert category, e.g. tickets."),
) -> None:
    """Hide a firing alert until its condition clears (it shows again if it
    fires after that).

    Example:

      iqcadence alerts dismiss "Acme Corp" tickets
    """
    from iqcadence.core.alerts import state

    with common.session_as(ctx) as (session, actor):
        row = state.dismiss(session, actor, customer, category)
    common.console().print(f"Dismissed the {label('category', row.category)} alert of {customer}.")


@alerts_app.command("wake")
def wake_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name."),
    category: str = typer.Argument(..., help="Alert category."),
) -> None:
    """Bring back a snoozed or dismissed alert now.

    Example:

      iqcadence alerts wake "Acme Corp" renewal
    """
    from iqcadence.core.alerts import state
    from iqcadence.core.alerts.derive import check_category

    with common.session_as(ctx) as (session, actor):
        state.wake(session, actor, customer, category)
    woken = label("category", check_category(category))
    common.console().print(f"Woke the {woken} alert of {customer}.")


@alerts_app.command("exposure")
def exposure_command(
    ctx: typer.Context,
    manager: str | None = typer.Option(None, "--manager", help="Only this CSM's customers."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """MRR of customers with a critical or warning alert, in total and by category.

    Snoozed and dismissed alerts still count. JSON: {total_mrr, customers,
    by_category: {CATEGORY: {mrr, customers}}}.

    Example:

      iqcadence alerts exposure --json
    """
    from iqcadence.core.alerts.current_reads import exposure

    with common.session_as(ctx, write=False) as (session, actor):
        data = exposure(session, actor.client_id, manager=manager)
        currency = common.currency_of(session, actor)
    if as_json:
        common.print_json(data)
        return
    from rich.table import Table

    out = common.console()
    out.print(
        f"MRR exposure: [bold]{common.fmt_money(data['total_mrr'], currency)}[/] "
        f"across {data['customers']} customer(s)."
    )
    table = Table(box=None, pad_edge=False)
    table.add_column("category")
    table.add_column("MRR", justify="right")
    table.add_column("customers", justify="right")
    for category, item in data["by_category"].items():
        table.add_row(
            label("category", category),
            common.fmt_money(item["mrr"], currency),
            str(item["customers"]),
        )
    if data["by_category"]:
        out.print(table)


@alerts_config_app.command("show")
def config_show(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Show the alert thresholds and delivery settings.

    Example:

      iqcadence config alerts show
    """
    from iqcadence.core.alerts.config import ALERT_KEYS, SCORING_KEYS, load_alert_config

    with common.session_as(ctx, write=False) as (session, actor):
        data = load_alert_config(session, actor.client_id).to_dict()
    if as_json:
        common.print_json(data)
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("key", "value", "meaning"):
        table.add_column(column)
    helps = {**SCORING_KEYS, **{k: v[4] for k, v in ALERT_KEYS.items()}}
    for key, value in data.items():
        table.add_row(key, str(value), helps.get(key, ""))
    common.console().print(table)


@alerts_config_app.command("set")
def config_set(
    ctx: typer.Context,
    assignments: Annotated[list[str], typer.Argument(help="KEY=VALUE pairs.")],
) -> None:
    """Change alert thresholds (admins only); all values are checked first.

    Keys: quiet_after, momentum_points, renewal_critical, renewal_warning,
    renewal_upcoming, expansion_pct, cadence_enterprise|mid|smb (DUE/OVERDUE),
    tickets_warning, tickets_critical, engagement_drop_pct, adoption_low,
    renewal_critical_below, delivery_timeout, delivery_max_attempts,
    delivery_backoff, delivery_claim_timeout.

    Example:

      iqcadence config alerts set quiet_after=30 momentum_points=10 tickets_warning=3
    """
    from iqcadence.core.alerts.config import set_alert_config
    from iqcadence.core.base.errors import InvalidValue

    pairs: dict[str, str] = {}
    for item in assignments:
        if "=" not in item:
            raise InvalidValue(f"{item!r}: expected KEY=VALUE.")
        key, value = item.split("=", 1)
        pairs[key.strip().lower()] = value.strip()
    with common.session_as(ctx) as (session, actor):
        set_alert_config(session, actor, pairs)
    common.console().print(f"Saved {', '.join(f'{k}={v}' for k, v in pairs.items())}.")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
    try:
        from iqcadence.cli.config import config_app
    except ImportError:  # the config commands are not there: offer ours at the top
        app.add_typer(alerts_config_app, name="alerts-config")
        return
    config_app.add_typer(alerts_config_app, name="alerts")
