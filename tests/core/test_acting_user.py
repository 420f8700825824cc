"""Who acts when nobody is named: the database's one user, else a choice,
never the login name of the machine's account."""

from __future__ import annotations

from typing import Any

import pytest

from iqcadence.core.base.errors import NotFound


def _add(database: Any, email: str, name: str, role: str = "csm") -> None:
    from iqcadence.core.store.models import User

    with database.transaction() as session:
        session.add(User(email=email, name=name, role=role))


def test_the_one_user_acts(database: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from iqcadence.core.store.users import resolve_actor

    monkeypatch.delenv("IQCADENCE_USER")
    with database.session() as session:
        actor = resolve_actor(session)
    assert actor.role == "admin"


def test_several_users_must_be_chosen(database: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    from iqcadence.core.store.users import UserNotChosen, resolve_actor

    _add(database, "maya@example.com", "Maya Chen")
    _add(database, "root", "root")
    monkeypatch.delenv("IQCADENCE_USER")
    monkeypatch.setattr(getpass, "getuser", lambda: "root")
    with database.session() as session, pytest.raises(UserNotChosen) as raised:
        resolve_actor(session)
    assert isinstance(raised.value, NotFound)
    assert "maya@example.com" in raised.value.message
    assert "--as EMAIL" in raised.value.message
    assert ("maya@example.com", "Maya Chen", "csm") in raised.value.users


def test_named_user_wins(database: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from iqcadence.core.store.users import resolve_actor

    _add(database, "maya@example.com", "Maya Chen")
    monkeypatch.setenv("IQCADENCE_USER", "maya@example.com")
    with database.session() as session:
        assert resolve_actor(session).email == "maya@example.com"
        assert resolve_actor(session, "MAYA@example.com").name == "Maya Chen"


def test_the_demo_opens_as_one_of_its_csms(monkeypatch: pytest.MonkeyPatch) -> None:
    from iqcadence.core.demo.portfolio import DEMO_USER, demo_user, welcome

    monkeypatch.delenv("IQCADENCE_USER")
    assert demo_user(None) == DEMO_USER
    assert demo_user("priya@x.io") == "priya@x.io"
    said = welcome("Maya Chen", DEMO_USER, "csm")
    assert "You are Maya Chen" in said and "CSMs" in said
