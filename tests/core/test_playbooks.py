"""Playbooks: TOML validation, manual start, tasks from offsets and owner
rules, progress and completion, cancel, triggers (single and bulk), never two
active runs, and the shipped examples."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from iqcadence.core.accounts import customers, playbooks, tasks
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound, RefusedFile
from iqcadence.core.store import users
from iqcadence.core.store.models.customer360 import PlaybookRun, Task

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "playbooks"

RESCUE = """
name = "Rescue"
trigger = "score < 40 and tier = enterprise"

[[steps]]
title = "Call the champion"
offset_days = 0

[[steps]]
title = "Send a recovery plan"
offset_days = 3
owner = "co_owner"

[[steps]]
title = "Exec sponsor check-in"
offset_days = 10
owner = "vp@example.com"
"""


def add(session: Any, actor: Any, content: str = RESCUE, **kwargs: Any) -> Any:
    spec = playbooks.parse_playbook_toml(content, source="rescue.toml")
    return playbooks.save_playbook(session, actor, spec, **kwargs)


def runs(session: Any, customer_id: int) -> list[PlaybookRun]:
    return list(
        session.exec(select(PlaybookRun).where(PlaybookRun.customer_id == customer_id)).all()
    )


def healthy(session: Any, actor: Any, name: str = "Acme", **extra: Any) -> Any:
    values = {"logins": 30, "adoption": 90, "nps": 10, "tier": "enterprise"}
    values.update(extra)
    return customers.apply_changes(session, actor, name, values).customer


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name = 1", "rescue.toml: name: a playbook needs a name"),
        ('name = "x"', "rescue.toml: steps: a playbook needs at least one [[steps]]"),
        ('name = "x"\ncolour = 1\n[[steps]]\ntitle="a"', "unknown key 'colour'"),
        ('name = "x"\n[[steps]]\noffset_days = 1', "rescue.toml: steps[1].title: every step"),
        (
            'name = "x"\n[[steps]]\ntitle = "a"\noffset_days = -2',
            "steps[1].offset_days: must be between 0 and 3650, got -2",
        ),
        (
            'name = "x"\n[[steps]]\ntitle = "a"\noffset_days = "soon"',
            "steps[1].offset_days: expected a whole number",
        ),
        (
            'name = "x"\n[[steps]]\ntitle = "a"\nowner = "boss"',
            "steps[1].owner: expected primary, co_owner or an e-mail, got 'boss'",
        ),
        (
            'name = "x"\ntrigger = "scor < 40"\n[[steps]]\ntitle = "a"',
            "rescue.toml: trigger condition: unknown field 'scor' at column 1",
        ),
    ],
)
def test_invalid_playbooks_are_refused_clearly(content: str, message: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        playbooks.parse_playbook_toml(content, source="rescue.toml")
    assert message in str(caught.value)


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RefusedFile, match="x.toml: not valid TOML"):
        playbooks.parse_playbook_toml("name = ", source="x.toml")
    with pytest.raises(NotFound, match="no such file"):
        playbooks.load_playbook_file(tmp_path / "missing.toml")


def test_trigger_is_stored_canonical_and_duplicates_need_replace(session: Any, actor: Any) -> None:
    book = add(session, actor)
    assert book.trigger == "score < 40 and tier = enterprise"
    assert [s["owner"] for s in book.steps] == ["primary", "co_owner", "vp@example.com"]
    with pytest.raises(Conflict, match="already exists; use --replace"):
        add(session, actor)
    replaced = add(session, actor, RESCUE.replace("score < 40", "score < 30"), replace=True)
    assert replaced.id == book.id and replaced.trigger.startswith("score < 30")


# --- runs --------------------------------------------------------------------------------


def test_manual_start_creates_tasks_with_due_dates_and_owners(session: Any, actor: Any) -> None:
    users.add_user(session, actor, "jane@example.com", name="Jane Doe")
    healthy(session, actor, manager="Jane Doe")
    add(session, actor)
    run = playbooks.start_playbook(session, actor, "rescue", "Acme")
    assert run.trigger == "manual" and run.started_by == "admin@example.com"
    created = tasks.list_tasks(session, actor, run_id=run.id)
    assert [(t.title, t.due, t.owner, t.step) for t in created] == [
        ("Call the champion", date(2026, 11, 27), "jane@example.com", 1),
        # no co-owner: falls back to the primary rule (the manager, a user by name)
        ("Send a recovery plan", date(2026, 11, 30), "jane@example.com", 2),
        ("Exec sponsor check-in", date(2026, 12, 7), "vp@example.com", 3),
    ]
    with pytest.raises(Conflict, match="already running for 'Acme'"):
        playbooks.start_playbook(session, actor, "Rescue", "Acme")


def test_owner_rules_use_owners_when_set(session: Any, actor: Any) -> None:
    owners = pytest.importorskip("iqcadence.core.accounts.owners")
    users.add_user(session, actor, "p@example.com", name="Pat")
    users.add_user(session, actor, "c@example.com", name="Cy")
    healthy(session, actor)
    owners.set_owners(session, actor, "Acme", primary="p@example.com", co_owners=["c@example.com"])
    add(session, actor)
    run = playbooks.start_playbook(session, actor, "Rescue", "Acme")
    owners_seen = [t.owner for t in tasks.list_tasks(session, actor, run_id=run.id)]
    assert owners_seen == ["p@example.com", "c@example.com", "vp@example.com"]


def test_primary_without_anyone_falls_back_to_the_starter(session: Any, actor: Any) -> None:
    healthy(session, actor)
    add(session, actor)
    run = playbooks.start_playbook(session, actor, "Rescue", "Acme")
    first = tasks.list_tasks(session, actor, run_id=run.id)[0]
    assert first.owner == "admin@example.com"


def test_progress_completion_reopen_and_cancel(session: Any, actor: Any) -> None:
    healthy(session, actor)
    add(session, actor)
    run = playbooks.start_playbook(session, actor, "Rescue", "Acme")
    ids = [t.id for t in tasks.list_tasks(session, actor, run_id=run.id)]
    tasks.complete_task(session, actor, ids[0], outcome="Spoke to Ana")
    (row,) = playbooks.run_dicts(session, [run])
    assert (row["tasks_done"], row["tasks_total"], row["progress"]) == (1, 3, 0.33)
    tasks.complete_task(session, actor, ids[1])
    tasks.complete_task(session, actor, ids[2])
    session.refresh(run)
    assert run.status == "completed" and run.finished_at is not None
    tasks.reopen_task(session, actor, ids[2])
    session.refresh(run)
    assert run.status == "active" and run.finished_at is None
    playbooks.cancel_run(session, actor, run.id)
    session.refresh(run)
    assert run.status == "cancelled"
    statuses = [session.get(Task, i).status for i in ids]
    assert statuses == ["done", "done", "cancelled"]
    with pytest.raises(Conflict, match="is cancelled, so it cannot be cancelled"):
        playbooks.cancel_run(session, actor, run.id)
    # a new run may start once the previous one is over
    again = playbooks.start_playbook(session, actor, "Rescue", "Acme")
    assert again.id != run.id


# --- triggers ------------------------------------------------------------------------------


def test_trigger_starts_when_condition_becomes_true_and_never_twice(
    session: Any, actor: Any
) -> None:
    customer = healthy(session, actor)
    add(session, actor)
    assert runs(session, customer.id) == []
    customers.apply_changes(session, actor, "Acme", {"logins": 0, "adoption": 5, "nps": 0})
    assert customer.score < 40
    (run,) = runs(session, customer.id)
    assert run.trigger == "score < 40 and tier = enterprise" and run.status == "active"
    assert len(tasks.list_tasks(session, actor, run_id=run.id)) == 3
    # still true, still active: nothing new
    customers.apply_changes(session, actor, "Acme", {"logins": 1})
    assert len(runs(session, customer.id)) == 1
    # recovers, falls again while the first run is active: still one run
    customers.apply_changes(session, actor, "Acme", {"logins": 30, "adoption": 90, "nps": 10})
    customers.apply_changes(session, actor, "Acme", {"logins": 0, "adoption": 5, "nps": 0})
    assert len(runs(session, customer.id)) == 1


def test_trigger_needs_the_condition_to_become_true(session: Any, actor: Any) -> None:
    customer = customers.apply_changes(
        session, actor, "Low", {"logins": 0, "adoption": 5, "tier": "enterprise"}
    ).customer
    add(session, actor)  # added after the customer already matched
    customers.apply_changes(session, actor, "Low", {"adoption": 6})  # true before and after
    assert runs(session, customer.id) == []
    # a customer created already matching counts as becoming true
    created = customers.apply_changes(
        session, actor, "New", {"logins": 0, "adoption": 5, "tier": "enterprise"}
    ).customer
    assert len(runs(session, created.id)) == 1


def test_disabled_playbook_does_not_trigger(session: Any, actor: Any) -> None:
    customer = healthy(session, actor)
    add(session, actor)
    playbooks.set_enabled(session, actor, "Rescue", False)
    customers.apply_changes(session, actor, "Acme", {"logins": 0, "adoption": 5, "nps": 0})
    assert runs(session, customer.id) == []


def test_bulk_rescore_triggers_once(session: Any, actor: Any) -> None:
    from dataclasses import replace

    from iqcadence.core.accounts import rescore
    from iqcadence.core.store import settings

    customer = healthy(session, actor, adoption=10, nps=None)  # 25*100+25*10 / 50 = 55
    add(session, actor, RESCUE.replace("score < 40", "band <= at_risk"))
    assert runs(session, customer.id) == []
    config = settings.load_scoring_config(session, actor.client_id)
    settings.save_scoring_config(
        session,
        actor,
        replace(config, thresholds={"at_risk": 25, "watch": 60, "healthy": 70, "expansion": 80}),
    )
    rescore.rescore_all(session, actor)
    (run,) = runs(session, customer.id)
    assert run.status == "active" and run.trigger.startswith("band <= at_risk")
    made = tasks.list_tasks(session, actor, run_id=run.id)
    assert [(t.step, t.owner) for t in made] == [
        (1, "admin@example.com"),
        (2, "admin@example.com"),
        (3, "vp@example.com"),
    ]
    assert made[2].due == date(2026, 12, 7)
    from iqcadence.core.store.models import AuditEntry

    started = session.exec(select(AuditEntry).where(AuditEntry.action == "playbook.start")).all()
    assert [e.details["run"] for e in started] == [run.id]
    rescore.rescore_all(session, actor)
    assert len(runs(session, customer.id)) == 1


# --- examples ----------------------------------------------------------------------------------


def test_shipped_examples_load_and_run(session: Any, actor: Any) -> None:
    files = sorted(EXAMPLES.glob("*.toml"))
    assert len(files) >= 3
    healthy(session, actor)
    for path in files:
        book = playbooks.add_playbook_file(session, actor, path)
        assert book.trigger == tomllib.loads(path.read_text())["trigger"], path.name
        run = playbooks.start_playbook(session, actor, book, "Acme")
        assert len(tasks.list_tasks(session, actor, run_id=run.id)) == len(book.steps) >= 3


def test_hard_delete_removes_runs_and_tasks(session: Any, actor: Any) -> None:
    from sqlalchemy import text

    customer = healthy(session, actor)
    add(session, actor)
    playbooks.start_playbook(session, actor, "Rescue", "Acme")
    tasks.add_task(session, actor, "Acme", "loose task")
    customer_id = customer.id
    customers.delete_customer(session, actor, "Acme")
    conn = session.connection()
    for table in ("playbook_run", "task"):
        count = conn.execute(
            text(f"SELECT COUNT(*) FROM {table} WHERE customer_id = :c"), {"c": customer_id}
        ).scalar_one()
        assert count == 0, table
    assert playbooks.get_playbook(session, actor, "Rescue").name == "Rescue"
