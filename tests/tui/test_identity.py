"""Who the app acts as: the demo opens as one of its CSMs and says so; a
database of several users asks who is opening it; the header names a
person, never the machine's account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tui.conftest import TODAY, settle

pytestmark = pytest.mark.anyio


async def test_demo_opens_as_a_csm_with_her_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.cli import demo as demo_cli
    from iqcadence.core.demo.portfolio import DEMO_USER, build_demo
    from iqcadence.core.read import my_day
    from iqcadence.tui.app import IQCadenceApp

    monkeypatch.delenv("IQCADENCE_USER")
    path = tmp_path / "demo.db"
    build_demo(path, customers=60, seed=7)
    opened: list[IQCadenceApp] = []
    monkeypatch.setattr(IQCadenceApp, "run", lambda self, **_: opened.append(self))
    assert demo_cli._open_app(path, None)
    app = opened[0]
    assert app.actor.email == DEMO_USER
    assert app.actor.role == "csm"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.sub_title.startswith("Maya Chen · csm")
        said = [n.message for n in app._notifications]
        assert any("You are Maya Chen" in message for message in said)
        day = app.call_db(lambda s: my_day.build(s, app.actor, today=TODAY))
        assert day.mine_only
        assert app.screen.sub_title == "your accounts"
    app.database.dispose()


def test_several_users_are_picked_from_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    from iqcadence.cli import tui_launch

    asked: list[str] = []
    monkeypatch.setattr(typer, "echo", lambda line="": asked.append(str(line)))
    monkeypatch.setattr(typer, "prompt", lambda *_a, **_k: 2)
    users = [("admin", "Admin", "admin"), ("maya@x.io", "Maya Chen", "csm")]
    assert tui_launch.pick_user(users) == "maya@x.io"
    assert any("2. Maya Chen <maya@x.io> · csm" in line for line in asked)


async def test_header_names_the_person(make: Any) -> None:
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.sub_title.startswith(f"{app.actor.name} · admin")
