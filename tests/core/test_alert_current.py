"""The current alerts (`alert_current`) equal a plain derivation after every
way of writing: one customer, many, imports, history, settings, a new day,
a restore, an upgrade; and the board, `alerts list` and the exposure read
the same alerts and the same figures from it."""

from __future__ import annotations

import io
import random
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from iqcadence.core.accounts import customers, rescore, timeline
from iqcadence.core.accounts.bulk import bulk_apply
from iqcadence.core.alerts import current, current_reads, state
from iqcadence.core.alerts.config import set_alert_config
from iqcadence.core.alerts.derive import derive_alerts
from iqcadence.core.alerts.exposure import mrr_exposure
from iqcadence.core.base.actor import Actor
from iqcadence.core.io import backup, restore
from iqcadence.core.io.imports.common import ImportOptions
from iqcadence.core.io.imports.customers import import_customers
from iqcadence.core.io.imports.detect import open_csv
from iqcadence.core.io.imports.history import import_history
from iqcadence.core.read import alert_board
from iqcadence.core.store import display, settings
from tests.factories import NAMES, build_portfolio

TODAY = date(2026, 11, 27)


def derived(session: Any, actor: Actor) -> list[dict[str, Any]]:
    found = derive_alerts(session, actor.client_id, include_snoozed=True, include_dismissed=True)
    return [alert.to_dict() for alert in found]


def kept(session: Any, actor: Actor) -> list[dict[str, Any]]:
    """The table as the writes left it: it must not need working out again."""
    session.expire_all()
    assert current.is_current(session, actor.client_id)
    found = current_reads.list_alerts(
        session, actor.client_id, include_snoozed=True, include_dismissed=True
    )
    return [alert.to_dict() for alert in found]


def check(session: Any, actor: Actor) -> None:
    assert kept(session, actor) == derived(session, actor)


def csv(session: Any, actor: Actor, content: str) -> None:
    with open_csv(io.BytesIO(content.encode()), name="in.csv") as opened:
        summary = import_customers(session, actor, opened, ImportOptions())
    assert summary.written and not summary.rejected


def table_rows(session: Any) -> int:
    return int(
        session.connection().execute(select(func.count()).select_from(current.ALERTS)).one()[0]
    )


@pytest.fixture
def board(session: Any, actor: Actor) -> None:
    """The test factories' portfolio with five weeks of history, its alerts
    worked out once."""
    build_portfolio(session, actor, days=35)
    assert current.ensure_current(session, actor.client_id)
    assert table_rows(session) > 20


@pytest.mark.usefixtures("board")
def test_changes_of_one_customer_keep_the_table(engine_db: Any, session: Any, actor: Actor) -> None:
    check(session, actor)
    edits: list[tuple[str, dict[str, Any]]] = [
        ("Acme Corp", {"tickets": 6, "nps": 3}),
        ("Globex", {"renewal_date": (TODAY + timedelta(days=20)).isoformat(), "logins": 1}),
        ("Initech", {"days": 200, "tier": "enterprise"}),
        ("Hooli", {"manager": "Nobody", "mrr": 123456.78}),
        ("Pied Piper", {"name": "Pied Piper Inc", "sentiment": "negative"}),
        ("Soylent", {"lifecycle": "churned"}),
        ("Oscorp", {"score": 12}),
        ("Oscorp", {"score": ""}),
        ("Newco", {"logins": 2, "adoption": 5, "tickets": 4, "mrr": 900}),
    ]
    for name, values in edits:
        customers.apply_changes(session, actor, name, values)
        check(session, actor)
    timeline.log_event(session, actor, "Initech", kind="meeting", title="QBR")
    check(session, actor)


@pytest.mark.usefixtures("board")
def test_status_changes_deletes_and_bulk_actions_keep_the_table(session: Any, actor: Actor) -> None:
    for action in ("archive", "unarchive", "trash", "restore"):
        customers.set_status(session, actor, "Acme Corp", action)
        check(session, actor)
    customers.delete_customer(session, actor, "Globex")
    check(session, actor)
    ids = [customers.get_customer(session, actor, name).id for name in NAMES[4:8]]
    bulk_apply(session, actor, ids, "lifecycle", "churned")
    check(session, actor)
    bulk_apply(session, actor, ids[:2], "archive")
    check(session, actor)


@pytest.mark.usefixtures("board")
def test_a_rescore_keeps_the_table_and_a_large_one_has_it_worked_out_on_read(
    session: Any, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = settings.load_scoring_config(session, actor.client_id)
    weights = {**config.weights, "logins": 40, "adoption": 10}
    settings.save_scoring_config(session, actor, replace(config, weights=weights))
    summary = rescore.rescore_all(session, actor)
    assert 0 < summary.changed <= current.EAGER_LIMIT
    check(session, actor)
    # More changed customers than are derived at once: the next read works it out.
    monkeypatch.setattr(current, "EAGER_LIMIT", 2)
    settings.save_scoring_config(session, actor, config)
    assert rescore.rescore_all(session, actor).changed > 2
    assert not current.is_current(session, actor.client_id)
    assert current.ensure_current(session, actor.client_id)
    check(session, actor)


@pytest.mark.usefixtures("board")
def test_imports_and_imported_history_keep_the_table(session: Any, actor: Actor) -> None:
    soon = (TODAY + timedelta(days=10)).isoformat()
    # columns that move no score, a customer that gets none, and a new one
    csv(
        session,
        actor,
        "name,renewal_date,manager,mrr,sentiment\n"
        f"Acme Corp,{soon},Dana,777,negative\n"
        f"Unscored Ltd,{soon},Dana,50,\n"
        f"Globex,{soon},,,negative\n",
    )
    check(session, actor)
    assert any(a["customer"] == "Unscored Ltd" for a in kept(session, actor))
    # history a week back moves the momentum and the engagement drop
    week = (TODAY - timedelta(days=8)).isoformat()
    rows = "\n".join(f"{name},{week},40,95,0,10,1" for name in NAMES[:8])
    with open_csv(
        io.BytesIO(f"name,date,logins,adoption,tickets,nps,days\n{rows}\n".encode()), name="h.csv"
    ) as opened:
        summary = import_history(session, actor, opened, ImportOptions())
    assert summary.written
    check(session, actor)


@pytest.mark.usefixtures("board")
def test_settings_and_the_currency_make_it_stale_until_read(session: Any, actor: Actor) -> None:
    before = kept(session, actor)
    set_alert_config(session, actor, {"quiet_after": "5", "tickets_warning": "1"})
    assert not current.is_current(session, actor.client_id)
    check_after_read(session, actor)
    assert kept(session, actor) != before
    display.set_currency(session, actor, "€")
    assert not current.is_current(session, actor.client_id)
    check_after_read(session, actor)


def check_after_read(session: Any, actor: Actor) -> None:
    got = current_reads.list_alerts(
        session, actor.client_id, include_snoozed=True, include_dismissed=True
    )
    assert [a.to_dict() for a in got] == derived(session, actor)


@pytest.mark.usefixtures("board")
def test_a_new_day_is_worked_out_by_the_daily_refresh(
    session: Any, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", (TODAY + timedelta(days=9)).isoformat())
    assert not current.is_current(session, actor.client_id)
    # the daily refresh is a rescore with this cause
    rescore.rescore_all(session, actor, cause=current.DAILY_REFRESH_CAUSE)
    check(session, actor)  # current without a read working it out


@pytest.mark.usefixtures("board")
def test_snoozes_and_dismissals_are_joined_when_read(session: Any, actor: Actor) -> None:
    first = kept(session, actor)[0]
    other = next(a for a in kept(session, actor) if a["customer"] != first["customer"])
    state.dismiss(session, actor, first["customer"], first["category"])
    state.snooze(session, actor, other["customer"], other["category"], for_period="7d")
    for flags in ({}, {"include_snoozed": True, "include_dismissed": True}):
        got = current_reads.list_alerts(session, actor.client_id, **flags)
        want = derive_alerts(session, actor.client_id, **flags)
        assert [a.to_dict() for a in got] == [a.to_dict() for a in want]
    shown = alert_board.alert_board(session, actor)
    assert (first["customer_id"], first["category"]) not in {
        (a.customer_id, a.category) for a in shown.alerts
    }
    assert shown.total == len(derive_alerts(session, actor.client_id))


def test_random_writes_keep_the_table(session: Any, actor: Actor) -> None:
    """Any sequence of writes, over days, leaves the table equal to a plain
    derivation (checked after each, without it being worked out again)."""
    build_portfolio(session, actor, days=14)
    current.ensure_current(session, actor.client_id)
    rng = random.Random(20261127)
    fields = {
        "tickets": lambda: rng.randrange(0, 8),
        "nps": lambda: rng.randrange(0, 11),
        "logins": lambda: rng.randrange(0, 40),
        "adoption": lambda: rng.randrange(0, 100),
        "days": lambda: rng.randrange(0, 90),
        "renewal_date": lambda: (TODAY + timedelta(days=rng.randrange(-5, 120))).isoformat(),
        "mrr": lambda: rng.choice([None, 100, 2500.5]),
        "growth": lambda: rng.choice(["strong", "none", "na"]),
        "sentiment": lambda: rng.choice(["negative", "neutral", None]),
        "lifecycle": lambda: rng.choice(["active", "onboarding", "churned"]),
    }
    for _step in range(60):
        name = rng.choice(NAMES)
        found = customers.find_customer(session, actor.client_id, name)
        if found is None:
            continue
        move = rng.random()
        if move < 0.15:
            action = "unarchive" if found.status == "archived" else "archive"
            if found.status in ("active", "archived"):
                customers.set_status(session, actor, name, action)
        elif move < 0.2:
            rescore.rescore_all(session, actor)
        else:
            key = rng.choice(sorted(fields))
            value = fields[key]()
            customers.apply_changes(session, actor, name, {key: "" if value is None else value})
        check(session, actor)


@pytest.mark.usefixtures("board")
def test_a_backup_lists_the_table_empty_and_a_restore_has_it_worked_out(
    database: Any, session: Any, actor: Actor, tmp_path: Path
) -> None:
    written = backup.create_backup(database, tmp_path / "b.json")
    assert written.counts["alert_current"] == 0 and written.counts["alert_upkeep"] == 0
    customers.apply_changes(session, actor, "Acme Corp", {"tickets": 7})
    session.commit()
    restore.restore_backup(database, actor, tmp_path / "b.json", safety_dir=tmp_path)
    session.expire_all()
    assert table_rows(session) == 0
    assert not current.is_current(session, actor.client_id)
    check_after_read(session, actor)
    assert table_rows(session) > 20


def test_an_upgraded_database_works_its_alerts_out_on_first_read(tmp_path: Path) -> None:
    from iqcadence.core.store.db import open_database, resolve_location
    from iqcadence.core.store.users import resolve_actor
    from tests.core.test_migrations import make_old_database

    path = tmp_path / "old.db"
    make_old_database(path, "0011_api")
    with open_database(resolve_location(path)).session() as session:
        actor = resolve_actor(session, "admin@example.com")
        assert table_rows(session) == 0
        check_after_read(session, actor)
        assert table_rows(session) == 1  # the renewal of the one customer
        count = session.connection().execute(text("SELECT category FROM alert_current"))
        assert [row[0] for row in count] == ["renewal"]


@pytest.mark.usefixtures("board")
def test_working_a_large_table_out_builds_its_indexes_again(
    session: Any, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import inspect

    monkeypatch.setattr(current, "REBUILD_INDEXES_FROM", 1)
    before = {ix["name"] for ix in inspect(session.connection()).get_indexes("alert_current")}
    current.rebuild(session, actor.client_id)
    session.commit()
    after = {ix["name"] for ix in inspect(session.connection()).get_indexes("alert_current")}
    assert after == before and "ix_alert_current_severity" in after
    check(session, actor)


def test_a_database_it_cannot_write_shows_derived_alerts(
    db_path: Path, session: Any, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stale current alerts on a database this program may not write (a
    read-only file or role): the readers derive instead of failing."""
    from sqlalchemy import event

    from iqcadence.core.store.db import open_database, resolve_location

    build_portfolio(session, actor, days=14)
    current.ensure_current(session, actor.client_id)
    session.close()
    monkeypatch.setenv("IQCADENCE_TODAY", (TODAY + timedelta(days=3)).isoformat())
    readonly = open_database(resolve_location(db_path))
    event.listen(
        readonly.engine, "connect", lambda conn, _record: conn.execute("PRAGMA query_only = ON")
    )
    readonly.engine.dispose()  # every connection from now on is read-only
    try:
        with readonly.session() as reader:
            assert not current.is_current(reader, actor.client_id)
            everything = derive_alerts(
                reader, actor.client_id, include_snoozed=True, include_dismissed=True
            )
            listed = current_reads.list_alerts(
                reader, actor.client_id, include_snoozed=True, include_dismissed=True
            )
            assert [a.to_dict() for a in listed] == [a.to_dict() for a in everything]
            figures = current_reads.exposure(reader, actor.client_id)
            assert figures == mrr_exposure(everything) and figures["customers"] > 0
            shown = alert_board.alert_board(reader, actor, per_group=2)
            assert shown.total == len(everything) and shown.exposure == figures
            assert all(len(items) <= 2 for items in shown.groups["category"].values())
            assert not current.is_current(reader, actor.client_id)
    finally:
        readonly.dispose()
