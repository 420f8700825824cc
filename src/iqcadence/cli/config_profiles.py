"""`config profiles`: named weight sets assigned per customer — listed with
how many customers use each, created or changed (admins only), deleted."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from iqcadence.cli import common
from iqcadence.cli.config_changes import RESCORE_HINT, check_keys, parse_pairs, whole

profiles_app = typer.Typer(
    help="Scoring profiles: named weight sets assigned per customer.\n\nExample:\n\n"
    "  iqcadence config profiles set enterprise adoption=35 logins=15",
    no_args_is_help=True,
)


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

    with common.session_as(ctx, write=False) as (session, actor):
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
    check_keys(f"profile {name!r} weights", given, SIGNALS)
    numbers = {key: whole(f"{name}.{key}", value) for key, value in given.items()}
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


def register(config_app: typer.Typer) -> None:
    config_app.add_typer(profiles_app, name="profiles")
