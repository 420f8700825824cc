"""The daily decay refresh: whoever opens the database first on a new day
brings stored scores in line with days since contact (SPEC §3 "Decay"), once,
as the system, only for the customers decay can move, without ever failing
or holding up the read that triggered it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel import col, select

from iqcadence.core.accounts import customers, decay
from iqcadence.core.accounts.breakdown import breakdown
from iqcadence.core.base.actor import SYSTEM_USER
from iqcadence.core.runtime import freshness
from iqcadence.core.store import settings
from iqcadence.core.store.db import Database, open_database
from iqcadence.core.store.models import AuditEntry, ScoreSnapshot

DAY0 = "2026-11-27"
DAY30 = "2026-12-27"

ACCOUNTS: dict[str, dict[str, Any]] = {
    # (25×35 + 10×100) / 35 = 53.6 (Watch); 30 days later (25×35 + 10×83.3) / 35 = 48.8
    "Fading": {"adoption": 35, "days": 0, "manager": "Sarah"},
    "Steady": {"adoption": 80},  # no days signal: nothing to decay
    "Pinned": {"adoption": 50, "days": 0, "score": 70},  # a manual score is kept
    "Gone quiet": {"adoption": 50, "days": 200},  # past 180 days: its sub-score is 0 already
}


@pytest.fixture
def day0(session: Any, actor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", DAY0)
    for name, values in ACCOUNTS.items():
        customers.apply_changes(session, actor, name, values)
    session.commit()


def reopened(database: Database) -> Database:
    """Another program opening the same database (its own engine and pool)."""
    return open_database(database.location)


def row(database: Database, name: str) -> Any:
    with database.session() as session:
        found = customers.find_customer(session, 1, name)
        assert found is not None
        return found


def computed(database: Database, name: str) -> float | None:
    """The score of the customer's signals today (its breakdown's)."""
    with database.session() as session:
        found = customers.find_customer(session, 1, name)
        assert found is not None
        config = settings.load_scoring_config(session, 1)
        return breakdown(session, found, config)["computed_score"]  # type: ignore[no-any-return]


def decay_runs(database: Database) -> list[AuditEntry]:
    with database.session() as session:
        entries = session.exec(
            select(AuditEntry).where(AuditEntry.action == "rescore").order_by(col(AuditEntry.id))
        ).all()
        return [e for e in entries if e.details.get("cause") == "decay"]


def test_a_new_day_brings_stored_scores_in_line_with_decay(
    engine_db: Any, day0: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", DAY30)
    assert row(engine_db, "Fading").score == 53.6  # stale: scored 30 days ago
    outcome = freshness.ensure_scores_current(engine_db)
    assert outcome.skipped == ()
    fading = row(engine_db, "Fading")
    assert fading.score == computed(engine_db, "Fading") == 48.8
    assert (fading.band, fading.lifecycle) == ("at_risk", "atrisk")
    # only customers decay can move were looked at (not those without days
    # since contact, nor a manual score), and Fading alone moved
    summary = outcome.refreshed[1]
    assert (summary.scored, summary.changed) == (2, 1)
    assert summary.band_moves == {"watch->at_risk": 1}
    assert row(engine_db, "Pinned").score == 70.0
    assert row(engine_db, "Steady").score == 80.0
    with engine_db.session() as session:
        snap = session.exec(
            select(ScoreSnapshot).order_by(col(ScoreSnapshot.id).desc()).limit(1)
        ).one()
        assert (snap.customer_id, snap.score, snap.days, snap.source) == (
            fading.id,
            48.8,
            30,
            "decay",
        )
    [entry] = decay_runs(engine_db)
    assert entry.user_email == SYSTEM_USER and entry.details["changed"] == 1


def test_a_viewer_or_nobody_at_all_still_gets_true_scores(
    database: Any, session: Any, actor: Any, day0: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresh acts as the system, not as whoever opened the database."""
    from iqcadence.core.store import users

    users.add_user(session, actor, "viewer@example.com", role="viewer")
    monkeypatch.setenv("IQCADENCE_USER", "viewer@example.com")
    monkeypatch.setenv("IQCADENCE_TODAY", DAY30)
    freshness.ensure_scores_current(reopened(database))
    assert row(database, "Fading").score == 48.8


def test_the_refresh_runs_once_a_day(
    database: Any, day0: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", DAY30)
    assert freshness.ensure_scores_current(reopened(database)).refreshed
    for _ in range(3):  # later programs that day find it done
        assert freshness.ensure_scores_current(reopened(database)).refreshed == {}
    assert len(decay_runs(database)) == 1
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-12-28")
    assert freshness.ensure_scores_current(reopened(database)).refreshed
    assert len(decay_runs(database)) == 2


def test_programs_opening_at_once_refresh_once(
    engine_db: Any, day0: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", DAY30)
    opened = [reopened(engine_db) for _ in range(4)]
    start = threading.Barrier(len(opened))
    errors: list[BaseException] = []
    outcomes: list[freshness.Freshness] = []

    def open_and_read(database: Database) -> None:
        start.wait()
        try:
            outcomes.append(freshness.ensure_scores_current(database, patience=None))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_read, args=(db,)) for db in opened]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for database in opened:
        database.dispose()
    assert errors == []
    assert [bool(outcome.refreshed) for outcome in outcomes].count(True) == 1
    assert len(decay_runs(engine_db)) == 1
    assert row(engine_db, "Fading").score == 48.8


@contextmanager
def another_program_writing(database: Database) -> Iterator[None]:
    """Another program in the middle of a long write (an import, a restore)."""
    if database.location.is_sqlite:
        other = sqlite3.connect(str(database.location.path), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.rollback()
            other.close()
        return
    with database.engine.connect() as conn:  # holding the refresh's turn
        conn.execute(text("SELECT pg_advisory_xact_lock(1, hashtext('decay_refresh'))"))
        yield
        conn.rollback()


def test_a_busy_database_is_left_for_the_next_open(
    engine_db: Any, day0: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", DAY30)
    with another_program_writing(engine_db):
        outcome = freshness.ensure_scores_current(engine_db)
        assert outcome.skipped == (1,) and outcome.refreshed == {}
        assert row(engine_db, "Fading").score == 53.6  # read as it was, without failing
        # this program reads on without trying again for a while
        assert freshness.ensure_scores_current(engine_db).skipped == (1,)
    assert decay_runs(engine_db) == []
    later = reopened(engine_db)  # the next program to open it
    assert freshness.ensure_scores_current(later).refreshed
    later.dispose()
    assert row(engine_db, "Fading").score == 48.8


def test_a_read_only_database_is_read_as_it_is(
    database: Any, day0: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", DAY30)
    read_only = reopened(database)

    @event.listens_for(read_only.engine, "connect")
    def _query_only(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA query_only = ON")

    read_only.engine.dispose()  # connections opened from now on are read-only
    outcome = freshness.ensure_scores_current(read_only)
    assert outcome.skipped == (1,)
    assert row(read_only, "Fading").score == 53.6
    read_only.dispose()


def test_days_without_any_open_are_caught_up_in_one_refresh(
    database: Any, day0: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.accounts.history import momentum_for

    monkeypatch.setenv("IQCADENCE_TODAY", "2027-01-11")  # 45 days later
    freshness.ensure_scores_current(reopened(database))
    fading = row(database, "Fading")
    # (25×35 + 10×75) / 35 = 46.4: the same as scoring it afresh today
    assert fading.score == computed(database, "Fading") == 46.4
    assert len(decay_runs(database)) == 1
    with database.session() as session:
        sources = session.exec(
            select(ScoreSnapshot.source).where(ScoreSnapshot.customer_id == fading.id)
        ).all()
        assert sorted(sources) == ["decay", "score"]  # one point for the day it ran
        moved = momentum_for(session, [{"id": fading.id, "score": fading.score}])
        assert moved[fading.id] == round(46.4 - 53.6, 1)


def test_a_day_earlier_than_the_last_refresh_is_refreshed_too(
    database: Any, day0: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """IQCADENCE_TODAY set back (a back-fill): scores follow that day's signals."""
    monkeypatch.setenv("IQCADENCE_TODAY", DAY30)
    freshness.ensure_scores_current(reopened(database))
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-12-07")  # 10 days after day 0
    freshness.ensure_scores_current(reopened(database))
    assert row(database, "Fading").score == computed(database, "Fading") == 52.0


def test_customers_whose_weights_ignore_days_are_left_alone(
    database: Any, session: Any, actor: Any, day0: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    weights = {"logins": 25, "adoption": 75}
    settings.save_profile(session, actor, "No contact", weights)
    customers.apply_changes(session, actor, "Profiled", {"adoption": 40, "days": 0})
    customers.apply_changes(session, actor, "Profiled", {"scoring_profile": "No contact"})
    freshness.ensure_scores_current(reopened(database))  # day 0's
    monkeypatch.setenv("IQCADENCE_TODAY", DAY30)
    outcome = freshness.ensure_scores_current(reopened(database))
    assert outcome.refreshed[1].scored == 1  # Fading alone
    assert row(database, "Profiled").score == computed(database, "Profiled") == 40.0


def test_a_sub_score_at_zero_since_the_last_refresh_is_not_looked_at_again(
    database: Any, day0: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the last refresh saw 180 days or more, nothing can move it."""
    monkeypatch.setenv("IQCADENCE_TODAY", DAY0)
    assert freshness.ensure_scores_current(reopened(database)).refreshed[1].changed == 0
    assert decay_runs(database) == []  # a refresh that moved nothing is not audited
    monkeypatch.setenv("IQCADENCE_TODAY", DAY30)
    outcome = freshness.ensure_scores_current(reopened(database))
    assert outcome.refreshed[1].scored == 1  # Fading; not Gone quiet
    assert row(database, "Gone quiet").score == computed(database, "Gone quiet") == 35.7


def test_every_client_is_refreshed(
    database: Any, session: Any, actor: Any, day0: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.store import clients
    from iqcadence.core.store.users import resolve_actor

    other = clients.add_client(session, actor, "Second")
    assert other.id is not None
    elsewhere = resolve_actor(session, None, "Second")
    customers.apply_changes(session, elsewhere, "Fading", {"adoption": 35, "days": 0})
    monkeypatch.setenv("IQCADENCE_TODAY", DAY30)
    outcome = freshness.ensure_scores_current(reopened(database))
    assert set(outcome.refreshed) == {1, other.id}
    with database.session() as read:
        theirs = customers.find_customer(read, other.id, "Fading")
        assert theirs is not None and theirs.score == 48.8


def test_a_new_database_is_only_read(database: Any) -> None:
    """No customers, nothing to refresh: opening it takes no write lock and
    writes nothing, not even the day."""
    from tests.factories import dump

    before = dump(database)
    with another_program_writing(database):  # it would have to wait for the lock
        assert freshness.ensure_scores_current(reopened(database)) == freshness.Freshness()
    assert dump(database) == before


def test_with_nothing_decay_can_move_nothing_is_written(
    database: Any, session: Any, actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers.apply_changes(session, actor, "Steady", {"adoption": 80})
    customers.apply_changes(session, actor, "Pinned", {"adoption": 50, "days": 0, "score": 70})
    monkeypatch.setenv("IQCADENCE_TODAY", DAY30)
    with another_program_writing(database):  # no score is out of date: no wait
        assert freshness.ensure_scores_current(reopened(database)) == freshness.Freshness()
    with database.session() as read:
        assert decay.refreshed_on(read, 1) is None  # left for the next open
    assert freshness.ensure_scores_current(reopened(database)).refreshed == {}
    assert decay_runs(database) == []
    with database.session() as read:
        # a read (or a refused command) leaves the database as it was
        assert decay.refreshed_on(read, 1) is None
        assert len(read.exec(select(ScoreSnapshot)).all()) == 2  # the two scorings


def test_the_real_time_runner_after_a_refresh_acts_as_the_user_of_the_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Notifications a refresh queues are sent by a runner started without
    `--as system` (no such user exists)."""
    from iqcadence.core.alerts import realtime

    started: list[list[str]] = []
    monkeypatch.setattr(realtime.subprocess, "Popen", lambda cmd, **_: started.append(cmd))
    from sqlalchemy.engine import make_url

    assert realtime.start_runner(make_url("sqlite:////tmp/x.db"), SYSTEM_USER)
    assert "--as" not in started[0]
    assert realtime.start_runner(make_url("sqlite:////tmp/x.db"), "ana@example.com")
    assert started[1][started[1].index("--as") + 1] == "ana@example.com"
