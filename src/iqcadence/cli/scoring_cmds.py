"""`score`, `rescore`, `explain`: create or update a customer, rescore everyone,
and see why a customer scored what it did."""

from __future__ import annotations

from typing import Any

import typer

from iqcadence.cli import common
from iqcadence.core.base.labels import label


def score(
    ctx: typer.Context,
    name: str = typer.Argument(
        ..., help="Customer name (created if new, matched case-insensitively)."
    ),
    logins: str | None = typer.Option(
        None, "--logins", metavar="N", help="Logins in the last 30 days (≥ 0)."
    ),
    adoption: str | None = typer.Option(
        None, "--adoption", metavar="PCT", help="Feature adoption %, 0–100."
    ),
    tickets: str | None = typer.Option(
        None, "--tickets", metavar="N", help="Open support tickets (≥ 0)."
    ),
    nps: str | None = typer.Option(None, "--nps", metavar="0-10", help="NPS answer, 0–10."),
    csat: str | None = typer.Option(
        None, "--csat", metavar="1-5", help="CSAT, 1–5 (counts when CSAT is on)."
    ),
    days: str | None = typer.Option(
        None, "--days", metavar="N", help="Days since last contact (≥ 0); decays daily."
    ),
    growth: str | None = typer.Option(None, "--growth", help="strong | mild | none | na."),
    mrr: str | None = typer.Option(
        None, "--mrr", help="Monthly recurring revenue (sets ARR = 12 × MRR)."
    ),
    arr: str | None = typer.Option(
        None, "--arr", help="Annual recurring revenue (sets MRR = ARR / 12)."
    ),
    tier: str | None = typer.Option(None, "--tier", help="smb | mid | enterprise."),
    renewal: str | None = typer.Option(None, "--renewal", help="Renewal date, YYYY-MM-DD."),
    manager: str | None = typer.Option(None, "--manager", help="Primary CSM."),
    tags: str | None = typer.Option(None, "--tags", help="Tags, comma- or |-separated."),
    lifecycle: str | None = typer.Option(
        None, "--lifecycle", help="onboarding | active | atrisk | won | churned."
    ),
    sentiment: str | None = typer.Option(
        None, "--sentiment", help="positive | neutral | negative."
    ),
    profile: str | None = typer.Option(None, "--profile", help="Scoring profile to score with."),
    manual_score: str | None = typer.Option(
        None, "--score", metavar="0-100", help="Set the score by hand (0–100): a manual override."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the customer as JSON."),
) -> None:
    """Create or update a customer from signal values and print its score.

    Only the options given change; missing signals are left out of the score.

    Example:

    \b
      iqcadence score "Acme Corp" --logins 22 --adoption 75 --tickets 1 --nps 9 \\
        --days 10 --growth mild --mrr 5000 --tier mid
    """
    from iqcadence.core.accounts import breakdown, customers, shape
    from iqcadence.core.store import settings

    if mrr is not None and arr is not None:
        raise common.fail("give --mrr or --arr, not both (the other is derived).", 2)
    values: dict[str, Any] = {}
    for key, value in (
        ("logins", logins),
        ("adoption", adoption),
        ("tickets", tickets),
        ("nps", nps),
        ("csat", csat),
        ("days", days),
        ("growth", growth),
        ("mrr", mrr),
        ("arr", arr),
        ("tier", tier),
        ("renewal_date", renewal),
        ("manager", manager),
        ("tags", tags),
        ("lifecycle", lifecycle),
        ("sentiment", sentiment),
        ("scoring_profile", profile),
        ("score", manual_score),
    ):
        if value is not None:
            values[key] = value
    with common.session_as(ctx) as (session, actor):
        outcome = customers.apply_changes(session, actor, name, values, cause="score")
        config = settings.load_scoring_config(session, actor.client_id)
        detail = breakdown.breakdown(session, outcome.customer, config)
        data = shape.customer_to_dict(outcome.customer)
        data["breakdown"] = detail
        data["created"] = outcome.created
        if outcome.lifecycle_auto:
            data["lifecycle_changed"] = {
                "from": outcome.lifecycle_auto[0],
                "to": outcome.lifecycle_auto[1],
            }
    if as_json:
        common.print_json(data)
        return
    render_score(data, outcome.before.get("score"), outcome.created)


def render_score(data: dict[str, Any], previous: float | None, created: bool) -> None:
    from rich.markup import escape

    out = common.console()
    verb = "Created" if created else "Updated"
    source = " (manual override)" if data["score_source"] == "manual" else ""
    change = ""
    if previous is not None and data["score"] is not None and previous != data["score"]:
        change = f"  (was {previous:.1f}, {data['score'] - previous:+.1f})"
    out.print(
        f"{verb} [bold]{escape(data['name'])}[/]: score [bold]{common.fmt_score(data['score'])}[/] "
        f"{common.band_text(data['band'])}{source}{change}"
    )
    if "lifecycle_changed" in data:
        moved = data["lifecycle_changed"]
        out.print(
            f"Lifecycle moved {label('lifecycle', moved['from'])} → "
            f"{label('lifecycle', moved['to'])}."
        )
    if data.get("status") in ("archived", "trashed"):
        undo = "unarchive" if data["status"] == "archived" else "restore"
        out.print(
            f"[yellow]Note:[/] {escape(data['name'])} is {data['status']}, so default lists "
            f'hide it; `iqcadence customers {undo} "{escape(data["name"])}"` brings it back.'
        )
    out.print(breakdown_table(data["breakdown"]))


def breakdown_table(breakdown: dict[str, Any]) -> Any:
    """The breakdown (value, sub-score, weight, contribution, tier average) as a table."""
    from rich.table import Table

    title = "Breakdown"
    if breakdown.get("weights_from", "global") != "global":
        title += f" ({breakdown['weights_from']} weights)"
    with_tier = any("tier_average" in line for line in breakdown["signals"])
    columns = ["signal", "value", "sub-score", "weight", "contribution"]
    if with_tier:
        columns.append("tier avg")
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    for column in columns:
        table.add_column(column, justify="left" if column == "signal" else "right")
    for line in breakdown["signals"]:
        if line["weight"] == 0 and line["value"] is None:
            continue
        cells = [
            label("signal", line["signal"]),
            signal_value(line["signal"], line["value"]),
            "—" if line["subscore"] is None else f"{line['subscore']:.1f}",
            str(line["weight"]),
            "excluded" if not line["present"] else f"{line['contribution']:.2f}",
        ]
        if with_tier:
            average = line.get("tier_average")
            cells.append("—" if average is None else f"{average:.1f}")
        table.add_row(*cells)
    return table


def rescore(
    ctx: typer.Context,
    include_overrides: bool = typer.Option(
        False, "--include-overrides", help="Also recompute scores that were set by hand."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Rescore every customer with the current weights, thresholds and profiles.

    Snapshots are written only where the score changed; manual overrides are
    kept unless --include-overrides is given.

    Example:

    \b
      iqcadence config weights set logins=30 adoption=20
      iqcadence rescore
    """
    from iqcadence.core.accounts.rescore import rescore_all

    with common.session_as(ctx) as (session, actor):
        summary = rescore_all(session, actor, include_overrides=include_overrides)
    data = summary.to_dict()
    if as_json:
        common.print_json(data)
        return
    out = common.console()
    out.print(
        f"Rescored {_count(summary.scored, 'customer')}: "
        f"{summary.changed} changed, "
        f"{summary.unchanged} unchanged."
    )
    if summary.skipped_overrides:
        kept = summary.skipped_overrides
        out.print(
            f"Kept {_count(kept, 'manual override')} as set, counted as unchanged "
            f"(add --include-overrides to recompute {'it' if kept == 1 else 'them'})."
        )
    if summary.lifecycle_changes:
        out.print(f"Lifecycle moved for {_count(summary.lifecycle_changes, 'customer')}.")
    if summary.band_moves:
        from rich.table import Table

        table = Table(title="Band moves", title_justify="left", box=None, pad_edge=False)
        table.add_column("from")
        table.add_column("to")
        table.add_column("customers", justify="right")
        for move, count in sorted(summary.band_moves.items(), key=lambda kv: (-kv[1], kv[0])):
            old, _, new = move.partition("->")
            table.add_row(_band_or_none(old), _band_or_none(new), str(count))
        out.print(table)
    else:
        out.print("No customer changed band.")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _band_or_none(band: str) -> str:
    return common.band_text(band if band and band not in ("unscored", "None", "none") else None)


def explain(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Customer name (any case)."),
    as_json: bool = typer.Option(False, "--json", help="Print the explanation as JSON."),
) -> None:
    """Explain a customer's score: what each signal contributes, what moved since
    the previous snapshot and what each move did to the score, and which signals
    are missing or stale.

    The effect of a move is today's score minus the score with only that signal
    put back to its previous value.

    Example:

    \b
      iqcadence explain "Acme Corp"
    """
    from iqcadence.core.read.explain import explain_customer, explanation_to_dict

    with common.session_as(ctx, write=False) as (session, actor):
        data = explanation_to_dict(explain_customer(session, actor, name))
    if as_json:
        common.print_json(data)
        return
    render_explanation(data)


def render_explanation(data: dict[str, Any]) -> None:
    from rich.markup import escape

    out = common.console()
    manual = ""
    if data["score_source"] == "manual":
        manual = f" (manual override; the signals give {common.fmt_score(data['computed_score'])})"
    out.print(
        f"[bold]{escape(data['name'])}[/]: score [bold]{common.fmt_score(data['score'])}[/] "
        f"{common.band_text(data['band'])}{manual}"
    )
    out.print(breakdown_table({"weights_from": data["weights_from"], "signals": data["signals"]}))
    previous = data["previous"]
    if previous is None:
        out.print("No earlier snapshot to compare with.")
    else:
        when = previous["taken_at"][:10]
        change = ""
        if data["score_change"] is not None:
            change = f", the score moved {data['score_change']:+.1f}"
        then = f"score {common.fmt_score(previous['score'])}"
        if previous["computed_score"] != previous["score"]:
            then += f", computed {common.fmt_score(previous['computed_score'])}"
        if not data["changes"]:
            out.print(f"Since the snapshot of {when} ({then}), no signal has moved.")
        else:
            out.print(f"Since the snapshot of {when} ({then}){change}:")
            out.print(_moves_table(data["changes"]))
        if data["weights_changed"]:
            out.print("The weights have also changed since then.")
    if data["flags"]:
        out.print("Flags:")
        for flag in data["flags"]:
            out.print(f"  [yellow]•[/] {escape(flag['message'])}")


def _moves_table(changes: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("signal", "from", "to", "moved", "score effect"):
        table.add_column(column, justify="left" if column == "signal" else "right")
    for move in changes:
        table.add_row(
            label("signal", move["signal"]),
            signal_value(move["signal"], move["from"]),
            signal_value(move["signal"], move["to"]),
            "—" if move["delta"] is None else f"{move['delta']:+g}",
            "—" if move["score_effect"] is None else f"{move['score_effect']:+.1f}",
        )
    return table


def signal_value(signal: str, value: Any) -> str:
    """A signal's value in words: growth is a word ("Strong"), the rest numbers."""
    if value is None:
        return "—"
    return label("growth", value) if signal == "growth" else str(value)


def register(app: typer.Typer) -> None:
    app.command("score")(score)
    app.command("rescore")(rescore)
    app.command("explain")(explain)
