"""Drawing whole lines of a DataTable fast: a one-line body row of plain
Text cells as one strip (styles converted to true colour once per render
pass), and the fallbacks to DataTable's own drawing for any other line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.coordinate import Coordinate
from textual.filter import ANSIToTruecolor, LineFilter
from textual.strip import Strip
from textual.widgets.data_table import ColumnKey, RowKey

from iqcadence.tui.widgets.table_cells import CellDrawingTable

ROW_CURSOR: Literal["row"] = "row"
LEFT = (None, "default", "left")  # justifications drawn from the cell's left edge


class LineDrawingTable(CellDrawingTable):
    """A table with a row cursor whose body rows of plain one-line cells are
    drawn whole, line by line, in one loop each."""

    def render_line(self, y: int) -> Strip:
        """As DataTable.render_line (the line below the fixed rows scrolled,
        cropped to the widget), with what it works out for every line
        (fixed rows' height, scroll offset, size, style) once per pass."""
        if self.pass_styles is None:
            return super().render_line(y)
        fixed_height, scroll_x, scroll_y, width, base_style = self.in_pass(
            "line", self._line_geometry
        )
        if y >= fixed_height:
            y += scroll_y
        strip = self._render_line(y, scroll_x, scroll_x + width, base_style)
        truecolor = self.in_pass("truecolor", self._pass_truecolor)
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
        if self.pass_styles is not None and self.in_pass("truecolor", self._pass_truecolor):
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
        width = self.in_pass("width", lambda: self.size.width)
        if self.pass_styles is None or x1 != 0 or x2 != width:
            return super()._render_line(y, x1, x2, base_style)
        header, offsets = self.in_pass("offsets", self._line_offsets)
        if y < header or y - header >= len(offsets):
            return super()._render_line(y, x1, x2, base_style)
        row_key, line_no = offsets[y - header]
        cursor, hover, show_hover = self.in_pass(
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
            self.in_pass("cursor type", lambda: self.cursor_type),
            show_hover,
            self._update_count,
            self._pseudo_class_state,
            self.in_pass("truecolor", self._pass_truecolor),
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
            or not self.in_pass("plain rows", self._plain_rows)
            or row_index < self.in_pass("fixed rows", lambda: self.fixed_rows)
            or self.rows[row_key].height != 1
        ):
            return None
        columns = self.in_pass("row layout", self._row_layout)
        if columns is None:
            return None
        keys, widths, pad, used = columns
        cursor = cursor_location.row == row_index
        hover = hover_location.row == row_index
        truecolor = self.in_pass("truecolor", self._pass_truecolor)
        convert = self.in_pass("convert", lambda: self._converter(truecolor))
        blank, pre, post, extend, own_styles = self.in_pass(
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
                combined = pre + self.pass_console().get_style(own)
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
        component_style, post = self.body_cell_styles(hover, cursor)
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
        if used > self.in_pass("width", lambda: self.size.width):
            return None
        return [column.key for column in columns], widths, self.cell_padding, used

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
            or not self.in_pass("plain rows", self._plain_rows)
            or row_index < self.in_pass("fixed rows", lambda: self.fixed_rows)
            or self.rows[row_key].height != 1
        ):
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        show_cursor, show_hover = self.in_pass(
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
        widths = self.in_pass(
            "widths", lambda: [column.get_render_width(self) for column in self.ordered_columns]
        )
        texts = [self.fast_text(cell, width) for cell, width in zip(cells, widths, strict=False)]
        if len(cells) != len(widths) or None in texts:
            return super()._render_line_in_row(
                row_key, line_no, base_style, cursor_location, hover_location
            )
        cursor = cursor_location.row == row_index
        hover = hover_location.row == row_index
        row_style = self._get_row_style(row_index, base_style)
        component_style, post_style = self.body_cell_styles(hover, cursor)
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
            line.extend(self.cell_segments(cell, *fast, width, pre, post_style, with_meta))
        # The rest of the line, styled as DataTable extends a row.
        remaining = max(
            0,
            self.in_pass("width", lambda: self.size.width)
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
        keys = self.in_pass("column keys", lambda: [c.key for c in self.ordered_columns])
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
