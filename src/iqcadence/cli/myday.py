"""`myday` and `brief`: today's work for the acting user, and meeting prep."""

from __future__ import annotations

from typing import Any

import typer

from iqcadence.cli import common
from iqcadence.core.base.labels import label


def myday_command(
    ctx: typer.Context,
    everyone: bool = typer.Option(
        False, "--all", help="The whole portfolio, not only my accounts."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print My day as JSON."),
) -> None:
    """My day for the acting user (global --as EMAIL): my tasks overdue and due
    today, renewals inside the renewal windows, accounts past their contact
    cadence, the biggest score drops this week, and portfolio KPIs. My
    accounts are those I own or co-own, or whose manager is my name or e-mail.

    Example:

    \b
      iqcadence --as ana@example.com myday
      iqcadence myday --json
    """
    from iqcadence.core.read import my_day as myday

    with common.session_as(ctx, write=False) as (session, actor):
        day = myday.build(session, actor, everyone=everyone)
    data = day.to_dict()
    if as_json:
        common.print_json(data)
        return
    render_myday(data, currency=day.currency)


def render_myday(data: dict[str, Any], *, currency: str) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = common.console()
    scope = "the whole portfolio" if data["scope"] == "everyone" else "my accounts"
    out.print(f"[bold]My day[/] — {escape(data['user'])}, {data['date']} ({scope})")
    kpis = data["kpis"]
    bands = ", ".join(
        f"{common.band_text(None if band == 'unscored' else band)} {n}"
        for band, n in kpis["by_band"].items()
        if n
    )
    out.print(
        f"{kpis['accounts']} account{'' if kpis['accounts'] == 1 else 's'} ({bands or 'none'}); "
        f"MRR {common.fmt_money(kpis['total_mrr'], currency)}, "
        f"at risk {common.fmt_money(kpis['revenue_at_risk'], currency)}, expansion "
        f"{common.fmt_money(kpis['expansion_opportunity'], currency)} "
        f"({kpis['expansion_pct']:g}%)."
    )
    if data["scope"] == "mine" and not data["accounts"]:
        out.print("[dim]You own no accounts yet; `myday --all` shows the whole portfolio.[/]")

    def section(
        title: str, columns: list[str], rows: list[list[str]], right: tuple[str, ...] = ()
    ) -> None:
        if not rows:
            out.print(f"\n[bold]{title}[/]: none.")
            return
        table = Table(title=title, title_justify="left", box=None, pad_edge=False)
        for column in columns:
            table.add_column(column, justify="right" if column in right else "left")
        for row in rows:
            table.add_row(*row)
        out.print()
        out.print(table)

    tasks = [("overdue", t) for t in data["tasks"]["overdue"]] + [
        ("today", t) for t in data["tasks"]["due_today"]
    ]
    section(
        "My tasks",
        ["id", "due", "customer", "task"],
        [
            [str(t["id"]), f"{t['due']} ({when})", escape(t["customer"] or ""), escape(t["title"])]
            for when, t in tasks
        ],
    )
    section(
        "Renewals",
        ["customer", "renewal", "days", "window", "MRR", "band"],
        [
            [
                escape(r["customer"]),
                r["renewal_date"],
                str(r["days"]),
                r.get("window_label") or label("renewal_window", r["window"]),
                common.fmt_money(r["mrr"], currency),
                common.band_text(r["band"]),
            ]
            for r in data["renewals"]
        ],
        right=("days", "MRR"),
    )
    section(
        "Past contact cadence",
        ["customer", "tier", "days since contact", "status"],
        [
            [
                escape(c["customer"]),
                label("tier", c["tier"]) if c["tier"] else "—",
                str(c["days_since_contact"]),
                label("cadence", c["status"]),
            ]
            for c in data["cadence"]
        ],
        right=("days since contact",),
    )
    section(
        "Biggest score drops (7 days)",
        ["customer", "score", "change"],
        [
            [escape(d["customer"]), common.fmt_score(d["score"]), f"{d['momentum']:+.1f}"]
            for d in data["score_drops"]
        ],
        right=("score", "change"),
    )
    if data["alerts"]:
        section(
            "My alerts",
            ["severity", "customer", "reason"],
            [
                [
                    label("severity", a.get("severity")),
                    escape(str(a.get("customer", ""))),
                    escape(str(a.get("reason", ""))),
                ]
                for a in data["alerts"]
            ],
        )


def brief_command(
    ctx: typer.Context,
    customer: str = typer.Argument(..., help="Customer name (any case)."),
    as_json: bool = typer.Option(False, "--json", help="Print the brief as JSON."),
) -> None:
    """Meeting prep for a customer: health and renewal, the last 3 e-mails, the
    last meeting and ticket, active playbooks, open tasks, and questions to
    ask — each with the fact behind it.

    Example:

    \b
      iqcadence brief "Acme Corp"
    """
    from iqcadence.core.read import brief

    with common.session_as(ctx, write=False) as (session, actor):
        data = brief.build_brief(session, actor, customer)
    if as_json:
        common.print_json(data)
        return
    from rich.markup import escape

    out = common.console()
    out.print(escape(wrap_text(data["text"], out.width)), soft_wrap=True)


def wrap_text(text: str, width: int) -> str:
    """Wrap each line of a plain-text document to `width`, words whole; list
    items (`- `, `* `) and indented lines keep their indent on continuation."""
    import re
    import textwrap

    wrapped: list[str] = []
    for line in text.splitlines():
        if len(line) <= width:
            wrapped.append(line)
            continue
        lead = re.match(r"\s*(?:[-*•] )?", line)
        hang = " " * (lead.end() if lead else 0)
        wrapped.extend(
            textwrap.wrap(
                line,
                width=max(width, 20),
                subsequent_indent=hang,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or [line]
        )
    return "\n".join(wrapped)


def register(app: typer.Typer) -> None:
    app.command("myday")(myday_command)
    app.command("brief")(brief_command)
