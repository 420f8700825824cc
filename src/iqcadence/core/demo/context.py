"""What every demo section is handed and what the sections share about the
book: the context (database session, acting user, seed, dates, the customers and
managers built so far) and the section signature.

A section is a function `(ctx: DemoContext) -> int` that adds one kind of
record and returns how many rows it wrote; it draws its random numbers from
`ctx.rng_for(name)` so adding a section never changes the data of the others.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlmodel import Session

from iqcadence.core.base.actor import Actor

Section = Callable[["DemoContext"], int]


@dataclass(slots=True)
class DemoCustomer:
    """What sections know about each demo customer (score and band are set
    once the customers section has scored them)."""

    id: int
    name: str
    tier: str
    manager: str
    health: float  # 0–1, drives every signal
    trend: str  # steady | improving | declining | drop
    mrr: float
    renewal_date: date
    customer_since: date
    domain: str
    industry: str
    score: float | None = None
    band: str | None = None


@dataclass(frozen=True)
class DemoManager:
    name: str
    email: str


@dataclass
class DemoContext:
    session: Session
    actor: Actor
    seed: int
    size: int
    today: date
    now: datetime
    customers: list[DemoCustomer] = field(default_factory=list)
    managers: list[DemoManager] = field(default_factory=list)
    # what one section leaves for a later one (by section name)
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def conn(self) -> Connection:
        return self.session.connection()

    def rng_for(self, section: str) -> random.Random:
        """A random source of its own for each section (stable across runs)."""
        return random.Random(f"iqcadence-demo:{self.seed}:{section}")
