"""Customer 360's field editor: Enter on a field opens a dialog naming the
field, its type and what it accepts, with the core parser's sentence on
every change; Enter saves through the core; a refused save keeps it open
with the core's sentence; Escape cancels; viewers cannot open it. And the
fields panel and header print scores as every other screen does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import customer, settle
from tests.tui.test_customer360 import add_user, open_record

pytestmark = pytest.mark.anyio


async def edit(pilot: Any, screen: Any, key: str) -> Any:
    """Enter on the `key` row of the fields ("std:mrr", "cf:plan"): the dialog."""
    from textual.widgets import DataTable

    table = screen.query_one("#fields", DataTable)
    table.move_cursor(row=table.get_row_index(key))
    table.focus()
    await pilot.press("enter")
    await settle(pilot)
    return pilot.app.screen


def verdict(modal: Any) -> str:
    return str(modal.query_one("#edit-verdict").render())


class TestEditor:
    async def test_a_number_is_typed_visibly_checked_and_saved(
        self, make: Any, portfolio_db: Any
    ) -> None:
        from textual.widgets import Input

        from iqcadence.tui.modals.field_edit import FieldEditModal

        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await open_record(pilot, "Initech")
            modal = await edit(pilot, screen, "std:mrr")
            assert isinstance(modal, FieldEditModal) and screen.editing == "std:mrr"
            about = str(modal.query_one("#edit-about").render())
            assert "Number" in about and "monthly revenue ≥ 0" in about
            assert "MRR — Initech" in str(modal.query_one(".question").render())
            box = modal.query_one("#edit-value", Input)
            assert box.value == "1200" and box.has_focus
            assert box.region.width >= 40  # as wide as the dialog, not one column
            await pilot.press(*"-5")  # the starting value is selected: typing replaces it
            await settle(pilot)
            assert box.value == "-5"
            assert "-5" in str(box.render_line(0).text)  # the typed text is on screen
            assert "mrr: must be at least 0, got -5." in verdict(modal)
            await pilot.press("enter")  # refused before anything is sent
            await settle(pilot)
            assert app.screen is modal
            assert customer(portfolio_db, "Initech").mrr == 1200
            box.value = "2500"
            await settle(pilot)
            assert "Saves as $2,500" in verdict(modal)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen and screen.editing is None
            assert screen.record.data["mrr"] == 2500
        row = customer(portfolio_db, "Initech")
        assert (row.mrr, row.arr) == (2500, 30000)

    async def test_escape_cancels_and_leaves_the_record_open(
        self, make: Any, portfolio_db: Any
    ) -> None:
        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await open_record(pilot, "Initech")
            modal = await edit(pilot, screen, "std:nps")
            await pilot.press(*"11")
            await settle(pilot)
            assert "nps: must be between 0 and 10, got 11." in verdict(modal)
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen and screen.editing is None
        assert customer(portfolio_db, "Initech").nps == 7

    async def test_a_refused_save_keeps_the_dialog_open_with_the_sentence(
        self, make: Any, portfolio_db: Any
    ) -> None:
        from textual.widgets import Button

        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await open_record(pilot, "Initech")
            modal = await edit(pilot, screen, "std:name")
            assert "required" in str(modal.query_one("#edit-about").render())
            await pilot.press(*"Globex")  # valid text, but the name is taken
            await settle(pilot)
            assert "Saves as Globex" in verdict(modal)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is modal
            assert "name: a customer named 'Globex' already exists." in verdict(modal)
            assert not modal.query_one("#save", Button).disabled
            assert not app._notifications  # said in the dialog, not in a toast
        assert customer(portfolio_db, "Initech") is not None

    async def test_choice_fields_list_their_options_by_label(
        self, make: Any, portfolio_db: Any
    ) -> None:
        from textual.widgets import OptionList

        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await open_record(pilot, "Initech")
            modal = await edit(pilot, screen, "std:tier")
            options = modal.query_one("#edit-choice", OptionList)
            shown = [str(options.get_option_at_index(i).prompt) for i in range(3)]
            assert shown == ["SMB", "Mid-Market", "Enterprise"]
            assert options.region.width >= 40 and options.region.height >= 4
            assert options.highlighted == 0  # the current value, SMB
            assert "SMB, Mid-Market, Enterprise" in str(modal.query_one("#edit-about").render())
            await pilot.press("down", "down")
            await settle(pilot)
            assert "Saves as Enterprise" in verdict(modal)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen
            # A required choice offers no way to clear it.
            modal = await edit(pilot, screen, "std:lifecycle")
            ids = [o.id for o in modal.query_one("#edit-choice", OptionList).options]
            assert len(ids) == 5 and all(not i.startswith("\x00") for i in ids)
        assert customer(portfolio_db, "Initech").tier == "enterprise"

    async def test_custom_dropdown_field(self, make: Any, portfolio_db: Any) -> None:
        from textual.widgets import OptionList

        from iqcadence.core.accounts import custom_fields
        from iqcadence.core.store.users import resolve_actor

        with portfolio_db.session() as session:
            custom_fields.define_field(
                session, resolve_actor(session), "plan", type="dropdown", options=["gold", "silver"]
            )
        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await open_record(pilot, "Initech")
            modal = await edit(pilot, screen, "cf:plan")
            options = modal.query_one("#edit-choice", OptionList)
            assert [str(o.prompt) for o in options.options][:2] == ["gold", "silver"]
            assert "Dropdown" in str(modal.query_one("#edit-about").render())
            await pilot.press("enter")
            await settle(pilot)
            assert any(i["text"] == "gold" for i in screen.record.custom_fields)

    async def test_viewer_cannot_open_the_editor(self, make: Any, portfolio_db: Any) -> None:
        from iqcadence.tui.modals.field_edit import FieldEditModal

        add_user(portfolio_db, "viewer@example.com", "viewer")
        app = make(as_user="viewer@example.com")
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await open_record(pilot, "Initech")
            assert screen.has_class("read-only")
            await edit(pilot, screen, "std:mrr")
            assert not isinstance(app.screen, FieldEditModal) and screen.editing is None
            assert any("read" in n.message for n in app._notifications)

    async def test_at_80_by_24_the_editor_is_on_screen(self, make: Any) -> None:
        """The fields panel is stacked under 110 columns; the dialog sits in
        the middle of the terminal whatever row was chosen."""
        from textual.widgets import Input

        app = make()
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_record(pilot, "Initech")
            modal = await edit(pilot, screen, "std:notes")
            dialog = modal.query_one(".dialog").region
            assert dialog.x >= 0 and dialog.right <= 80 and dialog.y >= 0 and dialog.bottom <= 24
            box = modal.query_one("#edit-value", Input).region
            assert box.width >= 40 and dialog.contains_region(box)
            assert dialog.contains_region(modal.query_one("#edit-verdict").region)


class TestScoresShown:
    async def test_header_and_fields_print_scores_to_one_decimal(
        self, make: Any, portfolio_db: Any
    ) -> None:
        from textual.widgets import DataTable

        from iqcadence.core.accounts import customers
        from iqcadence.core.store.users import resolve_actor

        with portfolio_db.session() as session:
            customers.apply_changes(session, resolve_actor(session), "Hooli", {"score": 37})
        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await open_record(pilot, "Hooli")
            head = str(screen.query_one("#c360-head").render())
            assert " 37.0 " in head
            table = screen.query_one("#fields", DataTable)
            assert str(table.get_row("std:score")[1]) == "37.0 (manual override)"
            await pilot.press("escape")
            screen = await open_record(pilot, "Initech")
            score = screen.record.data["score"]
            table = screen.query_one("#fields", DataTable)
            assert str(table.get_row("std:score")[1]) == f"{score:.1f} (computed)"
            modal = await edit(pilot, screen, "std:score")
            assert "no override: the computed score" in verdict(modal)
