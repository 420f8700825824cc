"""How a `config` command changes the scoring model: KEY=VALUE arguments
parsed and checked, and the new model validated and saved as a whole (admins
only), so a refused change leaves the stored model as it was. Shared by the
`config` command modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from iqcadence.cli import common

if TYPE_CHECKING:
    from sqlmodel import Session

    from iqcadence.core.base.actor import Actor
    from iqcadence.core.scoring.formula import ScoringConfig

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


def whole(what: str, value: str) -> int:
    from iqcadence.core.base.errors import InvalidValue

    try:
        return int(value)
    except ValueError:
        raise InvalidValue(f"{what}: expected a whole number, got {value!r}.") from None


def number(what: str, value: str) -> float:
    from iqcadence.core.base.errors import InvalidValue

    try:
        number = float(value)
    except ValueError:
        raise InvalidValue(f"{what}: expected a number, got {value!r}.") from None
    return int(number) if number.is_integer() else number


def check_keys(what: str, given: dict[str, Any], allowed: tuple[str, ...] | list[str]) -> None:
    from iqcadence.core.base.errors import InvalidValue

    for key in given:
        if key not in allowed:
            raise InvalidValue(f"{what}: unknown key {key!r}; allowed: {', '.join(allowed)}.")


def change(
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
