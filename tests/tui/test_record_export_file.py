"""Customer 360's `E` (the record as a PDF) writes through the same checks as
the CLI: never over the database, and over an existing file only when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.factories import dump
from tests.tui.conftest import customer, settle

pytestmark = pytest.mark.anyio


async def export_to(pilot: Any, target: Path) -> None:
    app = pilot.app
    await settle(pilot)
    app.open_customer(customer(app.database, "Acme Corp").id)
    await settle(pilot)
    await pilot.press("E")
    await settle(pilot)
    app.screen.query_one("#field-path").value = str(target)
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_the_database_is_refused(make: Any, portfolio_db: Any, db_path: Path) -> None:
    from iqcadence.core.runtime import freshness
    from iqcadence.tui.screens.customer360 import Customer360Screen

    freshness.ensure_scores_current(portfolio_db)  # the day's decay refresh, done already
    app = make()
    before = dump(db_path)
    async with app.run_test(size=(140, 45)) as pilot:
        await export_to(pilot, db_path)
        assert isinstance(app.screen, Customer360Screen)  # nothing asked
        assert any("that is the database" in n.message for n in app._notifications)
    assert dump(db_path) == before


@pytest.mark.parametrize("answer", ["y", "n"])
async def test_an_existing_file_is_replaced_only_when_confirmed(
    make: Any, tmp_path: Path, answer: str
) -> None:
    from iqcadence.tui.modals.confirm import ConfirmModal

    target = tmp_path / "acme.pdf"
    target.write_text("old")
    app = make()
    async with app.run_test(size=(140, 45)) as pilot:
        await export_to(pilot, target)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press(answer)
        await settle(pilot)
    if answer == "y":
        assert target.read_bytes().startswith(b"%PDF")
    else:
        assert target.read_text() == "old"
