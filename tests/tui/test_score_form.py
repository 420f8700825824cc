"""Score a customer: MRR and ARR kept in step as fast as anyone types (the
field being typed in is never rewritten), ctrl+n empties both, the form
starts in Name and Tab follows reading order with the focused field
marked, and digits type into fields while F1–F6 switch screens."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import customer, settle

pytestmark = pytest.mark.anyio

READING_ORDER = [
    "in-name",
    "in-mrr",
    "in-arr",
    "in-renewal_date",
    "in-manager",
    "in-tags",
    "in-tier",
    "in-lifecycle",
    "in-sentiment",
    "in-logins",
    "in-adoption",
    "in-tickets",
    "in-nps",
    "in-csat",
    "in-days",
    "in-growth",
    "save",
]


async def open_form(pilot: Any) -> Any:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    return pilot.app.screen


def value(screen: Any, key: str) -> str:
    from textual.widgets import Input

    return str(screen.query_one(f"#in-{key}", Input).value)


def burst(screen: Any, key: str, *keys: str) -> None:
    """Keys that reach the `key` field faster than the screen handles the
    changes they make (a quick typist, a paste of keystrokes): each is
    applied at once, and their Changed messages queue up behind."""
    from textual.widgets import Input

    box = screen.query_one(f"#in-{key}", Input)
    for one in keys:
        if one == "backspace":
            box.action_delete_left()
        else:
            box.insert_text_at_cursor(one)


class TestMoney:
    async def test_typing_mrr_fills_arr_without_touching_mrr(
        self, make: Any, portfolio_db: Any
    ) -> None:
        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_form(pilot)
            await pilot.press(*"Newco", "tab")
            burst(screen, "mrr", *"5000")
            await settle(pilot)
            assert (value(screen, "mrr"), value(screen, "arr")) == ("5000", "60000")
            burst(screen, "mrr", "backspace")
            await settle(pilot)
            assert (value(screen, "mrr"), value(screen, "arr")) == ("500", "6000")
            burst(screen, "mrr", "backspace", "backspace", *"75")
            await settle(pilot)
            assert (value(screen, "mrr"), value(screen, "arr")) == ("575", "6900")
            await pilot.press("backspace", "backspace", *"25")  # one key at a time too
            await settle(pilot)
            assert (value(screen, "mrr"), value(screen, "arr")) == ("525", "6300")
            await pilot.press("ctrl+s")
            await settle(pilot)
        saved = customer(portfolio_db, "Newco")
        assert (saved.mrr, saved.arr) == (525, 6300)

    async def test_typing_arr_fills_mrr_and_saves_the_arr_typed(
        self, make: Any, portfolio_db: Any
    ) -> None:
        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_form(pilot)
            await pilot.press(*"Newco", "tab", "tab")
            burst(screen, "arr", *"5000")
            await settle(pilot)
            assert (value(screen, "mrr"), value(screen, "arr")) == ("416.67", "5000")
            await pilot.press(*"000")
            await settle(pilot)
            assert (value(screen, "mrr"), value(screen, "arr")) == ("416666.67", "5000000")
            await pilot.press("ctrl+s")
            await settle(pilot)
        saved = customer(portfolio_db, "Newco")
        assert (saved.mrr, saved.arr) == (416666.67, 5000000)

    async def test_ctrl_n_clears_mrr_and_arr(self, make: Any) -> None:
        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_form(pilot)
            await pilot.press(*"Newco", "tab")
            burst(screen, "mrr", *"5000")
            screen.action_clear()  # ctrl+n before those changes were handled
            await settle(pilot)
            assert [value(screen, k) for k in ("name", "mrr", "arr")] == [""] * 3
            await pilot.press("tab", *"12", "tab", "tab", *"2026-12-01", "ctrl+n")
            await settle(pilot)
            assert [value(screen, k) for k in ("name", "mrr", "arr", "renewal_date")] == [""] * 4
            assert app.focused is not None and app.focused.id == "in-name"
            await pilot.press("tab", *"12")  # and the pair still follows afterwards
            await settle(pilot)
            assert (value(screen, "mrr"), value(screen, "arr")) == ("12", "144")


class TestFocus:
    async def test_starts_in_name_and_tab_reads_the_form_in_order(self, make: Any) -> None:
        from textual.widgets import Label

        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_form(pilot)
            assert [w.id for w in screen.focus_chain] == READING_ORDER
            visited = []
            for _ in READING_ORDER:
                assert app.focused is not None
                visited.append(app.focused.id)
                await pilot.press("tab")
            assert visited == READING_ORDER
            assert app.focused is not None and app.focused.id == "in-name"  # round again
            await pilot.press("tab")
            await settle(pilot)
            # The focused field's label is marked; the others are not.
            labels = {
                row.query_one("Input, Select").id: row.query_one(Label)
                for row in screen.query(".field-row")
            }
            assert labels["in-mrr"].rich_style.bold
            assert not labels["in-name"].rich_style.bold
            assert labels["in-mrr"].rich_style.color != labels["in-name"].rich_style.color

    async def test_digits_type_and_function_keys_switch_screens(self, make: Any) -> None:
        from iqcadence.tui.screens.customers import CustomersScreen
        from iqcadence.tui.screens.score import ScoreScreen

        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_form(pilot)
            await pilot.press("5", "2")
            await settle(pilot)
            assert value(screen, "name") == "52" and isinstance(app.screen, ScoreScreen)
            footer = " ".join(str(w.render()) for w in screen.query("FooterKey"))
            assert "F1–F6" in footer and "Screens" in footer
            await pilot.press("f2")
            await settle(pilot)
            assert isinstance(app.screen, CustomersScreen)
            await pilot.press("alt+4")  # alt+digit too, where the terminal sends it
            await settle(pilot)
            assert app.screen is screen and value(screen, "name") == "52"
