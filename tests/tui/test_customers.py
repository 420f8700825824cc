"""Customers: tabs with counts, search, sort, filters, paging over SQL,
multi-select and bulk actions that reach the database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import customer, settle

pytestmark = pytest.mark.anyio


def names(app: Any) -> list[str]:
    return [row["name"] for row in app.screen.rows]


async def open_customers(pilot: Any) -> Any:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    return pilot.app.screen


class TestListing:
    async def test_tabs_show_counts_and_filter_by_band(self, make: Any) -> None:
        from textual.widgets import Tab

        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            screen = await open_customers(pilot)
            assert names(app) == ["Acme Corp", "Globex", "Hooli", "Initech", "Umbrella"]
            label = str(screen.query_one("#tab-all", Tab).label)
            assert label == "All 5"
            assert str(screen.query_one("#tab-churned", Tab).label) == "Churned 1"
            await pilot.press("right_square_bracket")  # → Healthy
            await settle(pilot)
            assert screen.tab == "healthy"
            assert all(r["band"] == "healthy" for r in screen.rows)
            assert "Hooli" in names(app)
            await pilot.press("left_square_bracket")  # back to All, then search
            await pilot.press("slash", *"glo")
            await settle(pilot)
            assert names(app) == ["Globex"]
            assert screen.total_rows == 1
            assert str(screen.query_one("#tab-all", Tab).label) == "All 1"
            await pilot.press("backspace", "backspace", "backspace")
            await settle(pilot)
            assert len(names(app)) == 5

    async def test_escape_leaves_the_search_box_then_goes_back(self, make: Any) -> None:
        from textual.widgets import Input

        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            screen = await open_customers(pilot)
            await pilot.press("slash", *"glo")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen and not screen.query_one("#search", Input).has_focus
            assert names(app) == ["Globex"]  # the search stays
            await pilot.press("escape")
            await settle(pilot)
            assert app.current_mode == "my_day"

    async def test_sort_by_picked_column_and_reverse(self, make: Any) -> None:
        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            await open_customers(pilot)
            await pilot.press("s")
            await settle(pilot)
            # Options: name, score, band, mrr, ... → MRR is the 4th.
            await pilot.press("down", "down", "down", "enter")
            await settle(pilot)
            assert app.screen.sort == "mrr" and app.screen.desc is True
            assert names(app)[0] == "Globex"
            await pilot.press("r")
            await settle(pilot)
            assert names(app)[0] == "Hooli"
            # A click on a column header sorts by that column.
            from textual.widgets import DataTable

            table = app.screen.query_one("#cust-table")
            table.post_message(
                DataTable.HeaderSelected(table, table.ordered_columns[2].key, 2, label="Score")
            )
            await settle(pilot)
            assert app.screen.sort == "score"
            scores = [r["score"] for r in app.screen.rows]
            assert scores == sorted(scores, reverse=True)

    async def test_sort_by_momentum_column(self, make: Any, portfolio_db: Any) -> None:
        from datetime import datetime

        from sqlalchemy import text
        from textual.widgets import DataTable

        # Scores 10 days ago (before the 7-day cutoff): Hooli has no history.
        past = {"Acme Corp": 40.0, "Globex": 90.0, "Initech": 30.0, "Umbrella": 95.0}
        with portfolio_db.session() as session:
            for name, score in past.items():
                session.connection().execute(
                    text(
                        "INSERT INTO score_snapshot (customer_id, taken_at, score, weights, "
                        "source) VALUES (:cid, :at, :score, '{}', 'test')"
                    ),
                    {
                        "cid": customer(portfolio_db, name).id,
                        "at": datetime(2026, 11, 17),
                        "score": score,
                    },
                )
            session.commit()
        now = {name: customer(portfolio_db, name).score for name in past}
        moves = {name: round(now[name] - past[name], 1) for name in past}
        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            screen = await open_customers(pilot)
            table = screen.query_one("#cust-table", DataTable)
            column = [c.key.value for c in table.ordered_columns].index("momentum")
            table.post_message(
                DataTable.HeaderSelected(
                    table, table.ordered_columns[column].key, column, label="7d"
                )
            )
            await settle(pilot)
            assert (screen.sort, screen.desc) == ("momentum", False)  # biggest drops first
            rising = sorted(moves, key=lambda n: moves[n])
            assert names(app) == [*rising, "Hooli"]  # no history: last
            assert [r["momentum"] for r in screen.rows] == [moves[n] for n in rising] + [None]
            await pilot.press("r")
            await settle(pilot)
            assert names(app) == [*reversed(rising), "Hooli"]

    async def test_filters_by_manager_and_tier(self, make: Any) -> None:
        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            await open_customers(pilot)
            await pilot.press("f")
            await settle(pilot)
            # The filter matches a whole name: the managers are offered to pick.
            manager = app.screen.query_one("#field-manager")
            offered = [str(option[0]) for option in manager._options if option[1] != manager.NULL]
            assert offered == ["Dana", "Lee", "Sam"]
            manager.value = "Lee"
            app.screen.query_one("#field-tier").value = "mid"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen.filters.manager == "Lee"
            assert sorted(names(app)) == ["Globex", "Umbrella"]

    async def test_enter_opens_the_record(self, make: Any) -> None:
        from iqcadence.tui.screens.customer360 import Customer360Screen

        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            await open_customers(pilot)
            await pilot.press("down", "enter")
            await settle(pilot)
            assert isinstance(app.screen, Customer360Screen)
            assert app.screen.record.customer.name == "Globex"


class TestPaging:
    async def test_window_moves_past_its_edge(self, database: Any) -> None:
        """With 260 customers only a window is in the table; the cursor
        running off its end loads the next window from SQL."""
        from iqcadence.tui.app import make_app
        from iqcadence.tui.screens.customers import WINDOW, WINDOW_MIN
        from tests.tui.conftest import TODAY, seed

        seed(database, {f"Cust {i:03d}": {"logins": i % 30, "mrr": i} for i in range(260)})
        app = make_app(database, today=TODAY)
        async with app.run_test(size=(140, 30)) as pilot:
            screen = await open_customers(pilot)
            table = screen.query_one("#cust-table")
            size = screen.window_size()  # about two screenfuls of rows
            assert WINDOW_MIN <= size <= WINDOW and size >= 2 * table.size.height - 1
            assert table.row_count == size and screen.total_rows == 260
            table.move_cursor(row=size - 1)
            await pilot.press("down")
            await settle(pilot)
            assert screen.window_offset > 0
            row = screen.rows[table.cursor_row]
            assert row["name"] == f"Cust {size:03d}"
            await pilot.press("G")
            await settle(pilot)
            assert screen.rows[-1]["name"] == "Cust 259"


class TestBulk:
    async def select_two(self, pilot: Any) -> Any:
        screen = await open_customers(pilot)
        await pilot.press("space", "space")  # Acme Corp, Globex
        await settle(pilot)
        assert len(screen.selected) == 2
        return screen

    async def test_add_tag_to_selection(self, make: Any, portfolio_db: Any) -> None:
        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            await self.select_two(pilot)
            await pilot.press("b")
            await settle(pilot)
            await pilot.press("down", "enter")  # Add a tag…
            await settle(pilot)
            await pilot.press(*"renewal-q1", "enter")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
        assert customer(portfolio_db, "Acme Corp").tags == "vip|renewal-q1"
        assert customer(portfolio_db, "Globex").tags == "renewal-q1"
        assert customer(portfolio_db, "Initech").tags == ""

    async def test_archive_selection_after_confirmation(self, make: Any, portfolio_db: Any) -> None:
        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            screen = await self.select_two(pilot)
            await pilot.press("b")
            await settle(pilot)
            await pilot.press("down", "down", "down", "enter")  # Archive
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
            assert names(app) == ["Hooli", "Initech", "Umbrella"]
            assert not screen.selected
        assert customer(portfolio_db, "Globex").status == "archived"

    async def test_declining_the_confirmation_changes_nothing(
        self, make: Any, portfolio_db: Any
    ) -> None:
        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            await self.select_two(pilot)
            await pilot.press("b")
            await settle(pilot)
            await pilot.press("down", "down", "enter")  # Set lifecycle…
            await settle(pilot)
            await pilot.press("enter")  # onboarding
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
        assert customer(portfolio_db, "Acme Corp").lifecycle == "active"

    async def test_set_lifecycle_and_rescore(self, make: Any, portfolio_db: Any) -> None:
        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            await self.select_two(pilot)
            await pilot.press("b")
            await settle(pilot)
            await pilot.press("down", "down", "enter", "enter", "y")  # lifecycle → onboarding
            await settle(pilot)
            assert customer(portfolio_db, "Acme Corp").lifecycle == "onboarding"
            await pilot.press("space")
            await pilot.press("b", "enter", "y")  # rescore the row under the cursor
            await settle(pilot)
        from iqcadence.core.store import audit
        from iqcadence.core.store.users import resolve_actor

        with portfolio_db.session() as session:
            actions = [e.action for e in audit.list_entries(session, resolve_actor(session))]
        assert "customer.rescore" in actions

    async def test_viewer_cannot_run_bulk_actions(self, make: Any, portfolio_db: Any) -> None:
        from tests.tui.test_customer360 import add_user

        add_user(portfolio_db, "viewer@example.com", "viewer")
        app = make(as_user="viewer@example.com")
        async with app.run_test(size=(140, 40)) as pilot:
            await self.select_two(pilot)
            await pilot.press("b")
            await settle(pilot)
            assert any("viewer" in n.message for n in app._notifications)


@pytest.mark.parametrize("colour", [False, True], ids=["no-colour", "colour"])
async def test_fast_drawing_matches_datatable(
    make: Any, colour: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table draws its one-line cells and rows itself (faster); every
    character must be drawn as DataTable would draw it, cursor and hover
    included, once the app's line filters are applied (in colour, the
    ANSI-to-truecolor one is the only one and the table applies it itself).
    A whole row carries one meta, its row (DataTable's gives each cell its
    column too, which a row cursor does not use); a cell drawn on its own
    carries DataTable's meta exactly."""
    if colour:
        monkeypatch.delenv("NO_COLOR", raising=False)
    from rich.segment import Segment
    from rich.style import Style
    from textual.coordinate import Coordinate
    from textual.widgets import DataTable

    from iqcadence.tui.widgets.customers import WindowTable

    def flat(lines: Any) -> list[tuple[str, Any]]:
        segments = [s for line in lines for s in line]
        return [(s.text, s.style) for s in Segment.simplify(segments)]

    def filtered(strip: Any) -> Any:
        """The line as the app's line filters leave it (the table applies
        the ANSI-to-truecolor one itself in a render pass)."""
        for line_filter in table.app.get_line_filters():
            strip = strip.apply_filter(line_filter, table.background_colors[1])
        return strip

    def characters(lines: Any) -> list[tuple[str, Any, Any, Any]]:
        drawn = []
        for line in lines:
            for segment in line:
                style = segment.style or Style()
                meta = style.meta
                for character in segment.text:
                    drawn.append(
                        (
                            character,
                            style.clear_meta_and_links(),
                            meta.get("row"),
                            meta.get("out_of_bounds", False),
                        )
                    )
        return drawn

    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_customers(pilot)
        await pilot.press("space")  # a selected row's marker cell too
        await settle(pilot)
        table = screen.query_one(WindowTable)
        keys = [table._row_locations.get_key(i) for i in range(table.row_count)]
        compared = 0
        for cursor in (Coordinate(0, 0), Coordinate(2, 0)):
            for hover in (Coordinate(1, 3), Coordinate(-1, 0)):
                for base in (table.rich_style, Style(bgcolor="red")):
                    for key in [*keys, table._header_row_key]:
                        table._clear_caches()
                        ours = WindowTable._render_line_in_row(table, key, 0, base, cursor, hover)
                        table._clear_caches()
                        theirs = DataTable._render_line_in_row(table, key, 0, base, cursor, hover)
                        assert characters(ours[1]) == characters(theirs[1]), (key, cursor, hover)
                        # The fixed columns (the mark and the name) too.
                        assert characters(ours[0]) == characters(theirs[0]), key
                        compared += 1
                    for row in range(-1, table.row_count):  # -1: the header
                        for column in range(len(table.columns)):
                            width = table.ordered_columns[column].get_render_width(table)
                            table._clear_caches()
                            ours_cell = WindowTable._render_cell(
                                table, row, column, base, width, row == cursor.row
                            )
                            table._clear_caches()
                            theirs_cell = DataTable._render_cell(
                                table, row, column, base, width, row == cursor.row
                            )
                            assert flat(ours_cell) == flat(theirs_cell), (row, column)
        assert compared == 2 * 2 * 2 * (len(keys) + 1)
        # Whole lines, as a render pass asks for them (header included), with
        # the cursor and the mouse on a line or elsewhere.
        width = table.size.width
        lines = 0
        for cursor_row in (1, 4):
            table.move_cursor(row=cursor_row, animate=False)
            for hover in (Coordinate(4, 2), Coordinate(-1, 0)):
                table.hover_coordinate = hover
                for y in range(table.size.height):
                    for base in (table.rich_style, Style(bgcolor="red")):
                        table._clear_caches()
                        table.pass_styles = {}
                        try:
                            ours_line = WindowTable._render_line(table, y, 0, width, base)
                        finally:
                            table.pass_styles = None
                        table._clear_caches()
                        theirs_line = DataTable._render_line(table, y, 0, width, base)
                        assert ours_line.cell_length == theirs_line.cell_length == width
                        assert characters([filtered(ours_line)]) == characters(
                            [filtered(theirs_line)]
                        ), y
                        lines += 1
        assert lines == 2 * 2 * 2 * table.size.height
        # Scrolled down (a table three lines tall): each line of the widget
        # below the header is the table's line further down.
        await pilot.resize_terminal(140, app.screen.size.height - table.size.height + 3)
        await settle(pilot)
        assert table.size.height == 3 and table.row_count == 5
        table.scroll_to(y=2, animate=False, immediate=True)
        await settle(pilot)
        assert table.scroll_offset.y == 2
        for y in range(table.size.height):
            table._clear_caches()
            table.pass_styles = {}
            try:
                ours_line = WindowTable.render_line(table, y)
            finally:
                table.pass_styles = None
            table._clear_caches()
            theirs_line = DataTable.render_line(table, y)
            assert characters([filtered(ours_line)]) == characters([filtered(theirs_line)]), y
        # In colour the table filters its lines itself (see get_line_filters).
        table.pass_styles = {}
        try:
            assert (table.get_line_filters() == ()) is colour
        finally:
            table.pass_styles = None


async def test_mouse_on_rows_and_headers(make: Any) -> None:
    """A click anywhere on a row puts the cursor on it (rows are drawn with
    one meta for the whole row); a click on a header sorts by its column."""
    from iqcadence.tui.widgets.customers import WindowTable

    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_customers(pilot)
        table = screen.query_one(WindowTable)
        assert table.cursor_row == 0
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        lifecycle_x = sum(widths[:-1]) + 1  # inside the last column
        await pilot.click(WindowTable, offset=(lifecycle_x, 3))  # header, then rows 0, 1, 2
        await settle(pilot)
        assert table.cursor_row == 2
        await pilot.hover(WindowTable, offset=(lifecycle_x, 4))
        await settle(pilot)
        assert table.hover_coordinate.row == 3
        await pilot.click(WindowTable, offset=(sum(widths[:2]) + 1, 0))  # the Score header
        await settle(pilot)
        assert screen.sort == "score"


async def test_adding_a_window_is_adding_its_rows() -> None:
    """WindowTable.add_window leaves the table as add_row row by row would
    (it fills DataTable's own structures directly)."""
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets.data_table import DuplicateKey

    from iqcadence.tui.widgets.customers import WindowTable

    class Two(App[None]):
        def compose(self) -> ComposeResult:
            yield WindowTable(id="one")
            yield WindowTable(id="two")

    rows = [(f"k{i}", [Text(f"name {i}"), Text(str(i), style="red")]) for i in range(7)]
    app = Two()
    async with app.run_test(size=(80, 30)) as pilot:
        one = app.query_one("#one", WindowTable)
        two = app.query_one("#two", WindowTable)
        for table in (one, two):
            table.add_column("Name", key="name")
            table.add_column("N", key="n")
            table.add_column("Extra", key="extra")  # rows leave it empty
        for key, cells in rows:
            one.add_row(*cells, key=key)
        two.add_window(rows)
        await pilot.pause()
        for table in (one, two):
            assert table.row_count == 7
        keys = [one._row_locations.get_key(i) for i in range(7)]
        assert keys == [two._row_locations.get_key(i) for i in range(7)]
        assert [one.rows[k] for k in keys] == [two.rows[k] for k in keys]
        assert [one._data[k] for k in keys] == [two._data[k] for k in keys]
        assert one._data[keys[0]]["extra"] is None
        assert one.cursor_coordinate == two.cursor_coordinate
        assert [c.content_width for c in one.ordered_columns] == [
            c.content_width for c in two.ordered_columns
        ]
        assert [one.get_row_at(i) for i in range(7)] == [two.get_row_at(i) for i in range(7)]
        with pytest.raises(DuplicateKey):
            two.add_window([("k1", [Text("again")])])


async def test_column_widths_match_datatable() -> None:
    """WindowTable measures one-line Text cells itself (faster); the column
    widths it finds are DataTable's, wide and non-ASCII characters, other
    cells and empty cells included."""
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from iqcadence.tui.widgets.customers import WindowTable

    class Both(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable(id="plain")
            yield WindowTable(id="window")

    rows = [
        [Text("Acme"), Text("—", style="dim"), "str cell", Text("▲+12", style="green")],
        [Text("東京 Trading"), Text("a\tb"), 12345, None],
        [Text("two\nlines"), Text("x" * 30), Text(""), Text("é")],
    ]
    app = Both()
    async with app.run_test(size=(160, 30)) as pilot:
        tables = [app.query_one("#plain", DataTable), app.query_one("#window", WindowTable)]
        for table in tables:
            for key in ("a", "b", "c", "d"):
                table.add_column(key.upper(), key=key)
        for i, cells in enumerate(rows):
            tables[0].add_row(*cells, key=f"r{i}")
        tables[1].add_window((f"r{i}", cells) for i, cells in enumerate(rows))
        await pilot.pause()
        widths = [[c.content_width for c in t.ordered_columns] for t in tables]
        assert widths[0] == widths[1]
        assert widths[1][0] == len("東京 Trading") + 2  # two wide characters
