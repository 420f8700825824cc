"""`rules`: who gets told what, where and when — alert rules (event types)
and custom rules (conditions that become true)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from iqcadence.cli import common

rules_app = typer.Typer(
    help=(
        "Notification rules. Each rule is independent: changing one never touches another.\n\n"
        "Example:\n\n  iqcadence rules add risk --event health_below:50 --event became_at_risk "
        "--channel cs-alerts"
    ),
    no_args_is_help=True,
)
custom_app = typer.Typer(
    help=(
        "Custom rules: OR of AND condition groups; they fire when the condition becomes true.\n\n"
        'Example:\n\n  iqcadence rules custom add ent-risk --when "score < 40 and tier = '
        'enterprise" --channel cs-alerts'
    ),
    no_args_is_help=True,
)
rules_app.add_typer(custom_app, name="custom")

EVENT_HELP = (
    "Event type with optional parameter: health_below[:50], became_at_risk, "
    "renewal_approaching[:30], no_contact[:14], nps_detractor, lifecycle_change, "
    "rapid_score_drop[:15]. Repeat for several."
)
SCHEDULE_HELP = "realtime (default) | daily@HH:MM | weekly@mon-HH:MM (UTC)."
SCOPE_HELP = "all (default) | manager:NAME[,NAME...]."


@rules_app.command("add")
def add_command(
    ctx: typer.Context,
    event: Annotated[list[str], typer.Option("--event", help=EVENT_HELP)],
    channel: Annotated[list[str], typer.Option("--channel", help="Saved connection (repeatable).")],
    name: str = typer.Argument(..., help="Rule name."),
    schedule: str = typer.Option("realtime", "--schedule", help=SCHEDULE_HELP),
    scope: str = typer.Option("all", "--scope", help=SCOPE_HELP),
) -> None:
    """Add an alert rule over one or more event types.

    Example:

      iqcadence rules add renewals --event renewal_approaching:45 --channel cs-mail
        --schedule daily@09:00 --scope manager:Sarah
    """
    from iqcadence.core.alerts import rules

    with common.session_as(ctx) as (session, actor):
        rule = rules.add_rule(
            session, actor, name, events=event, channels=channel, schedule=schedule, scope=scope
        )
        shown = f"{rule.name}: {rules.describe_rule(rule)} → {', '.join(rule.channels)}"
    common.console().print(f"Added rule {shown}.")


@custom_app.command("add")
def custom_add_command(
    ctx: typer.Context,
    channel: Annotated[list[str], typer.Option("--channel", help="Saved connection (repeatable).")],
    name: str = typer.Argument(..., help="Rule name."),
    when: str = typer.Option(
        ..., "--when", help='Condition, e.g. "score < 40 and tier = enterprise".'
    ),
    or_: Annotated[
        list[str] | None, typer.Option("--or", help="Another condition group (repeatable).")
    ] = None,
    schedule: str = typer.Option("realtime", "--schedule", help=SCHEDULE_HELP),
    scope: str = typer.Option("all", "--scope", help=SCOPE_HELP),
) -> None:
    """Add a custom rule: it fires when any of its condition groups becomes true.

    Fields: score, band, tier, lifecycle, status, logins, adoption, tickets, nps,
    csat, days, growth, mrr, arr, momentum, cadence_status, renewal_within, tags,
    manager, sentiment, name. Operators: = != < <= > >= contains in.

    Example:

      iqcadence rules custom add ent-risk --when "score < 40 and tier = enterprise"
        --or "renewal_within <= 30 and band <= at_risk" --channel cs-alerts
    """
    from iqcadence.core.alerts import rules

    with common.session_as(ctx) as (session, actor):
        rule = rules.add_custom_rule(
            session,
            actor,
            name,
            conditions=[when, *(or_ or [])],
            channels=channel,
            schedule=schedule,
            scope=scope,
        )
        shown = f"{rule.name}: {rules.describe_rule(rule)} → {', '.join(rule.channels)}"
    common.console().print(f"Added custom rule {shown}.")


@rules_app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """List rules.

    JSON: an array of {id, name, kind, events: [{type, param, label}],
    conditions, scope, channels, schedule, enabled, created_by, created_at,
    updated_at}.

    Example:

      iqcadence rules list
    """
    from iqcadence.core.alerts import rules

    with common.session_as(ctx, write=False) as (session, actor):
        found = rules.list_rules(session, actor.client_id)
        items = [rules.rule_to_dict(r) for r in found]
        described = [rules.describe_rule(r) for r in found]
    if as_json:
        common.print_json(items)
        return
    if not items:
        common.console().print("No rules yet.")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("name", "kind", "when", "channels", "schedule", "scope", "on"):
        table.add_column(column)
    for item, text in zip(items, described, strict=True):
        table.add_row(
            escape(item["name"]),
            item["kind"],
            escape(text),
            escape(", ".join(item["channels"])),
            item["schedule"],
            escape(item["scope"]),
            "yes" if item["enabled"] else "no",
        )
    common.console().print(table)


@rules_app.command("show")
def show_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Rule name."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Show one rule.

    Example:

      iqcadence rules show risk --json
    """
    from iqcadence.core.alerts import rules

    with common.session_as(ctx, write=False) as (session, actor):
        rule = rules.get_rule(session, actor.client_id, name)
        data: dict[str, Any] = rules.rule_to_dict(rule)
        text = rules.describe_rule(rule)
    if as_json:
        common.print_json(data)
        return
    from rich.markup import escape

    out = common.console()
    out.print(
        f"[bold]{escape(data['name'])}[/] ({data['kind']}, {'on' if data['enabled'] else 'off'})"
    )
    out.print(f"  when:     {escape(text)}")
    out.print(f"  channels: {escape(', '.join(data['channels']))}")
    out.print(f"  schedule: {data['schedule']}")
    out.print(f"  scope:    {escape(data['scope'])}")
    out.print(f"  created:  {data['created_at']} by {escape(data['created_by'])}")


def _switch(ctx: typer.Context, name: str, enabled: bool) -> None:
    from iqcadence.core.alerts import rules

    with common.session_as(ctx) as (session, actor):
        rule = rules.set_enabled(session, actor, name, enabled)
        shown = rule.name
    common.console().print(f"Rule {shown} is {'on' if enabled else 'off'}.")


@rules_app.command("enable")
def enable_command(ctx: typer.Context, name: str = typer.Argument(..., help="Rule name.")) -> None:
    """Switch a rule on.

    Example:

      iqcadence rules enable risk
    """
    _switch(ctx, name, True)


@rules_app.command("disable")
def disable_command(ctx: typer.Context, name: str = typer.Argument(..., help="Rule name.")) -> None:
    """Switch a rule off without deleting it.

    Example:

      iqcadence rules disable risk
    """
    _switch(ctx, name, False)


@rules_app.command("edit")
def edit_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Rule name."),
    new_name: str | None = typer.Option(None, "--name", help="Rename the rule."),
    event: Annotated[
        list[str] | None, typer.Option("--event", help="Replace the events. " + EVENT_HELP)
    ] = None,
    when: str | None = typer.Option(None, "--when", help="Replace the conditions (custom rules)."),
    or_: Annotated[
        list[str] | None, typer.Option("--or", help="Further condition groups, with --when.")
    ] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", help="Replace the channels.")
    ] = None,
    schedule: str | None = typer.Option(None, "--schedule", help=SCHEDULE_HELP),
    scope: str | None = typer.Option(None, "--scope", help=SCOPE_HELP),
) -> None:
    """Change a rule; only the options given change.

    Example:

      iqcadence rules edit risk --event health_below:40 --schedule weekly@mon-08:30
    """
    from iqcadence.core.alerts import rules

    if or_ and when is None:
        raise common.fail("--or needs --when (the conditions are replaced together).", 2)
    with common.session_as(ctx) as (session, actor):
        rule = rules.edit_rule(
            session,
            actor,
            name,
            new_name=new_name,
            events=event or None,
            conditions=[when, *(or_ or [])] if when is not None else None,
            channels=channel or None,
            schedule=schedule,
            scope=scope,
        )
        shown = f"{rule.name}: {rules.describe_rule(rule)}"
    common.console().print(f"Updated rule {shown}.")


@rules_app.command("remove")
def remove_command(ctx: typer.Context, name: str = typer.Argument(..., help="Rule name.")) -> None:
    """Delete a rule (other rules are not affected).

    Example:

      iqcadence rules remove risk
    """
    from iqcadence.core.alerts import rules

    with common.session_as(ctx) as (session, actor):
        rules.remove_rule(session, actor, name)
    common.console().print(f"Removed rule {name}.")


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
