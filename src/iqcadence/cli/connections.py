"""`connections`: saved channels for notifications (Slack, Teams, email,
generic webhook). URLs go to the keyring and are only ever shown masked."""

from __future__ import annotations

import typer

from iqcadence.cli import common

connections_app = typer.Typer(
    help=(
        "Saved notification channels; rules send to them by name.\n\nExample:\n\n"
        "  iqcadence connections add cs-alerts --slack https://hooks.slack.com/services/..."
    ),
    no_args_is_help=True,
)


@connections_app.command("add")
def add_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A name for the channel, e.g. cs-alerts."),
    slack: str | None = typer.Option(
        None, "--slack", metavar="URL", help="Slack incoming webhook."
    ),
    teams: str | None = typer.Option(None, "--teams", metavar="URL", help="Teams webhook."),
    email: str | None = typer.Option(
        None, "--email", metavar="ADDR[,ADDR]", help="E-mail recipients (uses the SMTP settings)."
    ),
    webhook: str | None = typer.Option(
        None, "--webhook", metavar="URL", help="Generic JSON webhook (e.g. Zapier)."
    ),
) -> None:
    """Save a channel. Give exactly one of --slack, --teams, --email, --webhook.

    The URL is stored in the OS keyring (or read from
    IQCADENCE_SECRET_CONNECTION_<NAME>), never in the database.

    Example:

      iqcadence connections add ops-mail --email ops@example.com,cs@example.com
    """
    from iqcadence.core.alerts import connections

    given = [
        (k, v)
        for k, v in (("slack", slack), ("teams", teams), ("email", email), ("webhook", webhook))
        if v is not None
    ]
    if len(given) != 1:
        raise common.fail("give exactly one of --slack, --teams, --email or --webhook.", 2)
    kind, target = given[0]
    with common.session_as(ctx) as (session, actor):
        saved = connections.add_connection(session, actor, name, kind=kind, target=target)
        shown = f"{saved.name} ({saved.kind}, {saved.target})"
        secret = saved.keyring_name
    common.console().print(f"Saved connection {shown}.")
    common.warn_plaintext_keyring(secret)


@connections_app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """List saved channels (URLs masked).

    JSON: an array of {name, kind, target, keyring_entry, env_override, secret_source,
    created_by, created_at}.

    Example:

      iqcadence connections list --json
    """
    from iqcadence.core.alerts import connections

    with common.session_as(ctx, write=False) as (session, actor):
        items = [
            connections.connection_to_dict(c)
            for c in connections.list_connections(session, actor.client_id)
        ]
    if as_json:
        common.print_json(items)
        return
    from rich.markup import escape
    from rich.table import Table

    if not items:
        common.console().print("No connections yet.")
        return
    table = Table(box=None, pad_edge=False)
    for column in ("name", "kind", "target", "secret from"):
        table.add_column(column)
    for item in items:
        table.add_row(
            escape(item["name"]),
            item["kind"],
            escape(item["target"]),
            item["secret_source"] or "—",
        )
    common.console().print(table)


@connections_app.command("test")
def test_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The connection to test."),
) -> None:
    """Send a test message to a channel now.

    Example:

      iqcadence connections test cs-alerts
    """
    from iqcadence.core.alerts import connections

    with common.session_as(ctx) as (session, actor):
        target = connections.test_connection(session, actor, name)
    common.console().print(f"Sent a test message to {name} ({target}).")


@connections_app.command("remove")
def remove_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The connection to remove."),
) -> None:
    """Remove a channel and its stored URL (refused while a rule uses it).

    Example:

      iqcadence connections remove cs-alerts
    """
    from iqcadence.core.alerts import connections

    with common.session_as(ctx) as (session, actor):
        connections.remove_connection(session, actor, name)
    common.console().print(f"Removed connection {name}.")


def register(app: typer.Typer) -> None:
    app.add_typer(connections_app, name="connections")
