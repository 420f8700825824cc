"""The app's frame: F1–F6 (and alt+digits) switch screens from anywhere (a
text field included), the footer and Help say which keys work in a form, and every
header carries the app's icon and name instead of Textual's placeholder."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import customer, settle

pytestmark = pytest.mark.anyio


def header_icon(screen: Any) -> str:
    from textual.widgets import Header

    return str(screen.query_one(Header).icon)


class TestScreenKeys:
    async def test_function_keys_switch_from_a_text_field(self, make: Any) -> None:
        from iqcadence.tui.app import SCREENS_BY_KEY

        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("2", "slash")  # the Customers search box has the focus
            await settle(pilot)
            assert app.focused is not None and app.focused.id == "search"
            await pilot.press("3")  # typed, not a screen switch
            await settle(pilot)
            assert app.current_mode == "customers"
            for pattern in ("f{}", "alt+{}"):
                for key, mode, _label in SCREENS_BY_KEY:
                    await pilot.press("f2", "slash")  # back in the search box
                    await settle(pilot)
                    assert app.focused is not None and app.focused.id == "search"
                    await pilot.press(pattern.format(key))
                    await settle(pilot)
                    assert app.current_mode == mode, pattern.format(key)

    async def test_help_says_which_keys_work_in_a_form(self, make: Any) -> None:
        from iqcadence.tui.screens.help import HELP

        assert "F1 … F6 | everywhere, in forms too" in HELP
        assert "1 … 6 | outside a text field" in HELP
        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            footer = " ".join(str(w.render()) for w in app.screen.query("FooterKey"))
            assert "F1–F6" in footer and "Screens" in footer


class TestHeader:
    async def test_every_screen_has_the_app_icon_and_name(
        self, make: Any, portfolio_db: Any
    ) -> None:
        from textual.widgets._header import HeaderTitle

        from iqcadence.tui.app import APP_ICON, SCREENS_BY_KEY

        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            for key, mode, _label in SCREENS_BY_KEY:
                await pilot.press(f"f{key}")
                await settle(pilot)
                assert header_icon(app.screen) == APP_ICON != "⭘", mode
                title = str(app.screen.query_one(HeaderTitle).render())
                assert title.startswith("iqcadence · "), title
            app.open_customer(customer(portfolio_db, "Globex").id)
            await settle(pilot)
            assert header_icon(app.screen) == APP_ICON
            title = str(app.screen.query_one(HeaderTitle).render())
            assert title == "iqcadence · Customer 360 — Globex"
