"""`log` and `timeline`: write to and read a customer's unified timeline."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from iqcadence.cli import common
from iqcadence.core.base.labels import humanize, label

KIND_STYLES = {
    "email": "cyan",
    "meeting": "magenta",
    "call": "green",
    "message": "blue",
    "note": "white",
    "task": "bright_green",
    "ticket": "yellow",
    "product_event": "dim",
    "health_change": "bold",
}


def log_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name."),
    kind: str = typer.Option(
        ...,
        "--kind",
        help="email | meeting | call | message | note | ticket | product_event.",
    ),
    title: str = typer.Option(
        ..., "--title", help="What happened (for product events: the event name)."
    ),
    body: str | None = typer.Option(None, "--body", help="Details, free text."),
    contact: str | None = typer.Option(
        None, "--contact", help="The contact involved (name or e-mail)."
    ),
    at: str | None = typer.Option(
        None, "--at", help="When: YYYY-MM-DD or YYYY-MM-DDTHH:MM (default: now, UTC)."
    ),
    status: str | None = typer.Option(
        None, "--status", help="Tickets: open (default) | pending | solved."
    ),
    priority: str | None = typer.Option(
        None, "--priority", help="Tickets: low | normal (default) | high | urgent."
    ),
    source: str | None = typer.Option(
        None, "--source", help="Where the event comes from (e.g. zendesk)."
    ),
    external_id: str | None = typer.Option(
        None, "--external-id", help="Its id there; logging it again never duplicates it."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the event as JSON."),
) -> None:
    """Log an event on a customer's timeline.

    An email, meeting, call or message (dated today or earlier) resets the
    days-since-contact signal and rescores the customer. Open and pending
    tickets keep the tickets signal in step unless another source set it.

    Example:

      iqcadence log "Acme Corp" --kind call --title "Renewal check-in" --contact "Ana Ruiz"
      iqcadence log "Acme Corp" --kind ticket --title "SSO broken" --priority high
        --source zendesk --external-id 4711
    """
    from iqcadence.core.accounts import customers, timeline

    with common.session_as(ctx) as (session, actor):
        result = timeline.log_event(
            session,
            actor,
            customer,
            kind=kind,
            title=title,
            body=body,
            contact=contact,
            at=at,
            status=status,
            priority=priority,
            source=source,
            external_id=external_id,
        )
        (data,) = timeline.event_dicts(session, [result.event])
        data["created"] = result.created
        data["updated"] = result.updated
        data["contact_reset"] = result.contact_reset
        data["tickets"] = result.tickets
        owner = customers.customer_by_id(session, actor, result.event.customer_id)
        data["customer"] = owner.name
        data["score"] = owner.score
        data["band"] = owner.band
    if as_json:
        common.print_json(data)
        return
    out = common.console()
    if not result.created:
        verb = "Updated" if result.updated else "Already logged"
        out.print(
            f"{verb}: {kind_label(data['kind']).lower()} {_e(event_title(data))} "
            f"(event {data['id']})."
        )
        return
    out.print(
        f"Logged {kind_label(data['kind']).lower()} [bold]{_e(event_title(data))}[/] on "
        f"{_e(data['customer'])} "
        f"at {data['at'][:16].replace('T', ' ')}."
    )
    if result.contact_reset:
        out.print(
            f"Days since contact reset; score now {common.fmt_score(data['score'])} "
            f"{common.band_text(data['band'])}."
        )
    if result.tickets is not None:
        out.print(f"Open tickets now {result.tickets}.")


def timeline_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name."),
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="Only this kind (repeatable)."),
    ] = None,
    contact: str | None = typer.Option(
        None, "--contact", help="Only events with this contact (name or e-mail)."
    ),
    since: str | None = typer.Option(
        None, "--since", help="7d | 30d | 90d | YYYY-MM-DD (inclusive)."
    ),
    until: str | None = typer.Option(None, "--until", help="YYYY-MM-DD (inclusive)."),
    author: str | None = typer.Option(None, "--author", help="Only events logged by EMAIL."),
    limit: int = typer.Option(
        50,
        "--limit",
        help="At most N events (0 = all).",
        callback=common.whole_number("--limit", 0),
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array of events."),
) -> None:
    """Show a customer's timeline, newest first.

    Example:

      iqcadence timeline "Acme Corp" --since 30d --kind email --kind meeting
      iqcadence timeline "Acme Corp" --contact "Ana Ruiz" --json
    """
    from iqcadence.core.accounts import timeline
    from iqcadence.core.base.errors import InvalidValue

    if limit < 0:
        raise InvalidValue(f"--limit: must be 0 (all) or more, got {limit}.")
    with common.session_as(ctx, write=False) as (session, actor):
        found = timeline.list_events(
            session,
            actor,
            customer,
            kinds=kind,
            contact=contact,
            since=since,
            until=until,
            author=author,
            limit=limit or None,
        )
        rows = timeline.event_dicts(session, found)
    if as_json:
        common.print_json(rows)
        return
    render_timeline(rows)


def render_timeline(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    out = common.console()
    if not rows:
        out.print("No events match.")
        return
    wide = out.width >= 100
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("when", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("title", ratio=3, min_width=20)
    table.add_column("contact", no_wrap=True, overflow="ellipsis", ratio=1, max_width=18)
    if wide:  # the author matters less than the title on a narrow terminal
        table.add_column("by", no_wrap=True, overflow="ellipsis", max_width=24)
    table.add_column("status", no_wrap=True)
    for row in rows:
        style = KIND_STYLES.get(row["kind"], "")
        status = event_status(row)
        title = _e(event_title(row))
        if row["body"]:
            title += f"\n[dim]{_e(_short(row['body']))}[/]"
        table.add_row(
            row["at"][:16].replace("T", " "),
            f"[{style}]{kind_label(row['kind'])}[/]" if style else kind_label(row["kind"]),
            title,
            _e(row["contact"] or ""),
            *([_e(row["author"] or "")] if wide else []),
            status,
        )
    out.print(table)


def kind_label(kind: str) -> str:
    return label("event_kind", kind)


def event_title(row: dict[str, Any]) -> str:
    """The title as people read it: a product event's name in words."""
    if row["kind"] == "product_event":
        return label("product_event", row["title"])
    return str(row["title"])


def event_status(row: dict[str, Any]) -> str:
    """A ticket's status and priority (or a task's status) in words."""
    if row["kind"] == "ticket":
        parts = [
            label("ticket_status", row["status"]) if row["status"] else "",
            label("ticket_priority", row["priority"]) if row["priority"] else "",
        ]
    else:
        parts = [humanize(str(row["status"])) if row["status"] else "", row["priority"] or ""]
    return " ".join(part for part in parts if part)


def _short(text: str, width: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _e(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def register(app: typer.Typer) -> None:
    app.command("log")(log_command)
    app.command("timeline")(timeline_command)
