"""`config`: the scoring model — weights, CSAT, thresholds, profiles, contact
cadence, renewal windows — shown, changed (admins only), exported, imported,
and its history.

This module owns the `config` group, `config show`, and the weights,
thresholds and CSAT commands; `register` adds the profiles
(`config_profiles`), the cadence, renewal windows and signal thresholds
(`config_cadence`), export, import and history (`config_files`) and the
currency amounts are shown in (`config_display`) to it.
Every change is validated as a whole before anything is saved; a refused
change names the reason and leaves the stored model as it was.
`config_app` is public so other capabilities can add their own `config`
sub-commands (for example `config alerts`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from iqcadence.cli import (
    common,
    config_cadence,
    config_display,
    config_files,
    config_profiles,
)
from iqcadence.cli.config_changes import (
    RESCORE_HINT,
    Pairs,
    change,
    check_keys,
    number,
    parse_pairs,
    whole,
)
from iqcadence.core.base.labels import label

if TYPE_CHECKING:
    from sqlmodel import Session

    from iqcadence.core.base.actor import Actor
    from iqcadence.core.scoring.formula import ScoringConfig

config_app = typer.Typer(
    help=(
        "Show and change the scoring model: weights, CSAT, thresholds, profiles, "
        "contact cadence, renewal windows; and the currency amounts are shown in."
        "\n\nExample:\n\n"
        "  iqcadence config weights set logins=30 adoption=20"
    ),
    no_args_is_help=True,
)
weights_app = typer.Typer(
    help="Signal weights (whole numbers totalling 100).\n\nExample:\n\n"
    "  iqcadence config weights set logins=30 adoption=20",
    no_args_is_help=True,
)
thresholds_app = typer.Typer(
    help="Band thresholds (strictly increasing).\n\nExample:\n\n"
    "  iqcadence config thresholds set at_risk=25 watch=50 healthy=65 expansion=80",
    no_args_is_help=True,
)
config_app.add_typer(weights_app, name="weights")
config_app.add_typer(thresholds_app, name="thresholds")


# --- show -------------------------------------------------------------------------


@config_app.command("show")
def show_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the model as JSON."),
) -> None:
    """Show the whole scoring model and the scoring profiles.

    Example:

    \b
      iqcadence config show
      iqcadence config show --json
    """
    from iqcadence.core.store import settings

    with common.session_as(ctx, write=False) as (session, actor):
        config = settings.load_scoring_config(session, actor.client_id)
        data = config.to_dict()
        data["profiles"] = {
            p.name: {"description": p.description, "weights": dict(p.weights)}
            for p in settings.list_profiles(session, actor.client_id)
        }
    if as_json:
        common.print_json(data)
        return
    render_config(data)


def render_config(data: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from iqcadence.core.scoring.formula import SIGNALS, THRESHOLD_KEYS

    out = common.console()
    # Beside each label, the key `config ... set` takes (dim).
    weights = Table(title="Weights", title_justify="left", box=None, pad_edge=False)
    weights.add_column("signal")
    weights.add_column("key", style="dim")
    weights.add_column("weight", justify="right")
    for name in SIGNALS:
        value = data["weights"].get(name, 0)
        note = " (CSAT off)" if name == "csat" and not data["csat_enabled"] else ""
        weights.add_row(label("signal", name), name, f"{value}{note}")
    out.print(weights)
    out.print(f"CSAT: {'on' if data['csat_enabled'] else 'off'}")
    bands = Table(title="Band thresholds", title_justify="left", box=None, pad_edge=False)
    bands.add_column("band")
    bands.add_column("key", style="dim")
    bands.add_column("from score", justify="right")
    bands.add_row(common.band_text("critical"), "", "0")
    for key in THRESHOLD_KEYS:
        bands.add_row(common.band_text(key), key, f"{data['thresholds'][key]:g}")
    out.print(bands)
    cadence = Table(title="Contact cadence (days)", title_justify="left", box=None, pad_edge=False)
    for column in ("tier", "key", "due soon", "overdue"):
        cadence.add_column(
            column,
            justify="left" if column in ("tier", "key") else "right",
            style="dim" if column == "key" else None,
        )
    for tier, (due, overdue) in data["cadence"].items():
        cadence.add_row(label("tier", tier), tier, str(due), str(overdue))
    out.print(cadence)
    windows = data["renewal_windows"]
    out.print(
        f"Renewal windows (days before renewal): critical {windows['critical']}, "
        f"warning {windows['warning']}, upcoming {windows['upcoming']}"
    )
    out.print(
        f"Quiet after {data['quiet_after']} days; momentum ±{data['momentum_points']:g} "
        f"points / 7 days; expansion estimate {data['expansion_pct']:g}% of ARR"
    )
    if data["profiles"]:
        profiles = Table(title="Scoring profiles", title_justify="left", box=None, pad_edge=False)
        profiles.add_column("profile")
        for name in SIGNALS:
            profiles.add_column(label("signal", name), justify="right")
        for name, profile in data["profiles"].items():
            profiles.add_row(escape(name), *(str(profile["weights"].get(s, 0)) for s in SIGNALS))
        out.print(profiles)
    else:
        out.print("No scoring profiles.")


# --- weights, thresholds, CSAT -------------------------------------------------------


@weights_app.command("set")
def weights_set(ctx: typer.Context, pairs: Pairs) -> None:
    """Set some or all signal weights; the result must total 100.

    Signals: logins, adoption, tickets, nps, csat (only while CSAT is on), days,
    growth. Signals not named keep their weight.

    Example:

    \b
      iqcadence config weights set logins=30 adoption=20
    """
    from dataclasses import replace

    from iqcadence.core.scoring.formula import SIGNALS

    given = parse_pairs(pairs, "weights")
    check_keys("weights", given, SIGNALS)
    numbers = {key: whole(f"weights.{key}", value) for key, value in given.items()}

    def build(config: ScoringConfig, _session: Session, _actor: Actor) -> ScoringConfig:
        return replace(config, weights={**config.weights, **numbers})

    new = change(ctx, "config.weights", build)
    common.console().print(
        "Weights saved: " + ", ".join(f"{k} {new.weights.get(k, 0)}" for k in SIGNALS) + "."
    )
    common.console().print(RESCORE_HINT)


@thresholds_app.command("set")
def thresholds_set(ctx: typer.Context, pairs: Pairs) -> None:
    """Set band thresholds: the score where each band starts (strictly increasing).

    Keys: at_risk, watch, healthy, expansion. Keys not named keep their value.

    Example:

    \b
      iqcadence config thresholds set at_risk=25 watch=50 healthy=65 expansion=80
    """
    from dataclasses import replace

    from iqcadence.core.scoring.formula import THRESHOLD_KEYS

    given = parse_pairs(pairs, "thresholds")
    check_keys("thresholds", given, THRESHOLD_KEYS)
    numbers = {key: number(f"thresholds.{key}", value) for key, value in given.items()}

    def build(config: ScoringConfig, _session: Session, _actor: Actor) -> ScoringConfig:
        return replace(config, thresholds={**config.thresholds, **numbers})

    new = change(ctx, "config.thresholds", build)
    common.console().print(
        "Thresholds saved: " + ", ".join(f"{k} {new.thresholds[k]:g}" for k in THRESHOLD_KEYS) + "."
    )
    common.console().print(RESCORE_HINT)


@config_app.command("csat")
def csat_command(
    ctx: typer.Context,
    state: str = typer.Argument(..., metavar="on|off", help="Turn CSAT scoring on or off."),
    weight: int | None = typer.Option(
        None,
        "--weight",
        help="CSAT's weight when on (default: its current one, else 10).",
        callback=common.whole_number("--weight", 0, 100),
    ),
) -> None:
    """Turn the CSAT signal on (with its own weight) or off.

    The other weights are scaled in proportion so the total stays 100; turning
    it off right after turning it on brings the earlier weights back exactly.

    Example:

    \b
      iqcadence config csat on --weight 10
      iqcadence config csat off
    """
    from dataclasses import replace

    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.store import settings

    switch = state.strip().lower()
    if switch not in ("on", "off"):
        raise InvalidValue(f"csat: {state!r} is not one of on, off.")
    if switch == "off" and weight not in (None, 0):
        raise InvalidValue("--weight: only applies when turning CSAT on.")

    def build(config: ScoringConfig, session: Session, actor: Actor) -> ScoringConfig:
        if switch == "off":
            weights = settings.weights_without_csat(session, actor, config)
            return replace(config, csat_enabled=False, weights=weights)
        current = int(config.weights.get("csat", 0)) if config.csat_enabled else 0
        chosen = weight if weight is not None else (current or 10)
        if chosen <= 0:
            raise InvalidValue(f"--weight: CSAT on needs a weight from 1 to 99, got {chosen}.")
        return replace(
            config,
            csat_enabled=True,
            weights=settings.rebalance_for_csat(config.weights, chosen),
        )

    new = change(ctx, "config.csat", build)
    out = common.console()
    if new.csat_enabled:
        out.print(f"CSAT is on with weight {new.weights['csat']}.")
    else:
        out.print("CSAT is off.")
    out.print("Weights now: " + ", ".join(f"{k} {v}" for k, v in new.weights.items()) + ".")
    out.print(RESCORE_HINT)


def register(app: typer.Typer) -> None:
    # The order of these calls is the order `config --help` lists the commands in.
    config_profiles.register(config_app)
    config_cadence.register(config_app)
    config_files.register(config_app)
    config_display.register(config_app)
    app.add_typer(config_app, name="config")
