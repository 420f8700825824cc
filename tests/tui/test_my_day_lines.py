"""My day's lines as a CSM reads them: renewal windows named by days."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import OptionList

from tests.tui.conftest import settle

pytestmark = pytest.mark.anyio


def _lines(app: Any, key: str) -> list[str]:
    widget = app.screen.query_one(f"#list-{key}", OptionList)
    return [str(widget.get_option_at_index(i).prompt) for i in range(widget.option_count)]


async def test_renewal_windows_are_named_by_days(make: Any) -> None:
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        renewals = _lines(app, "renewals")
        acme = next(line for line in renewals if line.startswith("Acme Corp"))
        assert "(≤ 30 d)" in acme  # Expansion, 23 days away: no band word
        assert not any(band in " ".join(renewals) for band in ("Critical", "Warning", "Upcoming"))


def _rendered(widget: Any) -> list[str]:
    from textual.geometry import Region

    width, height = widget.size
    return [strip.text for strip in widget.render_lines(Region(0, 0, width, height))]


async def test_lines_break_between_phrases(make: Any) -> None:
    """A narrow list never breaks "renews in 23 d" between the number and
    its unit, and every line fits the list."""
    app = make()
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        widget = app.screen.query_one("#list-renewals", OptionList)
        rendered = _rendered(widget)
        assert any("renews in 23 d" in line for line in rendered), rendered
        assert any(line.strip().startswith("MRR $5,000") for line in rendered), rendered


async def test_only_the_focused_list_shows_its_cursor(make: Any) -> None:
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        focused = app.screen.query_one("#list-renewals", OptionList)
        focused.focus()
        await settle(pilot)
        other = app.screen.query_one("#list-alerts", OptionList)
        assert other.highlighted == 0 and focused.highlighted == 0
        cursor = "option-list--option-highlighted"
        shown = focused.get_component_rich_style(cursor).bgcolor
        hidden = other.get_component_rich_style(cursor).bgcolor
        assert shown is not None and shown != hidden
        assert hidden is None or hidden == other.rich_style.bgcolor


async def test_five_panels_fill_six_cells(make: Any) -> None:
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        region = {
            key: app.screen.query_one(f"#panel-{key}").region
            for key in ("tasks", "alerts", "quiet")
        }
        assert region["alerts"].y == region["tasks"].y
        assert region["alerts"].bottom == region["quiet"].bottom


async def test_80x24_shows_the_lists_not_boxes(make: Any) -> None:
    """At 80×24 the KPIs take four lines and an empty list one line, so the
    day's items are on the first screen."""
    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#kpis").region.height <= 4
        tasks = app.screen.query_one("#panel-tasks")  # the fixture has no tasks
        assert tasks.region.height <= 4
        renewals = app.screen.query_one("#panel-renewals").region
        assert renewals.y < 24 - 6  # the renewals start on the first screen
