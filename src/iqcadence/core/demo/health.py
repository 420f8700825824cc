"""How a demo customer's health (0–1) becomes signal values: its own
leanings (`Bias`), the signals at a given health, and the health and trend
each customer starts from. Shared by the customers and history sections so a
customer's past and present agree."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any


def clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def noise(rng: random.Random, spread: float) -> float:
    """Cheap bell-ish noise with about `spread` standard deviation."""
    return (rng.random() + rng.random() - 1.0) * spread * 2.45


@dataclass(slots=True)
class Bias:
    """A customer's own leanings, so its signals move together over time."""

    logins: float
    adoption: float
    tickets: float
    nps: float
    days_now: int
    days_cycle: int
    has_nps: bool
    has_csat: bool
    has_tickets: bool
    growth_na: bool


def signals(health: float, bias: Bias, rng: random.Random, jitter: float) -> tuple[Any, ...]:
    """(logins, adoption, tickets, nps, csat, growth) at a given health (0–1)."""
    h = clamp(health, 0.0, 1.0)
    growth: str
    if bias.growth_na:
        growth = "na"
    elif h > 0.78:
        growth = "strong" if rng.random() < 0.6 else "mild"
    elif h > 0.5:
        growth = "mild" if rng.random() < 0.6 else "none"
    else:
        growth = "none"
    logins = int(round(clamp(34 * h + bias.logins + noise(rng, 2 * jitter), 0, 60)))
    adoption = round(clamp(100 * h + bias.adoption + noise(rng, 4 * jitter), 0, 100), 1)
    tickets = None
    if bias.has_tickets:
        tickets = int(round(clamp(5.5 * (1 - h) + bias.tickets + noise(rng, 0.6 * jitter), 0, 12)))
    nps = None
    if bias.has_nps:
        nps = int(round(clamp(2.5 + 7.5 * h + bias.nps + noise(rng, 0.8 * jitter), 0, 10)))
    csat = round(clamp(1 + 4 * h + noise(rng, 0.4), 1, 5), 1) if bias.has_csat else None
    return logins, adoption, tickets, nps, csat, growth


def health_and_trend(rng: random.Random) -> tuple[float, str]:
    """A health level spread over every band, and how it has been moving."""
    roll = rng.random()
    if roll < 0.08:
        health = rng.uniform(0.05, 0.28)
    elif roll < 0.2:
        health = rng.uniform(0.28, 0.5)
    elif roll < 0.45:
        health = rng.uniform(0.5, 0.66)
    elif roll < 0.8:
        health = rng.uniform(0.66, 0.82)
    else:
        health = rng.uniform(0.82, 0.98)
    trend_roll = rng.random()
    if trend_roll < 0.06 and health < 0.6:
        return health, "drop"
    if trend_roll < 0.28:
        return health, "declining"
    if trend_roll < 0.5:
        return health, "improving"
    return health, "steady"
