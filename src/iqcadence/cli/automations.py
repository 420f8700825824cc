"""`automations run` (for cron), `outbox list|retry`, and `next CUSTOMER`."""

from __future__ import annotations

import typer

from iqcadence.cli import common

automations_app = typer.Typer(
    help=(
        "Send due notifications; meant for cron every few minutes.\n\nExample:\n\n"
        "  */5 * * * * iqcadence automations run"
    ),
    no_args_is_help=True,
)
outbox_app = typer.Typer(
    help=(
        "Every notification, written before it is sent.\n\nExample:\n\n"
        "  iqcadence outbox list --status failed"
    ),
    no_args_is_help=True,
)


@automations_app.command("run")
def run_command(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what is due; send nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Look for changes time brought, assemble digests whose time has come,
    send everything due, retry failures with backoff. Safe to run
    concurrently and repeatedly: nothing is ever sent twice.

    Once a day it also brings stored scores in line with the decay of days
    since contact (as every command does when it opens the database; this
    one waits its turn for the database instead of leaving it for later).
    Sending is a write: a viewer may only use --dry-run.

    JSON: {queued, digests, sent, failed, dead, skipped, due: [...],
    errors: [{id, channel, error}], decay_rescored (scores today's decay
    refresh moved, when this run did it; else null)}.

    Example:

      iqcadence automations run --json
    """
    from iqcadence.core.alerts import outbox
    from iqcadence.core.runtime import freshness

    refreshed = None
    if not dry_run:
        opts = common.options(ctx)
        opts.refresh_on_open = False  # done here, waiting like any cron write
        refreshed = freshness.ensure_scores_current(opts.database(), patience=None)
    with common.session_as(ctx) as (session, actor):
        report = outbox.run(session, actor, dry_run=dry_run)
    decay = refreshed.refreshed.get(actor.client_id) if refreshed is not None else None
    data = report.to_dict()
    data["decay_rescored"] = decay.changed if decay is not None else None
    if as_json:
        common.print_json(data)
        return
    out = common.console()
    if dry_run:
        out.print(f"{len(data['due'])} item(s) due now (dry run, nothing sent).")
        for item in data["due"]:
            if "digest" in item:
                out.print(f"  digest {item['digest']}: {item['items']} item(s)")
            else:
                out.print(f"  #{item['id']} {item['channel']}: {item['title']}")
        return
    if decay is not None:
        out.print(
            f"Today's decay refresh rescored {decay.scored:,} customers ({decay.changed:,} moved)."
        )
    out.print(
        f"Queued {data['queued']}, digests {data['digests']}, sent {data['sent']}, "
        f"failed {data['failed']}, dead {data['dead']}."
    )
    from rich.markup import escape

    for error in data["errors"]:
        out.print(f"  #{error['id']} {escape(error['channel'])}: {escape(error['error'])}")


@outbox_app.command("list")
def list_command(
    ctx: typer.Context,
    status: str | None = typer.Option(
        None, "--status", help="pending | sent | failed | dead | held | digested."
    ),
    limit: int = typer.Option(
        100, "--limit", help="How many, newest first.", callback=common.whole_number("--limit", 0)
    ),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """List outbox entries, newest first.

    JSON: an array of {id, status, idempotency_key, rule, channel, kind, event,
    customer, event_at, title, attempts, next_attempt_at, last_error,
    created_at, sent_at, digest_id}.

    Example:

      iqcadence outbox list --status dead
    """
    from iqcadence.core.alerts import outbox

    with common.session_as(ctx, write=False) as (session, actor):
        items = [
            outbox.entry_to_dict(e)
            for e in outbox.list_entries(session, actor.client_id, status=status, limit=limit)
        ]
    if as_json:
        common.print_json(items)
        return
    if not items:
        common.console().print("The outbox is empty.")
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("id", "status", "channel", "title", "tries", "next / sent", "last error"):
        table.add_column(column)
    for item in items:
        table.add_row(
            str(item["id"]),
            item["status"],
            escape(item["channel"]),
            escape(item["title"] or ""),
            str(item["attempts"]),
            item["sent_at"] or item["next_attempt_at"],
            escape(item["last_error"] or ""),
        )
    common.console().print(table)


@outbox_app.command("retry")
def retry_command(
    ctx: typer.Context,
    entry_id: int = typer.Argument(
        ..., metavar="ID", help="Outbox entry id.", callback=common.whole_number("ID", 1)
    ),
) -> None:
    """Revive a failed or dead entry: due now with a fresh set of attempts.

    Example:

      iqcadence outbox retry 42
    """
    from iqcadence.core.alerts import outbox

    with common.session_as(ctx) as (session, actor):
        outbox.retry(session, actor, entry_id)
    common.console().print(f"Entry {entry_id} will be sent by the next `automations run`.")


def next_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Suggest the one next step for a customer, with its reason and data.

    JSON: {customer, rule, action, reason, due, data}.

    Example:

      iqcadence next "Acme Corp"
    """
    from iqcadence.core.accounts.customers import get_customer
    from iqcadence.core.alerts import next_action

    with common.session_as(ctx, write=False) as (session, actor):
        found = get_customer(session, actor, customer)
        suggestion = next_action.suggest(session, found)
        data = suggestion.to_dict()
    if as_json:
        common.print_json(data)
        return
    from rich.markup import escape

    out = common.console()
    out.print(f"[bold]{escape(data['action'])}[/]")
    out.print(f"Why: {escape(data['reason'])}")


def register(app: typer.Typer) -> None:
    app.add_typer(automations_app, name="automations")
    app.add_typer(outbox_app, name="outbox")
    app.command("next")(next_command)
