"""Tasks: add, list filters (mine, due today/overdue/week, customer, status),
done with outcome → timeline event, reopen."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from iqcadence.core.accounts import customers, tasks
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.store import users
from iqcadence.core.store.models.customer360 import Task, TimelineEvent


@pytest.fixture
def seeded(session: Any, actor: Any) -> dict[str, int]:
    customers.apply_changes(session, actor, "Acme", {"logins": 10})
    customers.apply_changes(session, actor, "Globex", {"logins": 10})
    ids = {}
    for title, customer, due, owner in (
        ("overdue", "Acme", "2026-11-20", None),
        ("today", "Acme", "2026-11-27", None),
        ("in a week", "Globex", "2026-12-04", None),
        ("later", "Globex", "2026-12-20", None),
        ("someone else", "Acme", "2026-11-27", "jo@example.com"),
        ("undated", "Acme", None, None),
    ):
        ids[title] = tasks.add_task(session, actor, customer, title, due=due, owner=owner).id
    return ids


def titles(found: list[Task]) -> list[str]:
    return [t.title for t in found]


def test_add_defaults_and_validation(session: Any, actor: Any) -> None:
    customers.apply_changes(session, actor, "Acme", {"logins": 10})
    task = tasks.add_task(session, actor, "acme", "  Send   deck ", description="QBR deck")
    assert (task.title, task.owner, task.status, task.due) == (
        "Send deck",
        "admin@example.com",
        "open",
        None,
    )
    with pytest.raises(InvalidValue, match="due: 'soon' is not a date"):
        tasks.add_task(session, actor, "Acme", "x", due="soon")
    with pytest.raises(InvalidValue, match="owner: 'bob' is not an e-mail"):
        tasks.add_task(session, actor, "Acme", "x", owner="bob")
    with pytest.raises(InvalidValue, match="title: must not be empty"):
        tasks.add_task(session, actor, "Acme", " ")
    with pytest.raises(NotFound):
        tasks.add_task(session, actor, "Nobody", "x")


def test_list_filters(session: Any, actor: Any, seeded: dict[str, int]) -> None:
    assert titles(tasks.list_tasks(session, actor)) == [
        "overdue",
        "today",
        "someone else",
        "in a week",
        "later",
        "undated",
    ]
    assert "someone else" not in titles(tasks.list_tasks(session, actor, mine=True))
    assert titles(tasks.list_tasks(session, actor, due="today")) == ["today", "someone else"]
    assert titles(tasks.list_tasks(session, actor, due="overdue")) == ["overdue"]
    assert titles(tasks.list_tasks(session, actor, due="week")) == [
        "today",
        "someone else",
        "in a week",
    ]
    assert titles(tasks.list_tasks(session, actor, customer="globex")) == ["in a week", "later"]
    assert titles(tasks.list_tasks(session, actor, owner="jo@example.com")) == ["someone else"]
    with pytest.raises(InvalidValue, match="--due: 'soon' is not one of today, overdue, week"):
        tasks.list_tasks(session, actor, due="soon")


def test_done_writes_a_timeline_event_and_reopen(
    session: Any, actor: Any, seeded: dict[str, int]
) -> None:
    task_id = seeded["overdue"]
    done = tasks.complete_task(session, actor, task_id, outcome="Sent, they loved it")
    assert done.status == "done" and done.completed_at is not None
    assert "overdue" not in titles(tasks.list_tasks(session, actor))
    assert "overdue" in titles(tasks.list_tasks(session, actor, status="done"))
    (event,) = session.exec(select(TimelineEvent).where(TimelineEvent.kind == "task")).all()
    assert (event.title, event.body, event.status, event.author) == (
        "overdue",
        "Sent, they loved it",
        "done",
        "admin@example.com",
    )
    assert event.properties["task_id"] == task_id
    with pytest.raises(Conflict, match="already done"):
        tasks.complete_task(session, actor, task_id)
    reopened = tasks.reopen_task(session, actor, task_id)
    assert reopened.status == "open" and reopened.completed_at is None
    with pytest.raises(Conflict, match="already open"):
        tasks.reopen_task(session, actor, task_id)
    # done again: the same timeline event is updated, not duplicated
    tasks.complete_task(session, actor, task_id, outcome="Second try")
    events = session.exec(select(TimelineEvent).where(TimelineEvent.kind == "task")).all()
    assert [e.body for e in events] == ["Second try"]


def test_unknown_task(session: Any, actor: Any) -> None:
    with pytest.raises(NotFound, match="task 999 does not exist"):
        tasks.complete_task(session, actor, 999)


def test_task_dicts_shape(session: Any, actor: Any, seeded: dict[str, int]) -> None:
    users.add_user(session, actor, "jo@example.com")
    rows = tasks.task_dicts(session, tasks.list_tasks(session, actor, due="overdue"))
    assert rows == [
        {
            "id": seeded["overdue"],
            "customer": "Acme",
            "customer_id": rows[0]["customer_id"],
            "title": "overdue",
            "description": None,
            "due": "2026-11-20",
            "overdue": True,
            "owner": "admin@example.com",
            "status": "open",
            "outcome": None,
            "playbook_run_id": None,
            "playbook": None,
            "step": None,
            "completed_at": None,
        }
    ]
    assert date.fromisoformat(rows[0]["due"]) < date(2026, 11, 27)
