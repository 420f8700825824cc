"""The Customers table: a DataTable that holds one window of rows (about a
hundred) and asks its screen for the next window when the cursor or the
mouse wheel runs past either edge; the screen re-queries SQL for it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import zip_longest
from typing import Any, ClassVar, Literal, TypeVar

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.coordinate import Coordinate
from textual.filter import ANSIToTruecolor, LineFilter
from textual.geometry import Region, Size
from textual.message import Message
from textual.render import measure
from textual.strip import Strip
from textual.widgets._data_table import Row, default_cell_formatter
from textual.widgets.data_table import ColumnKey, DuplicateKey, RowKey

from iqcadence.tui.widgets.common import Table

T = TypeVar("T")
ROW_CURSOR: Literal["row"] = "row"
LEFT = (None, "default", "left")  # justifications drawn from the cell's left edge


class WindowTable(Table):
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
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.more_before = False
        self.more_after = False
        self._pass_styles: dict[object, Any] | None = None

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

    # DataTable works out the widget's style and the row's (zebra) style
    # again for every line, walking up the DOM each time; within one render
    # pass they cannot change, so each is worked out once per pass.

    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass_styles = {}
        try:
            return super().render_lines(crop)
        finally:
            self._pass_styles = None

    def render_line(self, y: int) -> Strip:
        """As DataTable.render_line (the line below the fixed rows scrolled,
        cropped to the widget), with what it works out for every line
        (fixed rows' height, scroll offset, size, style) once per pass."""
        if self._pass_styles is None:
            return super().render_line(y)
        fixed_height, scroll_x, scroll_y, width, base_style = self._in_pass(
            "line", self._line_geometry
        )
        if y >= fixed_height:
            y += scroll_y
        strip = self._render_line(y, scroll_x, scroll_x + width, base_style)
        truecolor = self._in_pass("truecolor", self._pass_truecolor)
        if truecolor is not None:
            # A row drawn whole is its own filtered strip (see _row_strip).
            strip = strip.apply_filter(*truecolor)
        return strip

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual converts the ANSI colours of every segment of every line
        to true colours after the line is drawn (a line filter), style by
        style; in a render pass where that is the only filter, the table
        applies it itself in render_line, and draws a whole row with its
        styles converted once for the pass."""
        if self._pass_styles is not None and self._in_pass("truecolor", self._pass_truecolor):
            return ()
        return super().get_line_filters()

    def _pass_truecolor(self) -> tuple[ANSIToTruecolor, Color] | None:
        """The ANSI-to-truecolor filter and the background it is applied
        over, when that is the widget's only line filter and nothing drawn
        around a line (tint, opacity, hatching) comes between the line and
        the filter; else None (the filters are applied as usual)."""
        filters = super().get_line_filters()
        if len(filters) != 1 or not isinstance(filters[0], ANSIToTruecolor):
            return None
        styles = self.styles
        if (
            styles.tint.a
            or self.opacity != 1
            or styles.text_opacity != 1
            or (styles.has_rule("hatch") and styles.hatch != "none")
        ):
            return None
        return filters[0], self.background_colors[1]

    def _line_geometry(self) -> tuple[int, int, int, int, Style]:
        fixed_height = sum(
            self.get_row_height(self._row_locations.get_key(index))
            for index in range(self.fixed_rows)
        )
        if self.show_header:
            fixed_height += self.get_row_height(self._header_row_key)
        scroll_x, scroll_y = self.scroll_offset
        return fixed_height, scroll_x, scroll_y, self.size.width, self.rich_style

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """DataTable joins a line's fixed and scrollable cells, crops them to
        the scrolled window and fits them to the widget's width. In a render
        pass, a body row drawn whole (see _render_line_in_row) that starts
        at the left edge and is as wide as the widget is that line already;
        any other line goes the usual way."""
        width = self._in_pass("width", lambda: self.size.width)
        if self._pass_styles is None or x1 != 0 or x2 != width:
            return super()._render_line(y, x1, x2, base_style)
        header, offsets = self._in_pass("offsets", self._line_offsets)
        if y < header or y - header >= len(offsets):
            return super()._render_line(y, x1, x2, base_style)
        row_key, line_no = offsets[y - header]
        cursor, hover, show_hover = self._in_pass(
            "coordinates",
            lambda: (self.cursor_coordinate, self.hover_coordinate, self._show_hover_cursor),
        )
        cache_key = (
            y,
            x1,
            x2,
            width,
            cursor,
            hover,
            base_style,
            self._in_pass("cursor type", lambda: self.cursor_type),
            show_hover,
            self._update_count,
            self._pseudo_class_state,
            self._in_pass("truecolor", self._pass_truecolor),
        )
        cached = self._line_cache.get(cache_key)
        if cached is not None:
            return cached
        if line_no == 0:
            whole = self._row_strip(row_key, base_style, cursor, hover, width)
            if whole is not None:
                self._line_cache[cache_key] = whole
                return whole
        fixed, scrollable = self._render_line_in_row(row_key, line_no, base_style, cursor, hover)
        if fixed or len(scrollable) != 1:  # not a row drawn whole
            return super()._render_line(y, x1, x2, base_style)
        strip = Strip(scrollable[0])
        if strip.cell_length != width:
            return super()._render_line(y, x1, x2, base_style)
        self._line_cache[cache_key] = strip
        return strip

    def _line_offsets(self) -> tuple[int, list[tuple[RowKey, int]]]:
        """The header's height and the (row, line in row) of each body line
        (DataTable._get_offsets, without its lookups for every line)."""
        return (self.header_height if self.show_header else 0), self._y_offsets

    def _row_strip(
        self,
        row_key: RowKey,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
        width: int,
    ) -> Strip | None:
        """A one-line body row of plain one-line Text cells that fill at most
        the widget's width, as a whole line: the characters and styles
        DataTable draws for it (see _render_line_in_row), built in one loop
        with each distinct style worked out once per render pass; None for
        any other row (drawn the usual way)."""
        row_index = self._row_locations.get(row_key)
        if (
            row_index is None
            or not self._in_pass("plain rows", self._plain_rows)
            or row_index < self._in_pass("fixed rows", lambda: self.fixed_rows)
            or self.rows[row_key].height != 1
        ):
            return None
        columns = self._in_pass("row layout", self._row_layout)
        if columns is None:
            return None
        keys, widths, pad, used = columns
        cursor = cursor_location.row == row_index
        hover = hover_location.row == row_index
        truecolor = self._in_pass("truecolor", self._pass_truecolor)
        convert = self._in_pass("convert", lambda: self._converter(truecolor))
        blank, pre, post, extend, own_styles = self._in_pass(
            ("row styles", row_index % 2, cursor, hover, base_style),
            lambda: self._row_styles(row_index, base_style, cursor, hover, convert),
        )
        spaces = " " * pad
        data = self._data[row_key]
        if list(data) != keys:  # cells not in the columns' order (compared by identity)
            return None
        texts: list[str] = []  # runs of text drawn in one style
        run_styles: list[Style] = []
        for cell, column_width in zip(data.values(), widths, strict=True):
            if type(cell) is not Text or cell.spans or cell.justify not in LEFT:
                return None
            text = cell.plain
            if text.isascii() and text.isprintable():
                length = len(text)
            elif "\n" in text or "\t" in text:
                return None
            else:
                length = cell_len(text)
            fill = column_width - pad - length
            if length > column_width - 2 * pad:
                return None
            own = cell.style
            style = blank if not own or not text else own_styles.get(own)
            if style is None:
                combined = pre + self._pass_console().get_style(own)
                style = convert(combined + post if combined else post)
                if style == blank:
                    style = blank
                own_styles[own] = style
            if style is blank:
                piece = spaces + text + " " * fill if fill > 0 else spaces + text
                if run_styles and run_styles[-1] is blank:
                    texts[-1] += piece
                else:
                    texts.append(piece)
                    run_styles.append(blank)
                continue
            if pad:
                if run_styles and run_styles[-1] is blank:
                    texts[-1] += spaces
                else:
                    texts.append(spaces)
                    run_styles.append(blank)
            if run_styles and run_styles[-1] is style:
                texts[-1] += text
            else:
                texts.append(text)
                run_styles.append(style)
            if fill > 0:
                texts.append(" " * fill)
                run_styles.append(blank)
        # One meta for the whole row, as _render_line_in_row draws it.
        meta = Style.from_meta({"row": row_index, "column": 0})
        with_meta: dict[int, Style] = {}
        segments = []
        for text, style in zip(texts, run_styles, strict=True):
            styled = with_meta.get(id(style))
            if styled is None:
                styled = with_meta[id(style)] = style + meta
            segments.append(Segment(text, styled))
        remaining = width - used
        segments.append(
            Segment(
                " " * remaining,
                extend + Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True}),
            )
        )
        strip = Strip(segments, width)
        if truecolor is not None:  # its styles are converted already
            strip._filter_cache[truecolor] = strip
        return strip

    @staticmethod
    def _converter(truecolor: tuple[ANSIToTruecolor, Color] | None) -> Callable[[Style], Style]:
        """A style as the line filter leaves it (see get_line_filters)."""
        if truecolor is None:
            return lambda style: style
        line_filter, background = truecolor
        rich_background = background.rich_color
        return lambda style: line_filter.truecolor_style(style, rich_background)

    def _row_styles(
        self,
        row_index: int,
        base_style: Style,
        cursor: bool,
        hover: bool,
        convert: Callable[[Style], Style],
    ) -> tuple[Style, Style, Style, Style, dict[str | Style, Style]]:
        """For _row_strip, DataTable's styles of a body row like this one
        (its zebra stripe, cursor and hover): padding and unstyled text, the
        styles a cell's own style goes between, the rest of the line, and a
        place for the styles of the cells' own styles; the styles drawn are
        as `convert` (the line filter, see get_line_filters) leaves them."""
        row_style = self._get_row_style(row_index, base_style)
        component_style, post = self._body_cell_styles(hover, cursor)
        pre = row_style + component_style
        blank = pre + post if pre else post
        extend, _ = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            False,
            False,
        )
        return convert(blank), pre, post, convert(row_style + extend), {}

    def _row_layout(self) -> tuple[list[ColumnKey], list[int], int, int] | None:
        """The columns' keys and widths, the cell padding and the columns'
        total width, for _row_strip; None when they do not fit the widget
        (a row is then cropped) or a row label column is drawn."""
        if self._row_label_column_width:
            return None
        columns = self.ordered_columns
        widths = [column.get_render_width(self) for column in columns]
        used = sum(widths)
        if used > self._in_pass("width", lambda: self.size.width):
            return None
        return [column.key for column in columns], widths, self.cell_padding, used

    def _in_pass(self, key: Any, compute: Callable[[], T]) -> T:
        """`compute()`, once per render pass (reactive attributes, the
        widget's size and the columns cost a lookup each time)."""
        cache = self._pass_styles
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
        cache = self._pass_styles
        if cache is None:
            return super().rich_style
        style = cache.get("widget")
        if style is None:
            style = cache["widget"] = super().rich_style
        return style

    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        cache = self._pass_styles
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

    def _fast_text(self, cell: object, width: int) -> tuple[str, int] | None:
        """The text and its width of a cell that can be drawn directly (see
        _render_cell), else None. (Text.plain joins its parts on every use.)"""
        if not isinstance(cell, Text) or cell.justify not in (None, "default", "left"):
            return None
        text = cell.plain
        if "\n" in text or "\t" in text:
            return None
        length = cell_len(text)
        if length > width - 2 * self._in_pass("pad", lambda: self.cell_padding):
            return None
        return text, length

    def _body_cell_styles(
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

    def _cell_segments(
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
        pad = self._in_pass("pad", lambda: self.cell_padding)
        cache = self._pass_styles if self._pass_styles is not None else {}

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
                own = cache["own", cell.style] = self._pass_console().get_style(cell.style)
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
            for part, style, _control in cell.render(self._pass_console(), end="")
            if part
        )
        if fill > 0:
            line.append(Segment(" " * fill, padding))
        return list(Segment.simplify(line))

    def _pass_console(self) -> Console:
        return self._in_pass("console", lambda: self.app.console)

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
        fast = self._fast_text(cell, width)
        if (
            (not header and self.rows[row_key].height != 1)
            or column_index < self.fixed_columns
            or fast is None
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._body_cell_styles(hover, cursor, header)
        assert isinstance(cell, Text)
        meta = Style.from_meta({"row": row_index, "column": column_index})
        lines = [
            self._cell_segments(
                cell, *fast, width, base_style + component_style, post_style, lambda s: s + meta
            )
        ]
        self._cell_render_cache[key] = lines
        return lines

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[list[list[Segment]], list[list[Segment]]]:
        """A whole body row of one-line cells in one go, as DataTable would
        draw it cell by cell: with a row cursor every cell of a row shares its
        cursor and hover state, hence its styles. Anything else (the header,
        fixed or labelled columns, other cursors) goes the usual way."""
        row_index = self._row_locations.get(row_key)
        if (
            row_index is None
            or line_no != 0
            or not self._in_pass("plain rows", self._plain_rows)
            or row_index < self._in_pass("fixed rows", lambda: self.fixed_rows)
            or self.rows[row_key].height != 1
        ):
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        show_cursor, show_hover = self._in_pass(
            "cursors", lambda: (self.show_cursor, self._show_hover_cursor)
        )
        cache_key = (
            row_key,
            line_no,
            base_style,
            cursor_location,
            hover_location,
            ROW_CURSOR,
            show_cursor,
            show_hover,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        cells = self._plain_cells(row_key, row_index)
        widths = self._in_pass(
            "widths", lambda: [column.get_render_width(self) for column in self.ordered_columns]
        )
        texts = [self._fast_text(cell, width) for cell, width in zip(cells, widths, strict=False)]
        if len(cells) != len(widths) or None in texts:
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        cursor = cursor_location.row == row_index
        hover = hover_location.row == row_index
        row_style = self._get_row_style(row_index, base_style)
        component_style, post_style = self._body_cell_styles(hover, cursor)
        pre = row_style + component_style
        # One meta for the whole row (DataTable gives each cell its column):
        # with a row cursor a click or hover anywhere on a row stands for the
        # row, as beyond its last cell; the cells' styles then repeat, and
        # neighbouring cells styled alike are one segment.
        meta = Style.from_meta({"row": row_index, "column": 0})
        metas: dict[Style, Style] = {}

        def with_meta(style: Style) -> Style:
            styled = metas.get(style)
            if styled is None:
                styled = metas[style] = style + meta
            return styled

        line: list[Segment] = []
        for cell, fast, width in zip(cells, texts, widths, strict=False):
            assert isinstance(cell, Text) and fast is not None
            line.extend(self._cell_segments(cell, *fast, width, pre, post_style, with_meta))
        # The rest of the line, styled as DataTable extends a row.
        remaining = max(
            0,
            self._in_pass("width", lambda: self.size.width)
            - sum(widths)
            - self._row_label_column_width,
        )
        extend_style, _ = self._get_styles_to_render_cell(
            False,
            False,
            False,
            self._should_highlight(hover_location, Coordinate(row_index, 0), "row"),
            cursor,
            show_cursor,
            show_hover,
            False,
            False,
        )
        extend_style = row_style + extend_style
        extend_style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        line.append(Segment(" " * remaining, extend_style))
        pair: tuple[list[list[Segment]], list[list[Segment]]] = ([], [list(Segment.simplify(line))])
        self._row_render_cache[cache_key] = pair
        return pair

    def _plain_cells(self, row_key: RowKey, row_index: int) -> list[object]:
        """The row's cells as DataTable would render them: Text cells as they
        are (DataTable's cell formatter keeps them), no cell as empty text;
        any other row through DataTable's formatting."""
        keys = self._in_pass("column keys", lambda: [c.key for c in self.ordered_columns])
        data = self._data[row_key]
        cells = [data.get(key) for key in keys]
        if all(isinstance(cell, Text) for cell in cells):
            return cells
        return list(self._get_row_renderables(row_index)[1])

    def _plain_rows(self) -> bool:
        """Whether body rows can be drawn whole (see _render_line_in_row)."""
        return (
            self.cursor_type == "row"
            and not self.fixed_columns
            and not (self._labelled_row_exists and self.show_row_labels)
        )

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
