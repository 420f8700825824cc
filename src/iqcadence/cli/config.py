"""`config`: the scoring model — weights, CSAT, thresholds, profiles, contact
cadence, renewal windows — shown, changed (admins only), exported, imported,
and its history.

Every change is validated as a whole before anything is saved; a refused
change names the reason and leaves the stored model as it was.
`config_app` is public so other capabilities can add their own `config`
sub-commands (for example `config alerts`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from iqcadence.cli import common

if TYPE_CHECKING:
    from sqlmodel import Session

    from iqcadence.core.base.actor import Actor
    from iqcadence.core.scoring.formula import ScoringConfig

config_app = typer.Typer(
    help=(
        "Show and change the scoring model: weights, CSAT, thresholds, profiles, "
        "contact cadence, renewal windows.\n\nExample:\n\n"
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
profiles_app = typer.Typer(
    help="Scoring profiles: named weight sets assigned per customer.\n\nExample:\n\n"
    "  iqcadence config profiles set enterprise adoption=35 logins=15",
    no_args_is_help=True,
)
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
config_app.add_typer(weights_app, name="weights")
config_app.add_typer(thresholds_app, name="thresholds")
config_app.add_typer(profiles_app, name="profiles")
config_app.add_typer(cadence_app, name="cadence")
config_app.add_typer(windows_app, name="renewal-windows")
config_app.add_typer(signals_app, name="signals")

RESCORE_HINT = "Run `iqcadence rescore` to apply it to every customer's score."

Pairs = Annotated[list[str], typer.Argument(metavar="KEY=VALUE...", show_default=False)]


def parse_pairs(items: list[str], what: str) -> dict[str, str]:
    """`key=value` arguments → dict; a malformed or repeated key is refused."""
    from iqcadence.core.base.errors import InvalidValue

    if not items:
        raise InvalidValue(f"{what}: give at least one KEY=VALUE.")
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or not key:
            raise InvalidValue(f"{what}: {item!r} is not KEY=VALUE.")
        if key in pairs:
            raise InvalidValue(f"{what}.{key}: given more than once.")
        pairs[key] = value.strip()
    return pairs


def _whole(what: str, value: str) -> int:
    from iqcadence.core.base.errors import InvalidValue

    try:
        return int(value)
    except ValueError:
        raise InvalidValue(f"{what}: expected a whole number, got {value!r}.") from None


def _number(what: str, value: str) -> float:
    from iqcadence.core.base.errors import InvalidValue

    try:
        number = float(value)
    except ValueError:
        raise InvalidValue(f"{what}: expected a number, got {value!r}.") from None
    return int(number) if number.is_integer() else number


def _check_keys(what: str, given: dict[str, Any], allowed: tuple[str, ...] | list[str]) -> None:
    from iqcadence.core.base.errors import InvalidValue

    for key in given:
        if key not in allowed:
            raise InvalidValue(f"{what}: unknown key {key!r}; allowed: {', '.join(allowed)}.")


def _change(
    ctx: typer.Context, action: str, build: Callable[[ScoringConfig, Session, Actor], ScoringConfig]
) -> ScoringConfig:
    """Load the model, let `build(config, session, actor)` return the new one,
    then validate and save it (admins only); a refused model saves nothing."""
    from iqcadence.core.store import settings

    with common.session_as(ctx) as (session, actor):
        actor.require_admin("change the scoring configuration")
        current = settings.load_scoring_config(session, actor.client_id)
        new = build(current, session, actor)
        settings.save_scoring_config(session, actor, new, action=action)
    return new


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

    with common.session_as(ctx) as (session, actor):
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
    weights = Table(title="Weights", title_justify="left", box=None, pad_edge=False)
    weights.add_column("signal")
    weights.add_column("weight", justify="right")
    for name in SIGNALS:
        value = data["weights"].get(name, 0)
        note = " (CSAT off)" if name == "csat" and not data["csat_enabled"] else ""
        weights.add_row(name, f"{value}{note}")
    out.print(weights)
    out.print(f"CSAT: {'on' if data['csat_enabled'] else 'off'}")
    bands = Table(title="Band thresholds", title_justify="left", box=None, pad_edge=False)
    bands.add_column("band")
    bands.add_column("from score", justify="right")
    bands.add_row(common.band_text("critical"), "0")
    for key in THRESHOLD_KEYS:
        bands.add_row(common.band_text(key), f"{data['thresholds'][key]:g}")
    out.print(bands)
    cadence = Table(title="Contact cadence (days)", title_justify="left", box=None, pad_edge=False)
    for column in ("tier", "due soon", "overdue"):
        cadence.add_column(column, justify="left" if column == "tier" else "right")
    for tier, (due, overdue) in data["cadence"].items():
        cadence.add_row(tier, str(due), str(overdue))
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
            profiles.add_column(name, justify="right")
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
    _check_keys("weights", given, SIGNALS)
    numbers = {key: _whole(f"weights.{key}", value) for key, value in given.items()}

    def build(config: ScoringConfig, _session: Session, _actor: Actor) -> ScoringConfig:
        return replace(config, weights={**config.weights, **numbers})

    new = _change(ctx, "config.weights", build)
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
    _check_keys("thresholds", given, THRESHOLD_KEYS)
    numbers = {key: _number(f"thresholds.{key}", value) for key, value in given.items()}

    def build(config: ScoringConfig, _session: Session, _actor: Actor) -> ScoringConfig:
        return replace(config, thresholds={**config.thresholds, **numbers})

    new = _change(ctx, "config.thresholds", build)
    common.console().print(
        "Thresholds saved: " + ", ".join(f"{k} {new.thresholds[k]:g}" for k in THRESHOLD_KEYS) + "."
    )
    common.console().print(RESCORE_HINT)


@config_app.command("csat")
def csat_command(
    ctx: typer.Context,
    state: str = typer.Argument(..., metavar="on|off", help="Turn CSAT scoring on or off."),
    weight: int | None = typer.Option(
        None, "--weight", help="CSAT's weight when on (default: its current one, else 10)."
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

    new = _change(ctx, "config.csat", build)
    out = common.console()
    if new.csat_enabled:
        out.print(f"CSAT is on with weight {new.weights['csat']}.")
    else:
        out.print("CSAT is off.")
    out.print("Weights now: " + ", ".join(f"{k} {v}" for k, v in new.weights.items()) + ".")
    out.print(RESCORE_HINT)


# --- cadence, renewal windows, signal thresholds ----------------------------------------


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
    _check_keys("cadence", given, TIERS)
    parsed: dict[str, tuple[int, int]] = {}
    for tier, value in given.items():
        due, sep, overdue = value.partition("/")
        if not sep:
            raise InvalidValue(f"cadence.{tier}: expected DUE_SOON/OVERDUE days, got {value!r}.")
        parsed[tier] = (_whole(f"cadence.{tier}", due), _whole(f"cadence.{tier}", overdue))

    def build(config: ScoringConfig, _session: Session, _actor: Actor) -> ScoringConfig:
        return replace(config, cadence={**config.cadence, **parsed})

    new = _change(ctx, "config.cadence", build)
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
    _check_keys("renewal_windows", given, list(DEFAULT_RENEWAL_WINDOWS))
    numbers = {key: _whole(f"renewal_windows.{key}", value) for key, value in given.items()}

    def build(config: ScoringConfig, _session: Session, _actor: Actor) -> ScoringConfig:
        return replace(config, renewal_windows={**config.renewal_windows, **numbers})

    new = _change(ctx, "config.renewal_windows", build)
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
    _check_keys("signals", given, ("quiet_after", "momentum_points", "expansion_pct"))
    values: dict[str, Any] = {}
    if "quiet_after" in given:
        values["quiet_after"] = _whole("quiet_after", given["quiet_after"])
    for key in ("momentum_points", "expansion_pct"):
        if key in given:
            values[key] = _number(key, given[key])

    def build(config: ScoringConfig, _session: Session, _actor: Actor) -> ScoringConfig:
        return replace(config, **values)

    new = _change(ctx, "config.signals", build)
    common.console().print(
        f"Saved: quiet after {new.quiet_after} days, momentum ±{new.momentum_points:g} "
        f"points, expansion estimate {new.expansion_pct:g}%."
    )


# --- profiles ----------------------------------------------------------------------------


@profiles_app.command("list")
def profiles_list(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the profiles as JSON."),
) -> None:
    """List scoring profiles, their weights and how many customers use each.

    Example:

    \b
      iqcadence config profiles list
    """
    from iqcadence.core.scoring.formula import SIGNALS
    from iqcadence.core.store import settings

    with common.session_as(ctx) as (session, actor):
        counts = settings.profile_usage(session, actor.client_id)
        items: list[dict[str, Any]] = [
            {
                "name": p.name,
                "description": p.description,
                "weights": {s: int(p.weights.get(s, 0)) for s in SIGNALS},
                "customers": int(counts.get(p.name, 0)),
            }
            for p in settings.list_profiles(session, actor.client_id)
        ]
    if as_json:
        common.print_json(items)
        return
    from rich.markup import escape
    from rich.table import Table

    out = common.console()
    if not items:
        out.print("No scoring profiles; add one with `iqcadence config profiles set NAME k=v ...`.")
        return
    table = Table(box=None, pad_edge=False)
    table.add_column("profile")
    for name in SIGNALS:
        table.add_column(name, justify="right")
    table.add_column("customers", justify="right")
    for item in items:
        table.add_row(
            escape(item["name"]),
            *(str(item["weights"][s]) for s in SIGNALS),
            str(item["customers"]),
        )
    out.print(table)


@profiles_app.command("set")
def profiles_set(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Profile name."),
    pairs: Annotated[
        list[str] | None, typer.Argument(metavar="[KEY=VALUE]...", show_default=False)
    ] = None,
    description: str = typer.Option("", "--description", help="What the profile is for."),
) -> None:
    """Create or change a scoring profile. A new profile starts from the global
    weights and an existing one from its own; the named weights replace those,
    and the result must total 100.

    Example:

    \b
      iqcadence config profiles set enterprise adoption=35 logins=15
    """
    from iqcadence.core.base.errors import InvalidValue, NotFound
    from iqcadence.core.scoring.formula import SIGNALS
    from iqcadence.core.store import settings

    given = parse_pairs(pairs, f"profile {name!r} weights") if pairs else {}
    _check_keys(f"profile {name!r} weights", given, SIGNALS)
    numbers = {key: _whole(f"{name}.{key}", value) for key, value in given.items()}
    with common.session_as(ctx) as (session, actor):
        actor.require_admin("change scoring profiles")
        try:
            base = dict(settings.get_profile(session, actor.client_id, name).weights)
            created = False
        except NotFound:
            base = dict(settings.load_scoring_config(session, actor.client_id).weights)
            created = True
        weights = {s: int(base.get(s, 0)) for s in SIGNALS}
        weights.update(numbers)
        kept = {s: w for s, w in weights.items() if s not in numbers and w}
        if sum(weights.values()) != 100 and kept:
            source = "the global weights" if created else "the profile"
            raise InvalidValue(
                f"profile {name.strip()!r} weights: must total 100, but they total "
                f"{sum(weights.values())}; signals you do not name keep {source} ("
                + ", ".join(f"{s}={w}" for s, w in kept.items())
                + "), so name them too (0 leaves one out)."
            )
        profile = settings.save_profile(session, actor, name, weights, description=description)
        shown = profile.name
        saved = dict(profile.weights)
    out = common.console()
    out.print(
        f"{'Created' if created else 'Updated'} profile {shown}: "
        + ", ".join(f"{k} {saved.get(k, 0)}" for k in SIGNALS)
        + "."
    )
    out.print(RESCORE_HINT)


@profiles_app.command("delete")
def profiles_delete(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Profile name."),
) -> None:
    """Delete a scoring profile that no customer uses.

    Example:

    \b
      iqcadence config profiles delete enterprise
    """
    from iqcadence.core.store import settings

    with common.session_as(ctx) as (session, actor):
        settings.delete_profile(session, actor, name)
    common.console().print(f"Deleted profile {name.strip()}.")


# --- export, import, history ----------------------------------------------------------------


@config_app.command("export")
def export_command(
    ctx: typer.Context,
    path: str = typer.Argument(..., metavar="FILE.toml", help="Where to write ('-' = stdout)."),
) -> None:
    """Write the whole scoring model and the profiles as a readable TOML file.

    Example:

    \b
      iqcadence config export scoring.toml
    """
    from iqcadence.core.base.errors import RefusedFile
    from iqcadence.core.store import settings

    with common.session_as(ctx) as (session, actor):
        document = settings.export_toml(session, actor.client_id)
    if path == "-":
        typer.echo(document, nl=False)
        return
    target = Path(path)
    try:
        target.write_text(document, encoding="utf-8")
    except OSError as exc:
        raise RefusedFile(f"{path}: cannot write the file ({exc.strerror}).") from None
    common.err_console().print(f"Wrote the scoring model to {path}.")


@config_app.command("import")
def import_command(
    ctx: typer.Context,
    path: str = typer.Argument(..., metavar="FILE.toml", help="A file from `config export`."),
) -> None:
    """Replace the scoring model and update the profiles from a TOML file.

    The whole file is checked first; if anything is wrong nothing is changed.

    Example:

    \b
      iqcadence config import scoring.toml
    """
    from iqcadence.core.store import settings

    with common.session_as(ctx) as (session, actor):
        settings.import_toml(session, actor, Path(path))
        profiles = len(settings.list_profiles(session, actor.client_id))
    out = common.console()
    out.print(f"Imported the scoring model from {path}; profiles now: {profiles}.")
    out.print(RESCORE_HINT)


@config_app.command("history")
def history_command(
    ctx: typer.Context,
    limit: int = typer.Option(50, "--limit", help="At most N changes, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print the changes as JSON."),
) -> None:
    """Show changes to the configuration, newest first, with who made them.

    Example:

    \b
      iqcadence config history --limit 10
    """
    from iqcadence.core.base.errors import InvalidValue
    from iqcadence.core.store import audit

    if limit <= 0:
        raise InvalidValue(f"--limit: must be at least 1, got {limit}.")
    with common.session_as(ctx) as (session, actor):
        items = [
            audit.entry_to_dict(e)
            for e in audit.list_entries(session, actor, action="config", limit=limit)
        ]
    if as_json:
        common.print_json(items)
        return
    from iqcadence.cli.audit import render_entries

    render_entries(items, empty="No configuration changes yet.")


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
