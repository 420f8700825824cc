"""The Customers table: a DataTable that holds one window of rows (about a
hundred) and asks its screen for the next window when the cursor or the
mouse wheel runs past either edge; the screen re-queries SQL for it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets._data_table import Row
from textual.widgets.data_table import DuplicateKey, RowKey

from iqcadence.tui.widgets.table_lines import LineDrawingTable


class WindowTable(LineDrawingTable):
    """A DataTable over a moving window of a longer, SQL-side list (cells are
    drawn again when a column's width changes, as in every Table)."""

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
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.more_before = False
        self.more_after = False

    def add_window(self, rows: Iterable[tuple[str, Sequence[object]]]) -> None:
        """Add one-line rows (key, cells) at the bottom, as add_row does one
        at a time but with the cursor checked and the table marked changed
        once for them all (add_row does both for every row)."""
        columns = [column.key for column in self.ordered_columns]
        start = self.row_count
        added = 0
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            self._row_locations[row_key] = start + added
            self._data[row_key] = dict(zip_longest(columns, cells))
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
            added += 1
        if not added:
            return
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if start == 0 and self.columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()  # as add_row does when a first row appears
        self._update_count += added
        self.check_idle()

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
