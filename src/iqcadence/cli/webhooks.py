"""`webhooks`: one URL per event type (the Zapier path)."""

from __future__ import annotations

import typer

from iqcadence.cli import common

webhooks_app = typer.Typer(
    help=(
        "Per-event webhooks: every occurrence of an event type is POSTed as JSON.\n\n"
        "Example:\n\n  iqcadence webhooks set became_at_risk https://hooks.zapier.com/..."
    ),
    no_args_is_help=True,
)


@webhooks_app.command("set")
def set_command(
    ctx: typer.Context,
    event: str = typer.Argument(
        ...,
        help="health_below[:N] | became_at_risk | renewal_approaching[:DAYS] | no_contact[:DAYS] "
        "| nps_detractor | lifecycle_change | rapid_score_drop[:POINTS].",
    ),
    url: str = typer.Argument(..., help="The URL (stored in the keyring)."),
) -> None:
    """Send every occurrence of an event to a URL (replaces an earlier one).

    Payload: {idempotency_key, event: {type, param, reason, at}, rule: null,
    customer: {...}, before: {...}, after: {...}}.

    Example:

      iqcadence webhooks set health_below:40 https://hooks.zapier.com/hooks/catch/1/abc
    """
    from iqcadence.core.alerts import webhooks

    with common.session_as(ctx) as (session, actor):
        hook = webhooks.set_webhook(session, actor, event, url)
        shown = f"{hook.event} → {hook.target}"
        secret = hook.keyring_name
    common.console().print(f"Webhook set: {shown}.")
    common.warn_plaintext_keyring(secret)


@webhooks_app.command("unset")
def unset_command(
    ctx: typer.Context,
    event: str = typer.Argument(..., help="The event type."),
) -> None:
    """Stop sending an event to its webhook.

    Example:

      iqcadence webhooks unset became_at_risk
    """
    from iqcadence.core.alerts import webhooks

    with common.session_as(ctx) as (session, actor):
        webhooks.unset_webhook(session, actor, event)
    common.console().print(f"Webhook for {event} removed.")


@webhooks_app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """List the per-event webhooks (URLs masked).

    JSON: an array of {event, param, target, keyring_entry, env_override, secret_source,
    created_by}.

    Example:

      iqcadence webhooks list
    """
    from iqcadence.core.alerts import webhooks

    with common.session_as(ctx, write=False) as (session, actor):
        items = [
            webhooks.webhook_to_dict(h) for h in webhooks.list_webhooks(session, actor.client_id)
        ]
    if as_json:
        common.print_json(items)
        return
    if not items:
        common.console().print("No webhooks set.")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("event", "param", "target", "secret from"):
        table.add_column(column)
    for item in items:
        param = "—" if item["param"] is None else f"{item['param']:g}"
        table.add_row(item["event"], param, escape(item["target"]), item["secret_source"])
    common.console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks")
