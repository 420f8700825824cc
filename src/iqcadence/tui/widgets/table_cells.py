"""Drawing one cell of a DataTable fast: the per-render-pass cache of styles
and lookups, the measuring of new rows' column widths, and a plain one-line
Text cell built segment for segment as DataTable would draw it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.render import measure
from textual.strip import Strip
from textual.widgets._data_table import default_cell_formatter
from textual.widgets.data_table import RowKey

from iqcadence.tui.widgets.common import Table

T = TypeVar("T")


class CellDrawingTable(Table):
    """A Table that keeps what cannot change within one render pass (styles,
    size, reactive attributes) for that pass, draws a plain one-line Text
    cell itself and measures it without Rich; anything else is drawn and
    measured as DataTable does."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pass_styles: dict[object, Any] | None = None

    # DataTable works out the widget's style and the row's (zebra) style
    # again for every line, walking up the DOM each time; within one render
    # pass they cannot change, so each is worked out once per pass.

    def render_lines(self, crop: Region) -> list[Strip]:
        self.pass_styles = {}
        try:
            return super().render_lines(crop)
        finally:
            self.pass_styles = None

    def in_pass(self, key: Any, compute: Callable[[], T]) -> T:
        """`compute()`, once per render pass (reactive attributes, the
        widget's size and the columns cost a lookup each time)."""
        cache = self.pass_styles
        if cache is None:
            return compute()
        try:
            value: T = cache[key]
            return value
        except KeyError:
            value = cache[key] = compute()
            return value

    @property
    def rich_style(self) -> Style:
        cache = self.pass_styles
        if cache is None:
            return super().rich_style
        style = cache.get("widget")
        if style is None:
            style = cache["widget"] = super().rich_style
        return style

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        cache = self.pass_styles
        if cache is None or row_index < max(0, self.fixed_rows):
            return super()._get_row_style(row_index, base_style)
        key = ("row", row_index % 2, base_style)
        style = cache.get(key)
        if style is None:
            style = cache[key] = super()._get_row_style(row_index, base_style)
        return style

    def _measure_new_rows(self, keys: list[RowKey]) -> None:
        """Column widths of new rows: a one-line Text cell is as wide as its
        text, so it is not measured through Rich (a window of a hundred rows
        is a thousand cells), nor first made into the row's renderables;
        anything else is measured as DataTable does."""
        for row_key in keys:
            row = self.rows.get(row_key)
            if row is None:
                continue
            if row.label is not None or row.auto_height:
                super()._measure_new_rows(keys)
                return
        console = self.app.console
        columns = self.columns
        ordered = self.ordered_columns
        column_keys = [column.key for column in ordered]
        widths = [column.content_width for column in ordered]
        for row_key in keys:
            if row_key not in self.rows:
                continue
            height = self.rows[row_key].height
            data = self._data[row_key]
            if list(data) == column_keys:  # the columns' own keys, in order: no lookups
                cells: Iterable[tuple[int, object]] = enumerate(data.values())
            else:
                index = {key: i for i, key in enumerate(column_keys)}
                cells = ((index[key], cell) for key, cell in data.items() if key in columns)
            for i, cell in cells:
                width = -1
                if isinstance(cell, Text):
                    text = cell.plain
                    if text.isascii() and text.isprintable():
                        width = len(text)
                    elif "\n" not in text and "\t" not in text:
                        width = cell_len(text)
                elif cell is None:
                    width = 0
                if width < 0:
                    width = measure(
                        console, default_cell_formatter(cell, height != 1, height) or "", 1
                    )
                if width > widths[i]:
                    widths[i] = width
        for column, width in zip(ordered, widths, strict=True):
            column.content_width = width
        # As DataTable does once widths are known: the scrollable size.
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(
            width + self._row_label_column_width, self._total_row_height + header
        )

    def fast_text(self, cell: object, width: int) -> tuple[str, int] | None:
        """The text and its width of a cell that can be drawn directly (see
        _render_cell), else None. (Text.plain joins its parts on every use.)"""
        if not isinstance(cell, Text) or cell.justify not in (None, "default", "left"):
            return None
        text = cell.plain
        if "\n" in text or "\t" in text:
            return None
        length = cell_len(text)
        if length > width - 2 * self.in_pass("pad", lambda: self.cell_padding):
            return None
        return text, length

    def body_cell_styles(
        self, hover: bool, cursor: bool, header: bool = False
    ) -> tuple[Style, Style]:
        """DataTable's styles for a body (or header) cell, not a label or
        fixed one."""
        return self._get_styles_to_render_cell(
            header,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )

    def cell_segments(
        self,
        cell: Text,
        text: str,
        length: int,
        width: int,
        pre: Style,
        post_style: Style,
        with_meta: Callable[[Style], Style],
    ) -> list[Segment]:
        """The segments DataTable would draw for a one-line, left-aligned Text
        that fits its column: padding, the text's own styles over the row's,
        the filling spaces, as Segment.simplify leaves them (a cell whose text
        is styled as its padding is one segment). Every style but the meta
        (`with_meta` adds it) is the same for many cells: within a render
        pass each is worked out once; the meta goes on last."""
        pad = self.in_pass("pad", lambda: self.cell_padding)
        cache = self.pass_styles if self.pass_styles is not None else {}

        def styled(segment_style: Style | None) -> Style:
            key = ("cell", pre, segment_style, post_style)
            style = cache.get(key)
            if style is None:
                combined = pre + segment_style
                style = cache[key] = combined + post_style if combined else post_style
            return style

        blank = styled(None)
        own: Style | None = None
        if cell.style:
            own = cache.get(("own", cell.style))
            if own is None:
                own = cache["own", cell.style] = self.pass_console().get_style(cell.style)
        fill = width - pad - length
        if not cell.spans:  # Text.render gives the whole text one unstyled segment
            text_style = styled(own)
            if not text or text_style == blank:
                return [Segment(" " * pad + text + " " * max(0, fill), with_meta(blank))]
            padding = with_meta(blank)
            line = [Segment(" " * pad, padding)] if pad else []
            line.append(Segment(text, with_meta(text_style)))
            if fill > 0:
                line.append(Segment(" " * fill, padding))
            return line
        padding = with_meta(blank)
        line = [Segment(" " * pad, padding)] if pad else []
        line.extend(
            Segment(part, with_meta(styled(own + style if own else style)))
            for part, style, _control in cell.render(self.pass_console(), end="")
            if part
        )
        if fill > 0:
            line.append(Segment(" " * fill, padding))
        return list(Segment.simplify(line))

    def pass_console(self) -> Console:
        return self.in_pass("console", lambda: self.app.console)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """DataTable renders each cell through Rich's layout (padding, wrapping,
        cropping), which makes the first frame of a full window slow. A
        one-line body or header cell holding a plain left-aligned Text that
        fits its column is built here directly, segment for segment the same;
        any other cell (wider text, other renderables, labels, fixed cells)
        goes the usual way."""
        header = row_index == -1
        if (
            row_index < -1
            or column_index < 0
            or (header and self.header_height != 1)
            or (not header and row_index < self.fixed_rows)
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._header_row_key if header else self._row_locations.get_key(row_index)
        key = (
            row_key,
            self._column_locations.get_key(column_index),
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(key)
        if cached is not None:
            return cached
        cell = self._get_row_renderables(row_index)[1][column_index]
        fast = self.fast_text(cell, width)
        if (
            (not header and self.rows[row_key].height != 1)
            or column_index < self.fixed_columns
            or fast is None
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self.body_cell_styles(hover, cursor, header)
        assert isinstance(cell, Text)
        meta = Style.from_meta({"row": row_index, "column": column_index})
        lines = [
            self.cell_segments(
                cell, *fast, width, base_style + component_style, post_style, lambda s: s + meta
            )
        ]
        self._cell_render_cache[key] = lines
        return lines
