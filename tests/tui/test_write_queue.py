"""The app's writes while another program keeps the database busy: they
wait their turn (the user is told), are tried again past the busy timeout,
and are saved in the end instead of failing."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.tui.conftest import customer, settle

pytestmark = pytest.mark.anyio


@contextmanager
def another_writer(path: Path, *, for_seconds: float) -> Iterator[None]:
    """Another program holding the write lock, then committing a write."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE client SET name = name")

    def release() -> None:
        time.sleep(for_seconds)
        other.execute("COMMIT")

    thread = threading.Thread(target=release)
    thread.start()
    try:
        yield
    finally:
        thread.join()
        other.close()


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch, portfolio_db: Any) -> None:
    """A busy timeout shorter than the other program's write, so the app's
    write has to be tried again; the wait is announced at once."""
    from iqcadence.core.store import dialect

    monkeypatch.setattr(dialect, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(dialect, "LOCK_NOTICE_AFTER_MS", 50)
    portfolio_db.dispose()  # new connections take the short timeout


async def test_a_write_waits_for_another_program_and_is_saved(
    make: Any, portfolio_db: Any, db_path: Path, short_waits: None
) -> None:
    app = make()
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        target = customer(app.database, "Globex")
        app.open_customer(target.id)
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        # long enough that a loaded machine still checks while the lock is held
        with another_writer(db_path, for_seconds=3.0):
            await pilot.press("y")
            await pilot.pause(0.3)
            assert customer(portfolio_db, "Globex").status == "active"  # still waiting
        await settle(pilot)
        notes = [(n.title, n.message) for n in app._notifications]
        assert app.screen.record.customer.status == "archived"
    assert customer(portfolio_db, "Globex").status == "archived"
    assert [t for t, _m in notes if t == "Not done"] == []
    assert any(t == "Waiting" and "another program" in m.lower() for t, m in notes)


async def test_writes_asked_for_together_are_saved_in_order(
    make: Any, portfolio_db: Any, db_path: Path, short_waits: None
) -> None:
    from iqcadence.core.accounts import timeline

    app = make()
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        with another_writer(db_path, for_seconds=0.6):
            for n in range(5):
                app.write_db(
                    lambda s, n=n: timeline.log_event(
                        s, app.actor, "Initech", kind="note", title=f"note {n}"
                    )
                )
                await pilot.pause(0.02)
        await settle(pilot)
        assert [n.title for n in app._notifications if n.title == "Not done"] == []
    with portfolio_db.session() as session:
        events = timeline.list_events(session, app.actor, "Initech")
        titles = [e.title for e in sorted(events, key=lambda e: e.id) if e.title.startswith("note")]
    assert titles == [f"note {n}" for n in range(5)]
