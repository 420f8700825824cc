"""100,000 customers: Customers opens, searches and sorts from SQL windows
(the table never holds more than one window)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.tui.conftest import TODAY, settle

pytestmark = pytest.mark.anyio

COUNT = 100_000


def fill(database: Any, count: int = COUNT) -> None:
    """Insert `count` scored customers in one executemany (not the ORM)."""
    from sqlalchemy import text

    from iqcadence.core.store import search_index

    rnd = random.Random(3)
    bands = ((10, "critical"), (40, "at_risk"), (60, "watch"), (75, "healthy"), (90, "expansion"))
    words = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell")
    rows = []
    for i in range(count):
        score, band = bands[i % len(bands)]
        name = f"{words[i % len(words)]} {rnd.choice(('Labs', 'Corp', 'Group'))} {i:06d}"
        rows.append(
            {
                "name": name,
                "key": name.casefold(),
                "score": score + (i % 7),
                "band": band,
                "mrr": float(100 + i % 5000),
                "tier": ("smb", "mid", "enterprise")[i % 3],
                "manager": ("Dana", "Lee", "Sam")[i % 3],
                "logins": i % 30,
            }
        )
    with database.engine.begin() as conn:
        search_index.suspend_search_triggers(conn)
        conn.execute(
            text(
                "INSERT INTO customer (client_id, name, name_key, tier, lifecycle, status, "
                "manager, mrr, arr, tags, logins, score, band, score_manual, created_at, "
                "updated_at) VALUES (1, :name, :key, :tier, 'active', 'active', :manager, "
                ":mrr, :mrr * 12, '', :logins, :score, :band, 0, '2026-11-01 00:00:00', "
                "'2026-11-01 00:00:00')"
            ),
            rows,
        )
        search_index.rebuild_search_index(conn)


async def test_customers_search_and_sort_at_100k(database: Any) -> None:
    from iqcadence.tui.app import make_app
    from iqcadence.tui.screens.customers import WINDOW

    fill(database)
    app = make_app(database, today=TODAY, start="customers")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#cust-table")
        assert screen.total_rows == COUNT
        assert table.row_count == screen.page_size <= WINDOW
        await pilot.press("slash", *"stark lab")
        await settle(pilot)
        assert 0 < screen.total_rows < COUNT
        assert all("Stark Labs" in row["name"] for row in screen.rows)
        await pilot.press("enter", "s", "down", "enter")  # sort by score, highest first
        await settle(pilot)
        scores = [row["score"] for row in screen.rows]
        assert scores == sorted(scores, reverse=True) and scores[0] >= 90
        assert table.row_count <= WINDOW
