"""Clients: adding, renaming and removing them, who may act in which, and
removal taking every record of the client and nothing of another."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from iqcadence.core.accounts.customers import apply_changes
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from iqcadence.core.store import clients, users


def _in(actor: Any, client_id: int, name: str) -> Actor:
    return Actor(email=actor.email, role=actor.role, client_id=client_id, client_name=name)


def _user(session: Any, email: str) -> Any:
    return users.find_user(session, email)


def test_add_list_rename(session: Any, actor: Any) -> None:
    added = clients.add_client(session, actor, "  Northwind   Traders ")
    assert added.name == "Northwind Traders"
    with pytest.raises(Conflict, match="already exists"):
        clients.add_client(session, actor, "northwind traders")
    listed = [c.to_dict() for c in clients.list_clients(session, actor)]
    assert [(c["name"], c["current"]) for c in listed] == [
        ("Default", True),
        ("Northwind Traders", False),
    ]
    clients.rename_client(session, actor, "NORTHWIND traders", "Northwind")
    assert [c.name for c in clients.list_clients(session, actor)] == ["Default", "Northwind"]
    with pytest.raises(Conflict):
        clients.rename_client(session, actor, "Northwind", "default")
    with pytest.raises(InvalidValue, match="must not be empty"):
        clients.add_client(session, actor, "  ")


def test_only_admins_manage_clients(session: Any, actor: Any) -> None:
    users.add_user(session, actor, "csm@example.com", role="csm")
    csm = Actor(email="csm@example.com", role="csm", client_id=actor.client_id)
    with pytest.raises(PermissionDenied):
        clients.add_client(session, csm, "Other")


def test_users_act_in_assigned_clients_or_the_first(session: Any, actor: Any) -> None:
    north = clients.add_client(session, actor, "North")
    south = clients.add_client(session, actor, "South")
    session.execute(text("INSERT INTO \"user\" (email, name, role, created_at) "
                         "VALUES ('v@example.com', 'v', 'viewer', '2026-01-01')"))  # fmt: skip
    session.commit()
    viewer = _user(session, "v@example.com")
    # assigned to nothing: the first client only
    assert clients.choose_client(session, viewer.id, "viewer", None)[1] == "Default"
    with pytest.raises(NotFound, match="not one you work for"):
        clients.choose_client(session, viewer.id, "viewer", "North")
    clients.assign_user(session, actor, "V@example.com", ["south", "North"])
    assert clients.clients_of(session, viewer) == ["North", "South"]
    assert clients.choose_client(session, viewer.id, "viewer", None) == (north.id, "North")
    assert clients.choose_client(session, viewer.id, "viewer", " south ") == (south.id, "South")
    with pytest.raises(NotFound, match="yours: North, South"):
        clients.choose_client(session, viewer.id, "viewer", "Default")
    # a client that does not exist reads the same as one that is not yours
    with pytest.raises(NotFound, match="'Nowhere' is not one you work for"):
        clients.choose_client(session, viewer.id, "viewer", "Nowhere")
    assert clients.assign_user(session, actor, viewer.email, ["Default"], replace=True) == [
        "Default"
    ]
    with pytest.raises(NotFound, match="user 'nobody@example.com' does not exist"):
        clients.assign_user(session, actor, "nobody@example.com", ["Default"])
    # admins act in every client
    admin = _user(session, actor.email)
    assert clients.choose_client(session, admin.id, "admin", "South")[1] == "South"


def test_removing_a_client_takes_its_records_only(session: Any, actor: Any) -> None:
    other = clients.add_client(session, actor, "Other")
    assert other.id is not None
    theirs = _in(actor, other.id, "Other")
    apply_changes(session, theirs, "Shared Name", {"logins": 10, "nps": 9})
    apply_changes(session, actor, "Shared Name", {"logins": 20, "nps": 3})
    with pytest.raises(InvalidValue, match="holds records .*1 customer.*typing its name"):
        clients.remove_client(session, actor, "Other")
    with pytest.raises(InvalidValue):
        clients.remove_client(session, actor, "Other", confirmed_name="Othr")
    with pytest.raises(Conflict, match="you are working in client 'Other'"):
        clients.remove_client(session, theirs, "Other", confirmed_name="Other")
    deleted = clients.remove_client(session, actor, "other", confirmed_name="Other")
    assert deleted["customer"] == 1 and deleted["score_snapshot"] == 1
    names = session.execute(text("SELECT name, client_id FROM customer")).all()
    assert names == [("Shared Name", actor.client_id)]
    assert session.execute(text("SELECT COUNT(*) FROM client")).scalar_one() == 1
    with pytest.raises(Conflict, match="only client"):
        other_admin = _in(actor, 999, "x")
        clients.remove_client(session, other_admin, "Default")


def test_an_empty_client_goes_without_confirmation(session: Any, actor: Any) -> None:
    clients.add_client(session, actor, "Empty")
    assert clients.remove_client(session, actor, "Empty") == {}


def test_the_acting_user_acts_in_the_client_asked_for(
    session: Any, actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = clients.add_client(session, actor, "Other")
    assert (actor.client_id, actor.client_name) == (1, "Default")
    assert users.resolve_actor(session, client="other").client_id == other.id
    monkeypatch.setenv("IQCADENCE_CLIENT", "Other")
    chosen = users.resolve_actor(session)
    assert (chosen.client_id, chosen.client_name) == (other.id, "Other")
    assert users.resolve_actor(session, client="Default").client_id == 1  # --client wins
    monkeypatch.delenv("IQCADENCE_CLIENT")
    # a user added while acting in a client works there
    users.add_user(session, chosen, "sam@example.com", role="csm")
    sam = users.resolve_actor(session, "sam@example.com")
    assert (sam.client_id, sam.client_name) == (other.id, "Other")
    with pytest.raises(NotFound, match="not one you work for"):
        users.resolve_actor(session, "sam@example.com", client="Default")
