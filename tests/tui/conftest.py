"""TUI fixtures: a small portfolio, the app built by the real factory, and
a helper that waits until every database worker has finished."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

TODAY = date(2026, 11, 27)

PORTFOLIO: dict[str, dict[str, Any]] = {
    # Healthy/expansion, renewing soon.
    "Acme Corp": {
        "logins": 30,
        "adoption": 90,
        "tickets": 0,
        "nps": 10,
        "days": 5,
        "growth": "strong",
        "mrr": 5000,
        "tier": "enterprise",
        "manager": "Dana",
        "renewal_date": "2026-12-20",
        "tags": "vip",
    },
    # Critical, big, quiet.
    "Globex": {
        "logins": 1,
        "adoption": 10,
        "tickets": 5,
        "nps": 2,
        "days": 60,
        "mrr": 9000,
        "tier": "mid",
        "manager": "Lee",
        "renewal_date": "2027-01-15",
    },
    # Watch.
    "Initech": {
        "logins": 15,
        "adoption": 55,
        "tickets": 2,
        "nps": 7,
        "days": 20,
        "mrr": 1200,
        "tier": "smb",
        "manager": "Dana",
    },
    # At risk.
    "Umbrella": {
        "logins": 8,
        "adoption": 35,
        "tickets": 3,
        "nps": 5,
        "days": 40,
        "mrr": 3000,
        "tier": "mid",
        "manager": "Lee",
        "sentiment": "negative",
    },
    # Healthy, churned lifecycle.
    "Hooli": {
        "logins": 20,
        "adoption": 65,
        "tickets": 1,
        "nps": 8,
        "days": 10,
        "mrr": 800,
        "tier": "smb",
        "manager": "Sam",
        "lifecycle": "churned",
    },
}


def seed(database: Any, portfolio: dict[str, dict[str, Any]]) -> None:
    """Many customers in one transaction (quicker than `portfolio`'s one each)."""
    from iqcadence.core.accounts import customers
    from iqcadence.core.store.users import resolve_actor

    with database.session() as session:
        actor = resolve_actor(session)
        for name, values in portfolio.items():
            customers.apply_changes(session, actor, name, values, commit=False)
        session.commit()


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio through anyio's pytest plugin."""
    return "asyncio"


@pytest.fixture
def portfolio_accounts() -> dict[str, dict[str, Any]]:
    return PORTFOLIO


@pytest.fixture
def portfolio_db(database: Any, portfolio: dict[str, Any]) -> Any:
    """The database, holding the shared `portfolio` of PORTFOLIO's accounts."""
    return database


@pytest.fixture
def make(portfolio_db: Any) -> Callable[..., Any]:
    from iqcadence.tui.app import make_app

    def build(as_user: str | None = None) -> Any:
        return make_app(portfolio_db, as_user=as_user, today=TODAY)

    return build


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Let messages flow and database workers finish (twice: a finished
    worker often starts another, e.g. a page then its counts)."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def customer(database: Any, name: str) -> Any:
    """A fresh copy of a customer from the database (None when gone)."""
    from iqcadence.core.accounts.customers import find_customer

    with database.session() as session:
        return find_customer(session, 1, name)
