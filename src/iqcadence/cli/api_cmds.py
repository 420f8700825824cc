"""`api log` and `api limits`: what the REST API was asked, and how often a
key may ask."""

from __future__ import annotations

import typer

from iqcadence.cli import common

api_app = typer.Typer(
    help=(
        "The REST API's call log and request limits (`iqcadence serve` runs it).\n\n"
        "Example:\n\n  iqcadence api log --key zapier --limit 20"
    ),
    no_args_is_help=True,
)


@api_app.command("log")
def log_command(
    ctx: typer.Context,
    limit: int = typer.Option(
        50,
        "--limit",
        help="At most N calls (newest first).",
        callback=common.whole_number("--limit", 1),
    ),
    key: str | None = typer.Option(None, "--key", metavar="NAME", help="Only this key's calls."),
    as_json: bool = typer.Option(False, "--json", help="Print the calls as JSON."),
) -> None:
    """Show API calls: time, key, action or route, status, duration and
    customer. Admins also see calls made without a valid key.

    JSON: an array of {at, key, method, action, status, duration_ms,
    customer_id, customer}.

    Example:

    \b
      iqcadence api log --limit 20 --json
    """
    from iqcadence.core.store import api_log

    with common.session_as(ctx) as (session, actor):
        calls = [
            api_log.call_to_dict(c)
            for c in api_log.list_calls(session, actor, limit=limit, key=key)
        ]
    if as_json:
        common.print_json(calls)
        return
    if not calls:
        common.console().print("No API calls yet.")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("at", "key", "action", "status", "ms", "customer"):
        table.add_column(column, justify="right" if column in ("status", "ms") else "left")
    for call in calls:
        table.add_row(
            call["at"].replace("T", " ")[:19],
            escape(call["key"] or "(no valid key)"),
            escape(call["action"]),
            str(call["status"]),
            f"{call['duration_ms']:.1f}",
            escape(call["customer"] or ""),
        )
    common.console().print(table)


@api_app.command("limits")
def limits_command(
    ctx: typer.Context,
    rate: float | None = typer.Option(
        None, "--rate", help="Requests a second each key may send, on average."
    ),
    burst: int | None = typer.Option(
        None,
        "--burst",
        help="Requests a key may send at once.",
        callback=common.whole_number("--burst", 1, 1_000_000),
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the limits as JSON."),
) -> None:
    """Show, or set (admins), the requests each API key of this client may
    send; beyond them a request gets 429 and a Retry-After.

    Example:

    \b
      iqcadence api limits --rate 20 --burst 40
    """
    from iqcadence.core.store import api_keys

    with common.session_as(ctx) as (session, actor):
        if rate is None and burst is None:
            limits = api_keys.load_limits(session, actor.client_id)
        else:
            limits = api_keys.save_limits(session, actor, rate=rate, burst=burst)
    if as_json:
        common.print_json(limits.to_dict())
        return
    common.console().print(
        f"Each key: {limits.rate_per_second:g} requests a second, bursts of {limits.burst}.",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(api_app, name="api")
