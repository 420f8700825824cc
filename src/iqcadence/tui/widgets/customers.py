"""The Customers table: a DataTable that holds one window of rows (about a
hundred) and asks its screen for the next window when the cursor or the
mouse wheel runs past either edge; the screen re-queries SQL for it."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable


class WindowTable(DataTable[object]):
    """A DataTable over a moving window of a longer, SQL-side list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_row", "Select", show=True),
        Binding("ctrl+home,g", "first", "First", show=False),
        Binding("ctrl+end,G", "last", "Last", show=False),
    ]

    class EdgeReached(Message):
        """The cursor tried to leave the window: `step` rows up (<0) or down (>0)."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    class ToggleRow(Message):
        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    class Jump(Message):
        def __init__(self, where: str) -> None:
            super().__init__()
            self.where = where

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.more_before = False
        self.more_after = False

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1 and self.more_after:
            self.post_message(self.EdgeReached(1))
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0 and self.more_before:
            self.post_message(self.EdgeReached(-1))
            return
        super().action_cursor_up()

    def action_page_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1 and self.more_after:
            self.post_message(self.EdgeReached(max(1, self.size.height - 2)))
            return
        super().action_page_down()

    def action_page_up(self) -> None:
        if self.cursor_row <= 0 and self.more_before:
            self.post_message(self.EdgeReached(-max(1, self.size.height - 2)))
            return
        super().action_page_up()

    def action_toggle_row(self) -> None:
        if self.row_count:
            self.post_message(self.ToggleRow(self.cursor_row))

    def action_first(self) -> None:
        self.post_message(self.Jump("first"))

    def action_last(self) -> None:
        self.post_message(self.Jump("last"))

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if self.scroll_y >= self.max_scroll_y and self.more_after:
            event.prevent_default()
            event.stop()
            self.post_message(self.EdgeReached(3))

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.scroll_y <= 0 and self.more_before:
            event.prevent_default()
            event.stop()
            self.post_message(self.EdgeReached(-3))

    async def _on_click(self, event: events.Click) -> None:
        # Handlers run along the class hierarchy: preventing the default stops
        # DataTable's own click handling for a shift-click.
        meta = event.style.meta
        if event.shift and "row" in meta and meta["row"] >= 0:
            event.prevent_default()
            event.stop()
            self.post_message(self.ToggleRow(int(meta["row"])))
