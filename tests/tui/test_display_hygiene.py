"""Text stored by an older version with control characters in it (ESC, NUL,
U+202E) is shown without them on every screen that shows customer text."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.tui.conftest import settle

pytestmark = pytest.mark.anyio

LEGACY = "Glo\x1b[2Jbex\u202e\x00"
HIDDEN = ("\x1b", "\u202e", "\x00")


def screen_text(app: Any) -> str:
    screen = app.screen
    if not screen._compositor.render_strips():  # not composed since it was shown
        screen._refresh_layout(screen.size)
    strips = screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


@pytest.fixture
def legacy_id(portfolio_db: Any, db_path: Path) -> int:
    """Globex's id, after its name and manager were given control characters."""
    conn = sqlite3.connect(db_path)
    with conn:
        (customer_id,) = conn.execute("SELECT id FROM customer WHERE name = 'Globex'").fetchone()
        conn.execute(
            "UPDATE customer SET name = ?, manager = ? WHERE id = ?",
            (LEGACY, "Lee\x1b[31m", customer_id),
        )
    conn.close()
    return int(customer_id)


async def test_no_screen_shows_stored_control_characters(make: Any, legacy_id: int) -> None:
    app = make()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        shown = {"my day": screen_text(app)}
        for key, name in (("2", "customers"), ("3", "alerts")):
            await pilot.press(key)
            await settle(pilot)
            # the Alerts board lists its rows a batch per refresh, after the workers
            for _ in range(20):
                if "Glo" in screen_text(app):
                    break
                await pilot.pause(0.1)
            shown[name] = screen_text(app)
        app.open_customer(legacy_id)
        await settle(pilot)
        shown["customer 360"] = screen_text(app)
        await pilot.press("ctrl+k")
        await settle(pilot)
        await pilot.press(*"glo")
        await pilot.pause(0.5)
        await settle(pilot)
        shown["jump to a customer"] = screen_text(app)
    for name, text in shown.items():
        assert "Glo[2Jbex" in text, name
        for char in HIDDEN:
            assert char not in text, name
