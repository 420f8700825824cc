"""`config cadence`, `config renewal-windows` and `config signals`: when a
contact is due, when a renewal alerts, and the quiet, momentum and expansion
thresholds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from iqcadence.cli import common
from iqcadence.cli.config_changes import Pairs, change, check_keys, number, parse_pairs, whole

if TYPE_CHECKING:
    from sqlmodel import Session

    from iqcadence.core.base.actor import Actor
    from iqcadence.core.scoring.formula import ScoringConfig

cadence_app = typer.Typer(
    help="Contact cadence per tier: days until due soon / overdue.\n\nExample:\n\n"
    "  iqcadence config cadence set enterprise=14/21 mid=21/30 smb=30/45",
    no_args_is_help=True,
)
windows_app = typer.Typer(
    help="Renewal windows: days before renewal for each alert level.\n\nExample:\n\n"
    "  iqcadence config renewal-windows set critical=30 warning=60 upcoming=90",
    no_args_is_help=True,
)
signals_app = typer.Typer(
    help="Signal thresholds: quiet after (days), momentum (points per 7 days) and the "
    "expansion estimate (% of ARR).\n\nExample:\n\n"
    "  iqcadence config signals set quiet_after=21 momentum_points=8",
    no_args_is_help=True,
)


@cadence_app.command("set")
def cadence_set(ctx: typer.Context, pairs: Pairs) -> None:
    """Set contact cadence per tier as DUE_SOON/OVERDUE days.

    Tiers: enterprise, mid, smb. Tiers not named keep their cadence.

    Example:

    \b
      iqcadence config cadence set enterprise=14/21 mid=21/30 smb=30/45
    """
    from dataclasses import replace

    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.scoring.formula import TIERS

    given = parse_pairs(pairs, "cadence")
    check_keys("cadence", given, TIERS)
    parsed: dict[str, tuple[int, int]] = {}
    for tier, value in given.items():
        due, sep, overdue = value.partition("/")
        if not sep:
            raise InvalidValue(f"cadence.{tier}: expected DUE_SOON/OVERDUE days, got {value!r}.")
        parsed[tier] = (whole(f"cadence.{tier}", due), whole(f"cadence.{tier}", overdue))

    def build(config: ScoringConfig, _session: Session, _actor: Actor) -> ScoringConfig:
        return replace(config, cadence={**config.cadence, **parsed})

    new = change(ctx, "config.cadence", build)
    common.console().print(
        "Cadence saved: "
        + ", ".join(f"{tier} {pair[0]}/{pair[1]}" for tier, pair in new.cadence.items())
        + "."
    )


@windows_app.command("set")
def windows_set(ctx: typer.Context, pairs: Pairs) -> None:
    """Set renewal windows in days before renewal (critical < warning < upcoming).

    Example:

    \b
      iqcadence config renewal-windows set critical=30 warning=60 upcoming=90
    """
    from dataclasses import replace

    from iqcadence.core.scoring.formula import DEFAULT_RENEWAL_WINDOWS

    given = parse_pairs(pairs, "renewal_windows")
    check_keys("renewal_windows", given, list(DEFAULT_RENEWAL_WINDOWS))
    numbers = {key: whole(f"renewal_windows.{key}", value) for key, value in given.items()}

    def build(config: ScoringConfig, _session: Session, _actor: Actor) -> ScoringConfig:
        return replace(config, renewal_windows={**config.renewal_windows, **numbers})

    new = change(ctx, "config.renewal_windows", build)
    common.console().print(
        "Renewal windows saved: "
        + ", ".join(f"{k} {v}" for k, v in new.renewal_windows.items())
        + "."
    )


@signals_app.command("set")
def signals_set(ctx: typer.Context, pairs: Pairs) -> None:
    """Set quiet_after (days without contact before an account counts as quiet),
    momentum_points (a 7-day move that counts as momentum) and expansion_pct
    (share of ARR estimated as upsell for expansion accounts).

    Example:

    \b
      iqcadence config signals set quiet_after=21 momentum_points=8
      iqcadence config signals set expansion_pct=15
    """
    from dataclasses import replace

    given = parse_pairs(pairs, "signals")
    check_keys("signals", given, ("quiet_after", "momentum_points", "expansion_pct"))
    values: dict[str, Any] = {}
    if "quiet_after" in given:
        values["quiet_after"] = whole("quiet_after", given["quiet_after"])
    for key in ("momentum_points", "expansion_pct"):
        if key in given:
            values[key] = number(key, given[key])

    def build(config: ScoringConfig, _session: Session, _actor: Actor) -> ScoringConfig:
        return replace(config, **values)

    new = change(ctx, "config.signals", build)
    common.console().print(
        f"Saved: quiet after {new.quiet_after} days, momentum ±{new.momentum_points:g} "
        f"points, expansion estimate {new.expansion_pct:g}%."
    )


def register(config_app: typer.Typer) -> None:
    config_app.add_typer(cadence_app, name="cadence")
    config_app.add_typer(windows_app, name="renewal-windows")
    config_app.add_typer(signals_app, name="signals")
