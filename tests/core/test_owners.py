"""Owners: exactly one primary, co-owners and observers, edit rights."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from iqcadence.core.accounts import customers, owners
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, NotFound, PermissionDenied
from iqcadence.core.store import audit, users
from iqcadence.core.store.models import CustomerOwner, User


@pytest.fixture
def team(session: Any, actor: Actor) -> dict[str, Actor]:
    users.add_user(session, actor, "ana@example.com", role="csm", name="Ana Lima")
    users.add_user(session, actor, "bo@example.com", role="csm", name="Bo Chen")
    users.add_user(session, actor, "vi@example.com", role="viewer", name="Vi")
    customers.apply_changes(session, actor, "Acme", {"logins": 20, "manager": "Someone"})
    return {
        email: users.resolve_actor(session, email)
        for email in ("ana@example.com", "bo@example.com", "vi@example.com")
    }


def _roles(session: Any, name: str) -> list[tuple[str, str]]:
    acme = customers.find_customer(session, 1, name)
    assert acme is not None
    return [(o.email, o.role) for o in owners.owners_of(session, acme)]


def test_set_primary_co_owners_observers(session: Any, actor: Actor, team: Any) -> None:
    result = owners.set_owners(
        session,
        actor,
        "acme",
        primary="ana@example.com",
        co_owners=["bo@example.com"],
        observers=["vi@example.com"],
    )
    assert [(o.email, o.role) for o in result] == [
        ("ana@example.com", "primary"),
        ("bo@example.com", "co_owner"),
        ("vi@example.com", "observer"),
    ]
    acme = customers.get_customer(session, actor, "Acme")
    assert acme.manager == "Ana Lima"  # the primary names the manager
    entry = audit.list_entries(session, actor, action="owners.set")[0]
    assert entry.details["after"][0] == {
        "email": "ana@example.com",
        "name": "Ana Lima",
        "role": "primary",
    }
    assert owners.customer_ids_for(session, "bo@example.com") == {acme.id}
    assert owners.customer_ids_for(session, "vi@example.com") == set()


def test_changing_primary_replaces_it_and_keeps_other_roles(
    session: Any, actor: Actor, team: Any
) -> None:
    owners.set_owners(
        session, actor, "Acme", primary="ana@example.com", co_owners=["bo@example.com"]
    )
    owners.set_owners(session, actor, "Acme", primary="bo@example.com")
    assert _roles(session, "acme") == [("bo@example.com", "primary")]
    owners.set_owners(session, actor, "Acme", co_owners=["ana@example.com"])
    assert _roles(session, "acme") == [
        ("bo@example.com", "primary"),
        ("ana@example.com", "co_owner"),
    ]
    owners.set_owners(session, actor, "Acme", co_owners=[""])  # clears co-owners
    assert _roles(session, "acme") == [("bo@example.com", "primary")]
    assert customers.get_customer(session, actor, "Acme").manager == "Bo Chen"


def test_rules_are_refused_and_nothing_changes(session: Any, actor: Actor, team: Any) -> None:
    owners.set_owners(session, actor, "Acme", primary="ana@example.com")
    with pytest.raises(InvalidValue, match="viewer and can only observe"):
        owners.set_owners(session, actor, "Acme", co_owners=["vi@example.com"])
    with pytest.raises(InvalidValue, match="a user holds one role"):
        owners.set_owners(
            session, actor, "Acme", primary="bo@example.com", observers=["bo@example.com"]
        )
    with pytest.raises(NotFound, match="'nobody@example.com' is not known"):
        owners.set_owners(session, actor, "Acme", observers=["nobody@example.com"])
    customers.apply_changes(session, actor, "Globex", {"logins": 1})
    with pytest.raises(InvalidValue, match="needs one primary owner"):
        owners.set_owners(session, actor, "Globex", observers=["vi@example.com"])
    session.rollback()
    assert _roles(session, "acme") == [("ana@example.com", "primary")]
    assert _roles(session, "globex") == []


def test_database_allows_one_primary_only(session: Any, actor: Actor, team: Any) -> None:
    owners.set_owners(session, actor, "Acme", primary="ana@example.com")
    acme = customers.get_customer(session, actor, "Acme")
    bo = session.exec(select(User).where(User.email == "bo@example.com")).one()
    session.add(CustomerOwner(customer_id=acme.id, user_id=bo.id, role="primary"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_observers_see_but_do_not_edit(session: Any, actor: Actor, team: Any) -> None:
    owners.set_owners(
        session,
        actor,
        "Acme",
        primary="ana@example.com",
        observers=["vi@example.com"],
        co_owners=["bo@example.com"],
    )
    acme = customers.get_customer(session, actor, "Acme")
    assert owners.can_edit(session, team["ana@example.com"], acme)
    assert owners.can_edit(session, team["bo@example.com"], acme)
    assert not owners.can_edit(session, team["vi@example.com"], acme)
    assert owners.can_edit(session, actor, acme)  # admin
    # a CSM observer is refused too
    owners.set_owners(session, actor, "Acme", observers=["bo@example.com"], co_owners=[])
    with pytest.raises(PermissionDenied, match="observes 'Acme'"):
        owners.require_edit(session, team["bo@example.com"], acme)


def test_owner_rows_go_with_the_customer(session: Any, actor: Actor, team: Any) -> None:
    owners.set_owners(session, actor, "Acme", primary="ana@example.com")
    customers.delete_customer(session, actor, "Acme")
    assert session.exec(select(CustomerOwner)).all() == []


def test_blank_primary_unassigns_and_nothing_given_is_refused(
    session: Any, actor: Actor, team: Any
) -> None:
    owners.set_owners(session, actor, "Acme", primary="ana@example.com")
    with pytest.raises(InvalidValue, match="nothing to change"):
        owners.set_owners(session, actor, "Acme")
    owners.set_owners(session, actor, "Acme", primary="ana@example.com")  # no change, no audit
    assert len(audit.list_entries(session, actor, action="owners.set")) == 1
    owners.set_owners(session, actor, "Acme", primary="")
    assert _roles(session, "acme") == []
