"""The sweep of `automations run` compares only the customers time can have
moved since the last one, and queues exactly what comparing everyone on
every sweep would queue."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from iqcadence.core.accounts import customers, timeline
from iqcadence.core.alerts import engine, rules
from iqcadence.core.alerts.observation import Observation
from iqcadence.core.io.imports.common import ImportOptions
from iqcadence.core.io.imports.customers import import_customers
from iqcadence.core.io.imports.detect import open_csv
from iqcadence.core.store.db import Database, open_database, resolve_location
from iqcadence.core.store.models.alerts import Connection, OutboxEntry
from iqcadence.core.store.users import resolve_actor

START = date(2026, 11, 27)
EVENTS = ["no_contact:20", "renewal_approaching:30", "health_below:50", "became_at_risk"]


def name(index: int) -> str:
    return f"Customer {index:02d}"


def setup(database: Database) -> None:
    """Thirty customers whose contact and renewal dates are spread so that
    thresholds are crossed on most days, and a rule over time and score."""
    with database.session() as session:
        actor = resolve_actor(session)
        for index in range(30):
            customers.apply_changes(
                session,
                actor,
                name(index),
                {
                    "logins": 10 + index,
                    "adoption": 40 + index,
                    "nps": 5 + index % 6,
                    "days": index % 25,
                    "renewal_date": (START + timedelta(days=25 + index)).isoformat(),
                    "mrr": 100 * (index + 1),
                },
            )
        session.add(
            Connection(
                client_id=actor.client_id,
                name="c",
                name_key="c",
                kind="webhook",
                target="-",
                keyring_name="connection_c",
            )
        )
        session.commit()
        rules.add_rule(session, actor, "r", events=EVENTS, channels=["c"])


def day_of_writes(session: Any, actor: Any, day: int) -> None:
    """What people do on a given day: log contacts, edit, archive and bring
    back, import, switch rules off and on, add rules."""
    if day == 2:
        timeline.log_event(session, actor, name(20), kind="meeting", title="Catch-up")
        customers.apply_changes(session, actor, name(3), {"nps": 2, "logins": 0})
    if day == 3:
        customers.set_status(session, actor, name(7), "archive")
        customers.set_status(session, actor, name(8), "trash")
    if day == 4:
        rules.set_enabled(session, actor, "r", False)
    if day == 5:
        rules.set_enabled(session, actor, "r", True)
        renewal = (START + timedelta(days=31)).isoformat()
        customers.apply_changes(session, actor, name(29), {"renewal_date": renewal})
    if day == 7:
        soon = (START + timedelta(days=30)).isoformat()
        content = "name,renewal_date,manager\n" + "".join(
            f"{name(index)},{soon},Dana\n" for index in (10, 11, 12)
        )
        with open_csv(io.BytesIO(content.encode()), name="in.csv") as opened:
            assert import_customers(session, actor, opened, ImportOptions()).written
    if day == 9:
        customers.set_status(session, actor, name(7), "unarchive")
    if day == 10:
        rules.add_rule(session, actor, "late", events=["no_contact:12"], channels=["c"])
    if day == 11:
        rules.add_custom_rule(
            session, actor, "quiet big", conditions=["days > 12 and mrr >= 2600"], channels=["c"]
        )
    if day == 12:
        customers.set_status(session, actor, name(8), "restore")


def run_days(database: Database, monkeypatch: pytest.MonkeyPatch, *, forget: bool) -> list[Any]:
    """Sweep twice a day for two weeks; `forget` drops the record of the last
    sweep first, so every sweep compares every customer (the reference)."""
    with database.session() as session:
        actor = resolve_actor(session)
        for day in range(14):
            today = START + timedelta(days=day)
            monkeypatch.setenv("IQCADENCE_TODAY", today.isoformat())
            monkeypatch.setenv("IQCADENCE_NOW", f"{today.isoformat()}T09:00")
            day_of_writes(session, actor, day)
            for _run in range(0 if day == 6 else 2):  # no sweep on day 6 (cron was down)
                if forget:
                    session.connection().execute(
                        text("UPDATE alert_upkeep SET swept_on = NULL, sweep_signature = NULL")
                    )
                engine.sweep(session, actor.client_id)
                session.commit()
        found = session.exec(select(OutboxEntry).order_by(OutboxEntry.idempotency_key)).all()
        return [
            (e.idempotency_key, e.event, e.customer_name, e.event_at, e.status, e.payload)
            for e in found
        ]


@pytest.fixture
def twins(template_db: Path, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    pair = []
    for label in ("planned", "everyone"):
        path = tmp_path / f"{label}.db"
        shutil.copyfile(template_db, path)
        pair.append(open_database(resolve_location(path)))
    yield pair[0], pair[1]
    for database in pair:
        database.dispose()


@pytest.mark.usefixtures("no_background_sender")
def test_sweeps_queue_what_comparing_everyone_queues(
    twins: tuple[Database, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", START.isoformat())
    monkeypatch.setenv("IQCADENCE_NOW", f"{START.isoformat()}T08:00")
    planned, everyone = twins
    for database in twins:
        setup(database)
    compared: list[int] = []
    real_run = Observation.run

    def counting(self: Observation, rows: list[dict[str, Any]]) -> int:
        compared.append(len(rows))
        return real_run(self, rows)

    monkeypatch.setattr(Observation, "run", counting)
    reference = run_days(everyone, monkeypatch, forget=True)
    everyone_compared = sum(compared)
    compared.clear()
    assert run_days(planned, monkeypatch, forget=False) == reference
    assert sum(compared) * 4 < everyone_compared  # far fewer customers looked at
    events = {(event, customer) for _key, event, customer, *_rest in reference}
    # time alone fired both kinds, and a customer brought back fired what it missed
    assert any(event == "no_contact" for event, _c in events)
    assert any(event == "renewal_approaching" for event, _c in events)
    assert ("no_contact", name(8)) in events
    assert ("custom", name(25)) in events and ("custom", name(26)) in events


@pytest.mark.usefixtures("no_background_sender")
def test_a_second_sweep_the_same_day_compares_nobody(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", START.isoformat())
    setup(database)
    compared: list[int] = []
    real_run = Observation.run

    def counting(self: Observation, rows: list[dict[str, Any]]) -> int:
        compared.append(len(rows))
        return real_run(self, rows)

    monkeypatch.setattr(Observation, "run", counting)
    with database.session() as session:
        actor = resolve_actor(session)
        engine.sweep(session, actor.client_id)  # the first one records everyone
        assert sum(compared) == 30
        compared.clear()
        engine.sweep(session, actor.client_id)
        assert compared == []
        monkeypatch.setenv("IQCADENCE_TODAY", (START + timedelta(days=1)).isoformat())
        engine.sweep(session, actor.client_id)
        assert 0 < sum(compared) < 10


@pytest.mark.usefixtures("no_background_sender")
def test_the_next_day_queues_the_crossings_on_each_engine(
    engine_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", START.isoformat())
    setup(engine_db)
    with engine_db.session() as session:
        actor = resolve_actor(session)
        engine.sweep(session, actor.client_id)  # records everyone
        session.commit()
        monkeypatch.setenv("IQCADENCE_TODAY", (START + timedelta(days=1)).isoformat())
        assert engine.sweep(session, actor.client_id) == 2
        session.commit()
        found = session.exec(select(OutboxEntry)).all()
    # days since contact 20 → 21; a renewal 31 days away comes within 30
    assert sorted((e.event, e.customer_name) for e in found) == [
        ("no_contact", name(20)),
        ("renewal_approaching", name(6)),
    ]


@pytest.mark.usefixtures("no_background_sender")
def test_a_customer_written_without_a_change_event_is_seen_by_the_next_sweep(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", START.isoformat())
    setup(database)
    with database.session() as session:
        actor = resolve_actor(session)
        engine.sweep(session, actor.client_id)
        session.commit()
        session.connection().execute(
            text(
                "INSERT INTO customer (client_id, name, name_key, lifecycle, status, tags, "
                "score_manual, days_baseline, days_as_of, created_at, updated_at) VALUES "
                "(:client_id, 'Raw', 'raw', 'active', 'active', '', 0, 90, '2026-11-27', "
                "'2026-11-27 00:00:00', '2026-11-27 00:00:00')"
            ),
            {"client_id": actor.client_id},
        )
        session.commit()
        assert engine.sweep(session, actor.client_id) == 0  # recorded, nothing fires
        session.commit()
        watched = session.connection().execute(
            text(
                "SELECT COUNT(*) FROM customer_watch w JOIN customer c ON c.id = w.customer_id "
                "WHERE c.name = 'Raw'"
            )
        )
        assert watched.scalar_one() == 1
