"""`score`, `rescore`, `explain`: create or update a customer and see why it scored so."""

from __future__ import annotations

from typing import Any

import typer

from iqcadence.cli import common


def score(
    ctx: typer.Context,
    name: str = typer.Argument(
        ..., help="Customer name (created if new, matched case-insensitively)."
    ),
    logins: int | None = typer.Option(None, "--logins", help="Logins in the last 30 days (≥ 0)."),
    adoption: float | None = typer.Option(None, "--adoption", help="Feature adoption %, 0–100."),
    tickets: int | None = typer.Option(None, "--tickets", help="Open support tickets (≥ 0)."),
    nps: int | None = typer.Option(None, "--nps", help="NPS answer, 0–10."),
    csat: float | None = typer.Option(None, "--csat", help="CSAT, 1–5 (counts when CSAT is on)."),
    days: int | None = typer.Option(
        None, "--days", help="Days since last contact (≥ 0); decays daily."
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
    manual_score: float | None = typer.Option(
        None, "--score", help="Set the score by hand (0–100): a manual override."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the customer as JSON."),
) -> None:
    """Create or update a customer from signal values and print its score.

    Only the options given change; missing signals are left out of the score.

    Example:

      iqcadence score "Acme Corp" --logins 22 --adoption 75 --tickets 1 --nps 9
        --days 10 --growth mild --mrr 5000 --tier mid
    """
    from iqcadence.core import customers, queries, settings

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
        detail = queries.breakdown(session, outcome.customer, config)
        data = queries.customer_to_dict(outcome.customer)
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
    from rich.table import Table

    out = common.console()
    verb = "Created" if created else "Updated"
    source = " (manual override)" if data["score_source"] == "manual" else ""
    change = ""
    if previous is not None and data["score"] is not None and previous != data["score"]:
        change = f"  (was {previous:.1f}, {data['score'] - previous:+.1f})"
    out.print(
        f"{verb} [bold]{data['name']}[/]: score [bold]{common.fmt_score(data['score'])}[/] "
        f"{common.band_text(data['band'])}{source}{change}"
    )
    if "lifecycle_changed" in data:
        moved = data["lifecycle_changed"]
        out.print(f"Lifecycle moved {moved['from']} → {moved['to']}.")
    table = Table(title="Breakdown", title_justify="left", box=None, pad_edge=False)
    for column in ("signal", "value", "sub-score", "weight", "contribution", "tier avg"):
        table.add_column(column, justify="left" if column == "signal" else "right")
    for line in data["breakdown"]["signals"]:
        if line["weight"] == 0 and line["value"] is None:
            continue
        table.add_row(
            line["signal"],
            "—" if line["value"] is None else str(line["value"]),
            "—" if line["subscore"] is None else f"{line['subscore']:.1f}",
            str(line["weight"]),
            "excluded" if not line["present"] else f"{line['contribution']:.2f}",
            "—" if line["tier_average"] is None else f"{line['tier_average']:.1f}",
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.command("score")(score)
