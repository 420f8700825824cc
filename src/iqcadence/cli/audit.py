"""`audit`: who changed what, when, newest first."""

from __future__ import annotations

from typing import Any

import typer

from iqcadence.cli import common


def audit_command(
    ctx: typer.Context,
    customer: str | None = typer.Option(None, "--customer", help="Only this customer's entries."),
    action: str | None = typer.Option(
        None,
        "--action",
        help="An action (customer.edit) or a prefix of one (customer, config, user).",
    ),
    limit: int = typer.Option(
        50,
        "--limit",
        help="At most N entries, newest first.",
        callback=common.whole_number("--limit", 1),
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the entries as JSON."),
) -> None:
    """Show the audit log: every change to data or configuration, newest first.

    Example:

    \b
      iqcadence audit --customer "Acme Corp" --limit 20
      iqcadence audit --action config --json
    """
    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.store import audit

    if limit <= 0:
        raise InvalidValue(f"--limit: must be at least 1, got {limit}.")
    with common.session_as(ctx, write=False) as (session, actor):
        items = [
            audit.entry_to_dict(entry)
            for entry in audit.list_entries(
                session, actor, customer=customer, action=action, limit=limit
            )
        ]
    if as_json:
        common.print_json(items)
        return
    render_entries(items, empty="No audit entries match.")


def summarise(details: dict[str, Any]) -> str:
    """One short line for an entry's details."""
    if not details:
        return ""
    if isinstance(details.get("changes"), dict):
        parts = []
        for key, pair in details["changes"].items():
            if key in ("client_id", "name_key", "days_as_of", "band", "score_manual"):
                continue
            if isinstance(pair, dict) and pair.get("to") in (None, "") and not pair.get("from"):
                continue
            if isinstance(pair, dict):
                parts.append(f"{key} {_short(pair.get('from'))} → {_short(pair.get('to'))}")
        return ", ".join(parts)
    if "from" in details and "to" in details:
        return f"{_short(details['from'])} → {_short(details['to'])}"
    if "after" in details and isinstance(details.get("after"), dict):
        before = details.get("before")
        if before is None and details.get("key") == "scoring":
            from iqcadence.core.scoring.formula import ScoringConfig

            before = ScoringConfig().to_dict()  # the first save replaces the defaults
        moved = _diff(before or {}, details["after"])
        label = details.get("key") or details.get("profile") or ""
        return ", ".join(moved[:6]) + (" …" if len(moved) > 6 else "") or f"{label} unchanged"
    return ", ".join(f"{k}={_short(v)}" for k, v in details.items())


def _diff(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[str]:
    """`key old→new` for every leaf that differs between two settings blocks."""
    moved = []
    for key in list(after) + [k for k in before if k not in after]:
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            moved += _diff(old, new, f"{prefix}{key}.")
        elif old != new:
            moved.append(f"{prefix}{key} {_short(old)} → {_short(new)}")
    return moved


def _short(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict | list):
        text = ",".join(str(v) for v in value) if isinstance(value, list) else "{…}"
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def render_entries(items: list[dict[str, Any]], *, empty: str) -> None:
    from rich.markup import escape
    from rich.padding import Padding
    from rich.table import Table

    out = common.console()
    if not items:
        out.print(empty)
        return
    if out.width < 120:
        # Narrow terminals: one heading line per entry and its details
        # wrapped below it, so long details never squeeze the columns.
        for item in items:
            out.print(
                f"[bold]{item['at'].replace('T', ' ')[:16]}[/]  {escape(item['user'])}  "
                f"{item['action']}  {escape(item['customer'] or '—')}"
            )
            details = summarise(item["details"] or {})
            if details:
                out.print(Padding(escape(details), (0, 0, 0, 2)))
        return
    table = Table(box=None, pad_edge=False)
    for column in ("when", "user", "action", "customer"):
        table.add_column(column, no_wrap=True)
    table.add_column("details")
    for item in items:
        table.add_row(
            item["at"].replace("T", " ")[:16],
            escape(item["user"]),
            item["action"],
            escape(item["customer"] or "—"),
            escape(summarise(item["details"] or {})),
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_command)
