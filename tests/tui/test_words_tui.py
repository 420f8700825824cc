"""What the app shows people: labels for stored tokens, the palette's band
colours (five of them, no two alike), amounts in the client's currency,
right-aligned in tables and compact only in the KPI tiles."""

from __future__ import annotations

from typing import Any

import pytest
from rich.style import Style
from rich.text import Text

from iqcadence.core.base.palette import BAND_COLOURS
from iqcadence.core.scoring.formula import BANDS
from tests.tui.conftest import customer, settle

pytestmark = pytest.mark.anyio

RAW_TOKENS = {"at_risk", "atrisk", "smb", "mid", "enterprise", "churned", "active", "watch"}


def set_currency(database: Any, symbol: str) -> None:
    from iqcadence.core.store import display
    from iqcadence.core.store.users import resolve_actor

    with database.session() as session:
        display.set_currency(session, resolve_actor(session), symbol)


def colour_of(style: str | Style) -> str:
    parsed = Style.parse(style) if isinstance(style, str) else style
    assert parsed.color is not None and parsed.color.triplet is not None, style
    return parsed.color.triplet.hex.upper()


async def open_customers(pilot: Any) -> Any:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    return pilot.app.screen


async def test_customers_table_shows_labels_and_right_aligned_money(
    make: Any, portfolio_db: Any
) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_customers(pilot)
        table = screen.query_one("#cust-table")
        columns = [str(column.key.value) for column in table.ordered_columns]
        rows = {
            name: dict(
                zip(columns, table.get_row(str(customer(portfolio_db, name).id)), strict=True)
            )
            for name in ("Umbrella", "Initech", "Globex", "Hooli")
        }
        assert rows["Umbrella"]["band"].plain == "At Risk"
        assert rows["Initech"]["tier"].plain == "SMB"
        assert rows["Globex"]["tier"].plain == "Mid-Market"
        assert rows["Hooli"]["lifecycle"].plain == "Churned"
        for cells in rows.values():
            shown = {cell.plain for cell in cells.values() if isinstance(cell, Text)}
            assert not shown & RAW_TOKENS, shown
        mrr = rows["Globex"]["mrr"]
        assert mrr.plain == "$9,000" and mrr.justify == "right"
        header = next(c for c in table.ordered_columns if c.key.value == "mrr").label
        assert header.justify == "right"
        # Watch and At Risk no longer share one orange.
        assert colour_of(rows["Umbrella"]["band"].style) == BAND_COLOURS["at_risk"].hex
        assert colour_of(rows["Initech"]["band"].style) == BAND_COLOURS["watch"].hex


async def test_customers_filter_line_speaks_words(make: Any) -> None:
    from iqcadence.core.read.customer_pages import CustomerFilter

    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_customers(pilot)
        screen.filters = CustomerFilter(tier="smb", lifecycle="atrisk", tag="vip")
        assert screen.filters_text() == "filters: Tier SMB, Tag vip, Lifecycle At Risk"


async def test_my_day_bar_has_five_distinct_band_colours(make: Any) -> None:
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        content = app.screen.query_one("#kpi-bar").content
        assert isinstance(content, Text)
        bar, _, legend = content.plain.partition("\n")
        colours: dict[str, str] = {}
        for span in content.spans:
            piece = content.plain[span.start : span.end]
            if set(piece.strip()) == {"█"}:
                colours.setdefault(colour_of(span.style), piece)
        # Every band of the portfolio has cells in the bar, each in its own colour.
        wanted = {BAND_COLOURS[band].hex for band in BANDS}
        assert wanted <= set(colours)
        assert len({BAND_COLOURS[band].hex for band in BANDS}) == len(BANDS)
        for band in ("Critical", "At Risk", "Watch", "Healthy", "Expansion"):
            assert band in legend
        assert "at_risk" not in legend


async def test_my_day_lines_speak_words(make: Any) -> None:
    from textual.widgets import OptionList

    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        lists = app.screen.query(OptionList)
        shown = "\n".join(
            str(widget.get_option_at_index(i).prompt)
            for widget in lists
            for i in range(widget.option_count)
        )
        assert "MRR $5,000" in shown  # Acme renews in the window
        assert "Critical: " in shown or "Warning: " in shown
        assert "(Overdue)" in shown or "(Due soon)" in shown
        for token in ("critical:", "warning:", "due_soon", "overdue)"):
            assert token not in shown


async def test_currency_setting_shows_in_the_app(make: Any, portfolio_db: Any) -> None:
    set_currency(portfolio_db, "€")
    app = make()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        mrr_tile = app.screen.query_one("#kpi-mrr")
        # Total MRR 19,000: compact in the tile, in full on hover.
        assert "€19k" in str(mrr_tile.content)
        assert mrr_tile.tooltip == "Total MRR: €19,000"
        screen = await open_customers(pilot)
        table = screen.query_one("#cust-table")
        globex = customer(portfolio_db, "Globex")
        cells = dict(
            zip(
                [str(c.key.value) for c in table.ordered_columns],
                table.get_row(str(globex.id)),
                strict=True,
            )
        )
        assert cells["mrr"].plain == "€9,000"
        app.open_customer(globex.id)
        await settle(pilot)
        head = str(app.screen.query_one("#c360-head").render())
        assert "ARR €108,000" in head
        fields = app.screen.query_one("#fields")
        mrr_row = [str(cell) for cell in fields.get_row("std:mrr")]
        assert mrr_row == ["MRR", "€9,000"]
        tier_row = [str(cell) for cell in fields.get_row("std:tier")]
        assert tier_row == ["Tier", "Mid-Market"]
        recent = str(app.screen.query_one("#signals7").content)
        assert "Critical · Health: Globex is Critical" in recent
        assert "critical health" not in recent
