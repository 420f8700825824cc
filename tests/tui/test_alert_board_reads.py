"""The Alerts screen reads its board once when it opens, and lists a board
larger than one batch in full, a batch per turn of the event loop."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import settle

pytestmark = pytest.mark.anyio


async def test_opening_the_screen_reads_the_board_once(
    make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.read import alert_board

    reads: list[bool] = []
    real = alert_board.alert_board

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(alert_board, "alert_board", counted)
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert pilot.app.screen.loads == 1
        assert len(reads) == 1


async def test_a_board_larger_than_a_batch_is_listed_whole(
    make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets import DataTable

    from iqcadence.tui.screens.alerts import AlertsScreen

    monkeypatch.setattr(AlertsScreen, "FILL_BATCH", 2)
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        screen = pilot.app.screen
        board = screen.board
        rows = len(board.groups["category"]) + sum(
            len(items) for items in board.groups["category"].values()
        )
        assert rows > 2 * AlertsScreen.FILL_BATCH
        table = screen.query_one(DataTable)
        assert table.row_count == rows
        assert screen.loads == 1
        screen.show(board)  # one batch at once, the rest after the app has run
        assert table.row_count == AlertsScreen.FILL_BATCH and screen.loads == 1
        for _turn in range(200):  # a batch per turn, each after a short timer
            if screen.loads == 2:
                break
            await pilot.pause(0.01)
        assert table.row_count == rows and screen.loads == 2
