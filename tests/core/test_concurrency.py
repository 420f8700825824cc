"""Several programs writing one database at once: none of them fails.

Write sessions take the write lock as each transaction begins (SQLite
BEGIN IMMEDIATE), so a writer whose transaction reads first and writes
later waits its turn instead of failing once another writer has committed
meanwhile. Read sessions stay deferred: they never wait for a writer.

The first test is a bounded version of a busy day: CLI commands (`log`,
`tasks add`, `customers edit`, `import csv`, `rescore`, `automations run`)
and core calls in write sessions, from several processes at once, on
SQLite and on PostgreSQL; every one must succeed and every write land.
The others pin down the pieces on SQLite, one behaviour each.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from iqcadence.core.store import db, dialect
from tests.memory_keyring import memory_keyring  # noqa: F401

ROUNDS = 6  # commands per writing process
LOGGERS = 2  # processes running `log`, as in the script
IMPORT_ROWS = 300


# --- what each process runs -----------------------------------------------------------
# The processes are forked from the test, which has imported everything they
# need already (so they start at once); each opens its own connections.


def _preload() -> Any:
    """The CLI's click command, and the core modules the commands import."""
    import typer.main

    import iqcadence.core.accounts.custom_fields
    import iqcadence.core.accounts.rescore
    import iqcadence.core.accounts.tasks
    import iqcadence.core.accounts.timeline
    import iqcadence.core.alerts.outbox
    import iqcadence.core.io.imports.customers  # noqa: F401
    from iqcadence.cli.main import app

    return typer.main.get_command(app)


def _cli_worker(location: str, commands: list[list[str]], start_at: float) -> list[Any]:
    """Run CLI commands one after another; (argv, exit code, stderr) of each."""
    from click.testing import CliRunner

    command = _preload()
    runner = CliRunner()
    time.sleep(max(0.0, start_at - time.time()))
    results = []
    for argv in commands:
        result = runner.invoke(command, ["--db", location, *argv])
        results.append((argv, result.exit_code, result.stderr.strip()))
    return results


def _core_worker(location: str, rounds: int, start_at: float) -> list[Any]:
    """Log events and add tasks through the core, each in a write session."""
    from iqcadence.core.accounts import tasks, timeline
    from iqcadence.core.runtime import wiring
    from iqcadence.core.store.users import resolve_actor

    wiring.install()
    database = db.open_database(db.resolve_location(location))
    results = []
    time.sleep(max(0.0, start_at - time.time()))
    try:
        for i in range(rounds):
            for what, write in (
                (
                    f"core log {i}",
                    lambda s, i=i: timeline.log_event(
                        s, resolve_actor(s), "Acme", kind="note", title=f"core-{i}"
                    ),
                ),
                (
                    f"core task {i}",
                    lambda s, i=i: tasks.add_task(s, resolve_actor(s), "Acme", f"core task {i}"),
                ),
            ):
                try:
                    database.run_write(write)
                    results.append(([what], 0, ""))
                except Exception as exc:
                    results.append(([what], 1, db.describe_failure(exc)))
    finally:
        database.dispose()
    return results


def _accounts_csv(path: Path, rows: int) -> Path:
    lines = ["Company,CSM,MRR,Logins,Adoption %,Tickets,NPS,Days Since Contact,Tier"]
    for i in range(rows):
        signals = f"{i % 30},{i % 100}%,{i % 4},8,{i % 40}"
        lines.append(f"Import {i:04d},Ana Souza,{100 + i},{signals},smb")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def acme(database: Any, actor: Any, session: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """One customer to write to; no background sender (it would outlive the test)."""
    from iqcadence.core.accounts import customers

    monkeypatch.setenv("IQCADENCE_SEND_ON_CHANGE", "0")
    customers.apply_changes(session, actor, "Acme", {"logins": 1})


def test_writers_in_several_processes_all_succeed(
    engine_db: Any, acme: None, db_location: str, tmp_path: Path
) -> None:
    """CLI and core writers at once, on each engine: no failure, no lost write."""
    from iqcadence.core.store.models import Customer, Task, TimelineEvent

    source = _accounts_csv(tmp_path / "accounts.csv", IMPORT_ROWS)
    loggers = [
        [["log", "Acme", "--kind", "note", "--title", f"p{k}-{i}"] for i in range(ROUNDS)]
        for k in range(LOGGERS)
    ]
    others = [
        [
            argv
            for i in range(ROUNDS)
            for argv in (
                ["tasks", "add", "Acme", f"task {i}"],
                ["customers", "edit", "Acme", "--set", f"manager=M{i}"],
            )
        ],
        # what cron runs: the nightly import, the automations loop, a rescore
        [["import", "csv", str(source)], ["automations", "run"], ["rescore"]] * (ROUNDS // 3),
    ]
    _preload()
    start_at = time.time() + 1.0  # every process is ready by then
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(len(loggers) + len(others) + 1, mp_context=fork) as pool:
        jobs = [pool.submit(_cli_worker, db_location, cmds, start_at) for cmds in loggers + others]
        jobs.append(pool.submit(_core_worker, db_location, ROUNDS, start_at))
        results = [outcome for job in jobs for outcome in job.result(timeout=120)]

    failed = [(" ".join(argv), code, err) for argv, code, err in results if code != 0]
    assert failed == []
    with engine_db.session() as session:
        events = session.scalar(select(func.count()).select_from(TimelineEvent))
        titles = set(session.scalars(select(TimelineEvent.title)))
        tasks = session.scalar(select(func.count()).select_from(Task))
        imported = session.scalar(
            select(func.count()).select_from(Customer).where(Customer.name.startswith("Import"))
        )
    assert events is not None and events >= (LOGGERS + 1) * ROUNDS
    assert {f"p{k}-{i}" for k in range(LOGGERS) for i in range(ROUNDS)} <= titles
    assert {f"core-{i}" for i in range(ROUNDS)} <= titles
    assert tasks == 2 * ROUNDS  # from the CLI and from the core
    assert imported == IMPORT_ROWS


# --- the pieces, on SQLite ------------------------------------------------------------


@contextmanager
def _write_lock_held(path: Path, *, commit_after: float, write: bool = True) -> Iterator[None]:
    """Another program holding the write lock for `commit_after` seconds,
    then committing (a write when `write`) and letting go."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    if write:
        other.execute("UPDATE client SET name = name")

    def release() -> None:
        time.sleep(commit_after)
        other.execute("COMMIT")

    thread = threading.Thread(target=release)
    thread.start()
    try:
        yield
    finally:
        thread.join()
        other.close()


def _read_then_write(database: db.Database, *, write: bool) -> None:
    """A transaction that reads, then (after another program's commit) writes."""
    with database.session(write=write) as session:
        session.connection().execute(text("SELECT COUNT(*) FROM customer")).scalar_one()
        session.connection().execute(text("UPDATE client SET name = name"))
        session.commit()


def test_a_read_session_that_writes_after_another_commit_fails_at_once(
    database: db.Database, db_path: Path
) -> None:
    """Why write sessions exist: a deferred transaction's read turns into a
    write only if nobody committed since it began, whatever the busy timeout."""
    with database.session() as session:
        session.connection().execute(text("SELECT COUNT(*) FROM customer")).scalar_one()
        with _write_lock_held(db_path, commit_after=0.2):
            pass
        started = time.monotonic()
        with pytest.raises(OperationalError) as caught:
            session.connection().execute(text("UPDATE client SET name = name"))
    assert db.is_busy(caught.value)
    assert time.monotonic() - started < 1.0  # refused at once, not after 10 s


def test_a_write_session_waits_for_the_lock_then_writes(
    database: db.Database, db_path: Path
) -> None:
    with _write_lock_held(db_path, commit_after=0.4):
        started = time.monotonic()
        _read_then_write(database, write=True)
    assert time.monotonic() - started >= 0.3  # it waited its turn


def test_a_read_session_never_waits_for_a_writer(
    database: db.Database, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading, and opening the database, go on while another program writes."""
    monkeypatch.setattr(dialect, "BUSY_TIMEOUT_MS", 50)
    database.dispose()  # new connections get the short timeout
    with _write_lock_held(db_path, commit_after=1.0):
        started = time.monotonic()
        with database.session() as session:
            assert session.connection().execute(text("SELECT COUNT(*) FROM client")).scalar() == 1
        db.open_database(db.resolve_location(db_path)).dispose()
        assert time.monotonic() - started < 0.5


def test_a_waiting_writer_is_told_so_once(
    database: db.Database, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialect, "LOCK_NOTICE_AFTER_MS", 50)
    told: list[float] = []
    with _write_lock_held(db_path, commit_after=0.5):
        with database.session(write=True, on_lock_wait=lambda: told.append(1)) as session:
            session.connection().execute(text("UPDATE client SET name = name"))
            session.commit()
    assert told == [1]
    with database.session(write=True, on_lock_wait=lambda: told.append(2)) as session:
        session.connection().execute(text("UPDATE client SET name = name"))
        session.commit()
    assert told == [1]  # a free lock: nothing to say
    with database.session(write=True) as session:
        assert session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_run_write_tries_again_past_the_busy_timeout_within_its_patience(
    database: db.Database, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialect, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(dialect, "LOCK_NOTICE_AFTER_MS", 50)
    database.dispose()
    tries: list[int] = []
    told: list[int] = []

    def write(session: Any) -> str:
        tries.append(1)
        session.connection().execute(text("UPDATE client SET name = name"))
        session.commit()
        return "done"

    with _write_lock_held(db_path, commit_after=0.3), pytest.raises(OperationalError):
        database.run_write(write)  # no patience: the busy timeout decides
    with _write_lock_held(db_path, commit_after=0.6):
        assert database.run_write(write, patience=5, on_lock_wait=lambda: told.append(1)) == "done"
    assert len(tries) >= 3 and told == [1]


def test_run_write_never_repeats_a_call_that_committed_part_of_its_work(
    database: db.Database, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialect, "BUSY_TIMEOUT_MS", 100)
    database.dispose()
    tries: list[int] = []

    def two_steps(session: Any) -> None:
        tries.append(1)
        session.connection().execute(text("UPDATE client SET name = name"))
        session.commit()  # the first step is in
        with _write_lock_held(db_path, commit_after=0.4):
            session.connection().execute(text("UPDATE client SET name = name"))

    with pytest.raises(OperationalError):
        database.run_write(two_steps, patience=5)
    assert tries == [1]


def test_a_notification_being_sent_holds_no_lock(
    database: db.Database,
    db_path: Path,
    httpserver: Any,
    memory_keyring: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`automations run` in a write session: while a slow endpoint answers,
    other programs write as usual (the claim is committed before the send)."""
    from werkzeug import Request, Response

    from iqcadence.core.accounts import customers
    from iqcadence.core.alerts import connections, outbox, rules
    from iqcadence.core.store.users import resolve_actor

    writes_meanwhile: list[str] = []

    def slow(_request: Request) -> Response:
        other = sqlite3.connect(db_path, timeout=0.2, isolation_level=None)
        try:
            other.execute("UPDATE client SET name = name")
            writes_meanwhile.append("written")
        except sqlite3.OperationalError as exc:
            writes_meanwhile.append(str(exc))
        finally:
            other.close()
        return Response("ok")

    httpserver.expect_request("/hook").respond_with_handler(slow)
    monkeypatch.setenv("IQCADENCE_SEND_ON_CHANGE", "0")
    with database.session(write=True) as session:
        actor = resolve_actor(session)
        connections.add_connection(
            session, actor, "hook", kind="webhook", target=httpserver.url_for("/hook")
        )
        customers.apply_changes(session, actor, "Acme", {"logins": 30, "adoption": 90, "nps": 9})
        rules.add_rule(session, actor, "r", events=["became_at_risk"], channels=["hook"])
        customers.apply_changes(session, actor, "Acme", {"logins": 1, "adoption": 5, "nps": 2})
    report = database.run_write(lambda s: outbox.run(s, resolve_actor(s)))
    assert report.sent == 1
    assert writes_meanwhile == ["written"]


def test_the_busy_sentence_does_not_guess_the_cause() -> None:
    assert db.BUSY.startswith("the database is busy: another program")
    for guess in ("import", "restore", "backup"):
        assert guess not in db.BUSY
