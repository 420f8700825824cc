"""How `customers list`, `customers show` and `customers edit` look to people:
labels for every stored token (`base.labels`), amounts in the client's
currency, right-aligned (`base.money`), bands in their palette colour.
`--json` never comes here: it keeps the tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from iqcadence.cli import common
from iqcadence.core.base.labels import custom_field_label, field_value_text, humanize, label

if TYPE_CHECKING:
    from sqlmodel import Session

    from iqcadence.core.base.actor import Actor


def custom_labels(session: Session, actor: Actor) -> dict[str, str]:
    """Each custom field's label by key, as its definition names it."""
    from iqcadence.core.accounts import custom_fields

    return {
        definition.key: custom_field_label(definition.key, definition.label)
        for definition in custom_fields.list_fields(session, actor.client_id)
    }


def field_label(key: str, custom: dict[str, str]) -> str:
    return custom[key] if key in custom else label("field", key)


def field_text(key: str, value: Any, currency: str) -> str:
    """A field's value as people read it (a label, an amount, a list)."""
    return field_value_text(key, value, currency=currency)


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
    mark = "*" if manual else ""
    return f"[{common.band_style(band)}]{score:.1f}{mark}[/]"


LIST_HEADERS = ("Name", "Score", "Band", "MRR", "Tier", "Manager", "Renewal", "7d", "Lifecycle")
RIGHT_ALIGNED = ("Score", "MRR", "7d")


def render_list(items: list[dict[str, Any]], *, total: int, offset: int, currency: str) -> None:
    from rich.markup import escape
    from rich.table import Table

    out = common.console()
    if not items:
        out.print(
            "No customers match." if total == 0 else f"No customers past {offset} ({total} in all)."
        )
        return
    rows = [
        [
            escape(item["name"]),
            score_text(item["score"], item["band"], item["score_source"] == "manual"),
            common.band_text(item["band"]),
            common.fmt_money(item["mrr"], currency),
            label("tier", item["tier"]) if item["tier"] else "—",
            escape(item["manager"] or "—"),
            item["renewal_date"] or "—",
            momentum_text(item["momentum"]),
            label("lifecycle", item["lifecycle"]),
        ]
        for item in items
    ]
    widths = fit_widths(LIST_HEADERS, rows, out.width)
    table = Table(box=None, pad_edge=False, header_style="bold")
    for index, header in enumerate(LIST_HEADERS[: len(widths)]):
        table.add_column(
            header,
            justify="right" if header in RIGHT_ALIGNED else "left",
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


SHOW_FIELDS = (
    "tier",
    "lifecycle",
    "status",
    "manager",
    "mrr",
    "arr",
    "renewal_date",
    "days_to_renewal",
    "tags",
    "sentiment",
    "scoring_profile",
    "website",
    "domain",
    "email",
    "phone",
    "industry",
    "customer_since",
    "next_touch",
    "last_contact_date",
    "notes",
    "scored_at",
    "updated_at",
)


def render_show(data: dict[str, Any], *, currency: str, custom: dict[str, str]) -> None:
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
    for key in SHOW_FIELDS:
        value = field_text(key, data.get(key), currency)
        fields.add_row(label("field", key), escape(value))
    for key, value in data.get("custom_fields", {}).items():
        fields.add_row(escape(field_label(key, custom)), escape(field_text(key, value, currency)))
    if data.get("owners"):
        who = ", ".join(f"{o['email']} ({label('owner_role', o['role'])})" for o in data["owners"])
        fields.add_row(label("field", "owners"), escape(who))
    pipeline = data.get("open_pipeline") or {}
    if pipeline.get("open_count"):
        fields.add_row(
            label("field", "open_pipeline"),
            f"{pipeline['open_count']} open, {common.fmt_money(pipeline['open_amount'], currency)}",
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
                escape(humanize(str(snap["source"]))),
            )
        out.print(table)
    else:
        out.print("[dim]No score snapshots yet.[/]")


def render_changes(
    name: str, changed: dict[str, dict[str, Any]], *, currency: str, custom: dict[str, str]
) -> None:
    """What `customers edit` changed, field by field, in words."""
    from rich.markup import escape

    out = common.console()
    if not changed:
        out.print(f"Nothing changed for [bold]{escape(name)}[/].")
        return
    out.print(f"Updated [bold]{escape(name)}[/]:")
    for key, pair in changed.items():
        before = field_text(key, pair["from"], currency)
        after = field_text(key, pair["to"], currency)
        out.print(f"  {escape(field_label(key, custom))}: {escape(before)} → {escape(after)}")
