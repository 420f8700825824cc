"""A user's e-mail matches in any case, wherever a user is looked up: the
acting user, users commands, owners, tasks and My day's scope. E-mails are
stored as given, so a database whose users were added in mixed case keeps
working; two users differing only in case are told apart by an exact match
or refused as ambiguous."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from iqcadence.core.accounts import customers, owners, tasks
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict
from iqcadence.core.read import my_day, scope
from iqcadence.core.store import users
from iqcadence.core.store.models import User
from tests.factories import ADMIN

TODAY = date(2026, 11, 27)


def test_the_acting_user_matches_in_any_case(engine_db: Any, session: Any) -> None:
    found = users.resolve_actor(session, ADMIN.upper())
    assert (found.email, found.role) == (ADMIN, "admin")


def test_users_commands_match_in_any_case(engine_db: Any, session: Any, actor: Actor) -> None:
    users.add_user(session, actor, "ana@example.com", role="csm")
    with pytest.raises(Conflict, match="already exists"):
        users.add_user(session, actor, "Ana@Example.COM")
    assert users.set_role(session, actor, "ANA@example.com", "viewer").role == "viewer"
    users.remove_user(session, actor, "ana@EXAMPLE.com")
    assert [u.email for u in users.list_users(session)] == [ADMIN]


def test_owners_tasks_and_my_day_match_in_any_case(
    engine_db: Any, session: Any, actor: Actor
) -> None:
    users.add_user(session, actor, "ana@example.com", role="csm", name="Ana Lima")
    customers.apply_changes(session, actor, "Acme", {"logins": 20, "manager": "Someone"})
    result = owners.set_owners(session, actor, "Acme", primary="ANA@Example.com")
    assert [(o.email, o.role) for o in result] == [("ana@example.com", "primary")]
    acme = customers.get_customer(session, actor, "Acme")
    assert owners.role_of(session, acme, "Ana@Example.com") == "primary"
    assert owners.customer_ids_for(session, "ANA@EXAMPLE.COM") == {acme.id}

    ana = users.resolve_actor(session, "Ana@Example.com")
    assert owners.can_edit(session, ana, acme)
    task = tasks.add_task(session, actor, "Acme", "Call Dana", owner="Ana@Example.com", due=TODAY)
    assert [t.id for t in tasks.list_tasks(session, actor, owner="ana@example.COM")] == [task.id]
    assert [t.id for t in tasks.list_tasks(session, ana, mine=True)] == [task.id]

    # An actor made elsewhere (an API key's user, say) may spell the e-mail differently.
    shouting = Actor(email="ANA@EXAMPLE.COM", role="csm", client_id=actor.client_id)
    assert scope.owns_accounts(session, shouting)
    day = my_day.build(session, shouting, today=TODAY)
    assert day.mine_only
    assert [t["title"] for t in day.tasks_due_today] == ["Call Dana"]


def test_a_database_with_mixed_case_emails_keeps_working(
    engine_db: Any, session: Any, actor: Actor
) -> None:
    # Users added before e-mails matched in any case, stored as they were typed.
    for email in ("Sarah@Example.com", "Dup@Example.com", "dup@example.com"):
        session.add(User(email=email, name=email.split("@")[0], role="csm"))
    session.commit()
    assert users.resolve_actor(session, "sarah@example.com").email == "Sarah@Example.com"
    assert users.resolve_actor(session, "dup@example.com").email == "dup@example.com"
    assert users.resolve_actor(session, "Dup@Example.com").email == "Dup@Example.com"
    with pytest.raises(Conflict) as refused:
        users.resolve_actor(session, "DUP@EXAMPLE.COM")
    message = str(refused.value)
    assert "'Dup@Example.com'" in message and "'dup@example.com'" in message
    sarah = users.resolve_actor(session, "SARAH@EXAMPLE.COM")
    customers.apply_changes(session, actor, "Acme", {"logins": 20})
    owners.set_owners(session, actor, "Acme", primary="sarah@example.com")
    tasks.add_task(session, actor, "Acme", "Renewal quote", owner="Sarah@Example.com", due=TODAY)
    assert [t.title for t in tasks.list_tasks(session, sarah, mine=True)] == ["Renewal quote"]
    assert scope.owns_accounts(session, sarah)


def test_restore_knows_the_acting_user_in_any_case(
    database: Any, session: Any, actor: Actor, tmp_path: Any
) -> None:
    from iqcadence.core.io import backup, restore

    users.add_user(session, actor, "Sam@Example.com", role="admin")
    saved = tmp_path / "saved.json"
    backup.create_backup(database, saved)
    # The same person, stored in another spelling in the database restored into.
    sam = Actor(email="sam@example.com", role="admin", client_id=actor.client_id)
    summary = restore.restore_backup(database, sam, saved, safety_dir=tmp_path / "safety")
    assert summary.actor_known
