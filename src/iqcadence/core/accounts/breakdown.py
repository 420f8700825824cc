"""A score's breakdown: each signal's value, sub-score, weight and contribution,
beside the average sub-score of the customer's tier."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts.customers import signals_of, weights_for
from iqcadence.core.base import clock
from iqcadence.core.scoring.formula import SIGNALS, ScoringConfig, compute_score, subscore_sql
from iqcadence.core.store import dialect
from iqcadence.core.store.models import Customer


def tier_averages(
    session: Session, client_id: int, tier: str | None, today: date
) -> dict[str, float | None]:
    """Average sub-score of each signal over active customers of a tier."""
    conn = session.connection()
    days_sql = dialect.effective_days_sql(conn, today)
    columns = ", ".join(
        f"AVG({subscore_sql(name, days_sql=days_sql)}) AS {name}" for name in SIGNALS
    )
    tier_clause = "tier = :tier" if tier is not None else "tier IS NULL"
    row = (
        conn.execute(
            text(
                f"SELECT {columns} FROM customer WHERE client_id = :client_id "
                f"AND status = 'active' AND {tier_clause}"
            ),
            {"client_id": client_id, "tier": tier},
        )
        .mappings()
        .first()
    )
    return {
        name: (round(float(row[name]), 1) if row and row[name] is not None else None)
        for name in SIGNALS
    }


def breakdown(
    session: Session, customer: Customer, config: ScoringConfig, today: date | None = None
) -> dict[str, Any]:
    """Each signal's value, sub-score, weight and contribution, and the tier
    average sub-score beside it."""
    today = today or clock.today()
    result = compute_score(
        signals_of(customer, today), weights_for(session, customer, config), config.thresholds
    )
    averages = tier_averages(session, customer.client_id, customer.tier, today)
    return {
        "computed_score": result.score,
        "computed_band": result.band,
        "weights_from": f"profile {customer.scoring_profile}"
        if customer.scoring_profile
        else "global",
        "signals": [
            {
                "signal": line.signal,
                "value": line.value,
                "subscore": None if line.subscore is None else round(line.subscore, 1),
                "weight": line.weight,
                "contribution": None if line.contribution is None else round(line.contribution, 2),
                "present": line.present,
                "tier_average": averages.get(line.signal),
            }
            for line in result.lines
        ],
    }
