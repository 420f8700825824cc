"""Why a customer scores what it scores: each signal's contribution, what moved
since the previous snapshot (and how much each move is worth), and which
signals are missing or stale.

The effect of one moved signal is measured by recomputing today's score with
only that signal put back to its previous value: effect = score now − score
with that signal reverted. Effects are each signal's own weight in the change;
they need not add up to the whole change (renormalisation when a signal
appears or disappears, rounding, and weight changes all play a part).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from iqcadence.core.accounts.customers import get_customer, signals_of, weights_for
from iqcadence.core.accounts.history import history
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.labels import label
from iqcadence.core.scoring.formula import SIGNALS, ScoreResult, ScoringConfig, compute_score
from iqcadence.core.store import settings
from iqcadence.core.store.models import Customer, ScoreSnapshot

STALE_SNAPSHOT_DAYS = 30
SNAPSHOTS_NEEDED = 2  # the newest (current score) and the one before


@dataclass(frozen=True)
class SignalMove:
    """One signal that differs from the previous snapshot."""

    signal: str
    before: Any
    after: Any
    delta: float | None  # after − before for numbers; None for growth or a missing side
    score_effect: float | None  # score now − score with only this signal reverted


@dataclass(frozen=True)
class Flag:
    """Something worth a look: a missing signal, an overdue contact, an old score."""

    kind: str  # missing | not_applicable | overdue_contact | stale_snapshot | manual_override
    signal: str | None
    message: str


@dataclass(frozen=True)
class Explanation:
    customer: Customer
    result: ScoreResult
    weights_from: str
    previous: ScoreSnapshot | None
    previous_computed: float | None  # the snapshot's signals scored with its weights
    score_change: float | None  # computed score now − previous_computed
    weights_changed: bool
    moves: tuple[SignalMove, ...]
    flags: tuple[Flag, ...]


def explain_customer(
    session: Session, actor: Actor, name: str, *, today: date | None = None
) -> Explanation:
    """Explain one customer's score as of `today` (default: clock.today())."""
    today = today or clock.today()
    customer = get_customer(session, actor, name)
    config = settings.load_scoring_config(session, actor.client_id)
    weights = weights_for(session, customer, config)
    current = signals_of(customer, today)
    result = compute_score(current, weights, config.thresholds)
    assert customer.id is not None
    snapshots = history(session, customer.id, limit=SNAPSHOTS_NEEDED)
    previous = previous_snapshot(snapshots, current)
    moves: list[SignalMove] = []
    score_change = None
    then = None
    weights_changed = False
    if previous is not None:
        before = snapshot_signals(previous)
        moves = signal_moves(before, current, weights, config, result)
        then = previous_computed_score(previous, weights, config)
        if result.score is not None and then is not None:
            score_change = round(result.score - then, 1)
        weights_changed = _normal_weights(previous.weights) != _normal_weights(weights)
    flags = signal_flags(customer, current, weights, config, snapshots, today)
    return Explanation(
        customer=customer,
        result=result,
        weights_from=(
            f"profile {customer.scoring_profile}" if customer.scoring_profile else "global"
        ),
        previous=previous,
        previous_computed=then,
        score_change=score_change,
        weights_changed=weights_changed,
        moves=tuple(moves),
        flags=tuple(flags),
    )


def snapshot_signals(snapshot: ScoreSnapshot) -> dict[str, Any]:
    return {name: getattr(snapshot, name) for name in SIGNALS}


def previous_snapshot(
    snapshots: list[ScoreSnapshot], current: dict[str, Any]
) -> ScoreSnapshot | None:
    """The snapshot to compare today's signals with (`snapshots` newest first).

    The newest snapshot records the current score, so the comparison is with
    the one before it: that shows the move that produced the current score,
    plus any decay since. With a single snapshot, it is used when today's
    signals differ from it (decay alone, for instance).
    """
    if len(snapshots) >= 2:
        return snapshots[1]
    if snapshots and snapshot_signals(snapshots[0]) != current:
        return snapshots[0]
    return None


def previous_computed_score(
    snapshot: ScoreSnapshot, weights: dict[str, int], config: ScoringConfig
) -> float | None:
    """What the signals of a snapshot scored with the weights used then (a
    snapshot of a manual override records the override, not this)."""
    used = _normal_weights(snapshot.weights) if snapshot.weights else weights
    return compute_score(snapshot_signals(snapshot), used, config.thresholds).score


def signal_moves(
    before: dict[str, Any],
    after: dict[str, Any],
    weights: dict[str, int],
    config: ScoringConfig,
    result: ScoreResult,
) -> list[SignalMove]:
    moves = []
    for name in SIGNALS:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        delta = None
        if isinstance(old, int | float) and isinstance(new, int | float):
            delta = round(float(new) - float(old), 2)
        reverted = compute_score({**after, name: old}, weights, config.thresholds)
        effect = None  # None when either side is unscored
        if result.score is not None and reverted.score is not None:
            effect = round(result.score - reverted.score, 1)
        moves.append(
            SignalMove(signal=name, before=old, after=new, delta=delta, score_effect=effect)
        )
    return moves


def overdue_after(config: ScoringConfig, tier: str | None) -> int:
    """Days since contact beyond which a contact is overdue for the tier
    (a customer without a tier gets the loosest cadence)."""
    if tier in config.cadence:
        return config.cadence[tier][1]
    return max(pair[1] for pair in config.cadence.values())


def signal_flags(
    customer: Customer,
    current: dict[str, Any],
    weights: dict[str, int],
    config: ScoringConfig,
    snapshots: list[ScoreSnapshot],
    today: date,
) -> list[Flag]:
    flags: list[Flag] = []
    for name in SIGNALS:
        if weights.get(name, 0) <= 0:
            continue
        value = current.get(name)
        if value is None:
            flags.append(
                Flag(
                    "missing",
                    name,
                    f"{label('signal', name)} has no value, so it is left out of the score.",
                )
            )
        elif name == "growth" and value == "na":
            flags.append(
                Flag(
                    "not_applicable",
                    name,
                    "Growth is not applicable, so it is left out of the score.",
                )
            )
    days = current.get("days")
    if days is not None:
        limit = overdue_after(config, customer.tier)
        if days > limit:
            tier = label("tier", customer.tier) if customer.tier else "accounts without a tier"
            flags.append(
                Flag(
                    "overdue_contact",
                    "days",
                    f"last contact was {days} days ago, past the {limit}-day overdue "
                    f"cadence for {tier}.",
                )
            )
    if not snapshots:
        flags.append(Flag("stale_snapshot", None, "no score has been recorded yet."))
    else:
        age = (today - snapshots[0].taken_at.date()).days
        if age >= STALE_SNAPSHOT_DAYS:
            flags.append(
                Flag(
                    "stale_snapshot",
                    None,
                    f"the score was last recorded {age} days ago "
                    f"({STALE_SNAPSHOT_DAYS} or more is stale).",
                )
            )
    if customer.score_manual:
        flags.append(
            Flag(
                "manual_override",
                None,
                f"the score {customer.score} was set by hand; rescoring keeps it unless "
                "overrides are included.",
            )
        )
    return flags


def _normal_weights(weights: dict[str, Any]) -> dict[str, int]:
    return {name: int(weights.get(name, 0) or 0) for name in SIGNALS}


def explanation_to_dict(explanation: Explanation) -> dict[str, Any]:
    """The JSON shape of `iqcadence explain --json`."""
    customer = explanation.customer
    result = explanation.result
    previous = explanation.previous
    return {
        "name": customer.name,
        "score": customer.score,
        "band": customer.band,
        "score_source": "manual" if customer.score_manual else "computed",
        "computed_score": result.score,
        "computed_band": result.band,
        "weights_from": explanation.weights_from,
        "signals": [
            {
                "signal": line.signal,
                "value": line.value,
                "subscore": None if line.subscore is None else round(line.subscore, 1),
                "weight": line.weight,
                "contribution": None if line.contribution is None else round(line.contribution, 2),
                "present": line.present,
            }
            for line in result.lines
        ],
        "previous": None
        if previous is None
        else {
            "taken_at": previous.taken_at.isoformat(timespec="seconds"),
            "score": previous.score,
            "computed_score": explanation.previous_computed,
            "band": previous.band,
            "signals": snapshot_signals(previous),
        },
        "score_change": explanation.score_change,
        "weights_changed": explanation.weights_changed,
        "changes": [
            {
                "signal": move.signal,
                "from": move.before,
                "to": move.after,
                "delta": move.delta,
                "score_effect": move.score_effect,
            }
            for move in explanation.moves
        ],
        "flags": [
            {"kind": flag.kind, "signal": flag.signal, "message": flag.message}
            for flag in explanation.flags
        ],
    }
