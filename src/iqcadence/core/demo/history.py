"""The demo's score history: about HISTORY_DAYS days of snapshots per
customer before today's, moving along the customer's trend, scored set-based
with the customer's own weights."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import Any

from sqlalchemy import JSON, bindparam, text

from iqcadence.core.accounts import rescore
from iqcadence.core.demo.bulk import bulk_insert, indexes_off
from iqcadence.core.demo.context import DemoContext, DemoCustomer
from iqcadence.core.demo.health import Bias, noise, signals
from iqcadence.core.scoring.formula import band_sql
from iqcadence.core.store import settings
from iqcadence.core.store.models import ScoreSnapshot

HISTORY_DAYS = 90
SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "customer_id", "taken_at", "logins", "adoption", "tickets", "nps", "csat", "growth",
    "days", "weights", "source",
)  # fmt: skip


def build_history(ctx: DemoContext) -> int:
    """About 90 days of snapshots per customer before today's, scored in SQL
    with the customer's own weights: steady, improving and declining lines,
    and sharp drops in the last week for a few."""
    rng = ctx.rng_for("history")
    conn = ctx.conn
    today = ctx.today
    # weekly points for a portfolio a person reads; sparser for the large ones
    # built to measure speed (every customer still spans the 90 days)
    step = 7 if ctx.size <= 5_000 else 15 if ctx.size <= 20_000 else 22
    biases: dict[int, Bias] = ctx.state.get("bias", {})
    written = 0
    table = ScoreSnapshot.__table__  # type: ignore[attr-defined]
    with indexes_off(conn, table):
        batch: list[tuple[Any, ...]] = []
        for customer in ctx.customers:
            bias = biases.get(customer.id)
            if bias is None:
                continue
            points = [max(7, d + rng.randrange(-1, 2)) for d in range(HISTORY_DAYS, 6, -step)]
            if customer.trend == "drop":
                points = [d for d in points if d > 9] + [9, rng.randrange(3, 6)]
            for days_ago in points:
                health = customer.health + _offset(customer, days_ago, rng)
                logins, adoption, tickets, nps, csat, growth = signals(health, bias, rng, 0.5)
                when = datetime.combine(today - timedelta(days=days_ago), dtime(8, 0))
                batch.append(
                    (
                        customer.id,
                        when + timedelta(minutes=rng.randrange(0, 600)),
                        logins,
                        adoption,
                        tickets,
                        nps,
                        csat,
                        growth,
                        _days_then(bias.days_now, days_ago, bias.days_cycle),
                        "{}",
                        "demo-history",
                    )
                )
            if len(batch) >= 20_000:
                written += bulk_insert(conn, "score_snapshot", SNAPSHOT_COLUMNS, batch)
                batch = []
        written += bulk_insert(conn, "score_snapshot", SNAPSHOT_COLUMNS, batch)
        written -= _score_history(ctx)
    return written


def _offset(customer: DemoCustomer, days_ago: int, rng: random.Random) -> float:
    """How much healthier (+) or sicker (−) the customer was `days_ago`."""
    share = days_ago / HISTORY_DAYS
    magnitude = 0.12 + 0.2 * ((customer.id * 7919) % 100) / 100
    if customer.trend == "declining":
        return magnitude * share
    if customer.trend == "improving":
        return -magnitude * share
    if customer.trend == "drop":
        return (0.3 + magnitude) if days_ago >= 7 else (0.3 + magnitude) * 0.4
    return noise(rng, 0.025)


def _days_then(days_now: int, days_ago: int, cycle: int) -> int:
    """Days since contact as it stood then: counting up between contacts."""
    if days_ago <= days_now:
        return days_now - days_ago
    return (days_ago - days_now) % cycle


def _score_history(ctx: DemoContext) -> int:
    """Score the history rows set-based with each customer's weights; returns
    how many rows had no signal to score and were dropped."""
    conn = ctx.conn
    config = settings.load_scoring_config(ctx.session, ctx.actor.client_id)
    profiles = settings.profile_weights(ctx.session, ctx.actor.client_id)
    for clause, params, weights in rescore.weight_sets(config, profiles):
        expression = rescore.score_sql(conn, weights, days_sql="days")
        conn.execute(
            text(
                f"UPDATE score_snapshot SET score = {expression}, weights = :weights, "
                "source = 'demo' WHERE source = 'demo-history' AND customer_id IN "
                f"(SELECT customer.id FROM customer WHERE {clause})"
            ).bindparams(bindparam("weights", type_=JSON())),
            {**params, "weights": dict(weights)},
        )
    dropped = conn.execute(text("DELETE FROM score_snapshot WHERE score IS NULL")).rowcount
    conn.execute(
        text(
            f"UPDATE score_snapshot SET band = {band_sql('score', config.thresholds)} "
            "WHERE band IS NULL"
        )
    )
    return int(dropped or 0)
