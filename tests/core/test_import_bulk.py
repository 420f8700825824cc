"""`import csv`'s set-based write paths: new customers scored in the INSERT,
indexes and search triggers suspended around a large write and rebuilt, and a
first load written without the WAL, each giving what the row-by-row path gives."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from iqcadence.core.base.actor import Actor
from tests.core.test_import_customers import DATA, rows, run
from tests.factories import dump


def test_large_import_suspends_and_rebuilds_the_search_index(
    session: Any, actor: Actor, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.io.imports import customer_read, customer_state

    monkeypatch.setattr(customer_state, "SUSPEND_MIN_ROWS", 10)
    monkeypatch.setattr(customer_read, "CHUNK_ROWS", 7)
    body = "name,logins,manager\n" + "".join(f"Firm {i},{i % 40},Csm{i % 3}\n" for i in range(50))
    summary = run(session, actor, body)
    assert summary.created == 50 and summary.scoring["scored"] == 50
    hits = rows(db_path, "SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'csm1'")
    assert hits == [(17,)]
    triggers = rows(
        db_path,
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'customer_fts_%'",
    )
    assert triggers == [(3,)]
    with session.connection() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM score_snapshot")).scalar_one() == 50
    # the indexes dropped around the bulk write are all back, and built after scoring
    from iqcadence.core.store.models import Customer

    present = {
        name
        for (name,) in rows(
            db_path, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customer'"
        )
    }
    assert {str(ix.name) for ix in Customer.__table__.indexes} <= present
    top = rows(
        db_path, "SELECT name FROM customer INDEXED BY ix_customer_score ORDER BY score DESC"
    )
    assert top[0] == ("Firm 39",)


FRESH_FILE = (
    "name,stage,logins,nps,days,score,scoring_profile,tags,last_contact_date\n"
    "Alpha,onboarding,2,1,90,,,vip,\n"
    "Beta,atrisk,60,10,1,,,,\n"
    "Gamma,,,,,,,,\n"
    "Delta,active,,,,55,,,\n"
    "Eps,active,30,7,10,,Pro,beta,\n"
    "ALPHA,active,5,5,5,,,,\n"
    "Zeta,active,40,,,,,,\n"
    "Theta,active,12,8,,,,,2026-09-01\n"  # decayed days since contact
)


def _state(database: Any) -> dict[str, Any]:
    by_name = (
        "SELECT c.name, c.score, c.band, c.lifecycle, c.score_manual, c.scored_at IS NULL, "
        "c.logins, c.nps, c.days_baseline, c.days_as_of, c.tags, c.scoring_profile "
        "FROM customer c ORDER BY c.name"
    )
    snapshots = (
        "SELECT c.name, s.score, s.band, s.logins, s.nps, s.days, s.weights, s.source "
        "FROM score_snapshot s JOIN customer c ON c.id = s.customer_id ORDER BY c.name, s.id"
    )
    entries = (
        "SELECT action, customer_name, details FROM audit_entry "
        "WHERE action NOT LIKE 'config%' ORDER BY id"
    )
    search = "SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'vip'"
    return {
        "customers": rows(database, by_name),
        "snapshots": rows(database, snapshots),
        "audit": rows(database, entries),
        # SQLite's search index; PostgreSQL searches the table itself
        "search": rows(database, search) if database.location.is_sqlite else [(1,)],
    }


def test_new_customers_scored_in_the_insert_match_a_rescore(
    engine_db: Any, session: Any, actor: Actor, database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a first load scores in the INSERT; on PostgreSQL (always
    the other path) the same file gives the same customers."""
    from iqcadence.core.io.imports import customers as module
    from iqcadence.core.store import settings

    settings.save_profile(session, actor, "Pro", {"logins": 60, "nps": 40})
    session.commit()
    results = []
    for on_insert in (True, False):
        monkeypatch.setattr(module, "SCORE_ON_INSERT", on_insert)
        summary = run(session, actor, FRESH_FILE, skip_invalid=True)
        assert (summary.created, summary.rejected) == (7, 1)
        assert summary.problems[0].line == 7
        ids = [r[0] for r in rows(database, "SELECT id FROM customer ORDER BY id")]
        if database.location.is_sqlite:  # a PostgreSQL sequence keeps rolled-back numbers
            assert ids == list(range(ids[0], ids[0] + 7))  # no gap for the rejected row
        results.append((summary.scoring, summary.manual_overrides, _state(database)))
        with database.engine.begin() as conn:
            for table in ("score_snapshot", "audit_entry", "timeline_event", "customer"):
                conn.execute(text(f"DELETE FROM {table}"))
    fast, slow = results
    assert fast == slow
    scoring, manual, state = fast
    assert scoring["scored"] == 7 and scoring["changed"] == 6 and manual == 1
    assert scoring["lifecycle_changes"] >= 1
    lifecycles = {r[0]: (r[2], r[3], r[5]) for r in state["customers"]}
    assert lifecycles["Gamma"] == (None, "active", 1)  # unscored, never scored
    assert lifecycles["Alpha"][1] == "atrisk"  # onboarding moved by its band
    assert state["search"] == [(1,)]
    theta = next(r for r in state["customers"] if r[0] == "Theta")
    assert (theta[8], str(theta[9])) == (0, "2026-09-01")  # 87 days since contact today


BULK_REPEATS = ("FIRM 3 ,7,Csm9", "firm 39,1,Csm9")


def _bulk_with_repeats(tmp_path: Path) -> tuple[Path, list[int]]:
    """40 firms; a rejected row, a blank line and a two-line record shift the
    lines of the rows after them; two rows repeat earlier names."""
    lines = ["name,logins,manager"]
    for i in range(40):
        lines.append(f"Firm {i},{i % 30},Csm{i % 3}")
    lines.insert(4, "Odd Co,lots,Csm1")  # rejected: logins is not a number
    lines.insert(8, "")
    lines.insert(11, '"Two\nLines Ltd",3,Csm2')
    lines.insert(17, BULK_REPEATS[0])
    lines.append(BULK_REPEATS[1])
    path = tmp_path / "bulk.csv"
    path.write_text("\n".join(lines) + "\n")
    text = path.read_text().splitlines()
    return path, [text.index(repeat) + 1 for repeat in BULK_REPEATS]


@pytest.mark.parametrize("bulk", [True, False])
def test_repeated_names_in_a_bulk_import_are_rejected_like_row_by_row(
    engine_db: Any,
    session: Any,
    actor: Actor,
    database: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bulk: bool,
) -> None:
    """On the bulk path the unique name index is dropped and built once at the
    end; repeated names are still found, reported with their line and the
    file's own row, and taken out."""
    from iqcadence.core.io.imports import customer_read, customer_state
    from iqcadence.core.io.imports import customers as module

    if bulk:
        monkeypatch.setattr(customer_state, "SUSPEND_MIN_ROWS", 5)
        monkeypatch.setattr(customer_read, "CHUNK_ROWS", 9)
    dropped: list[bool] = []
    check = module.Importer.check_unique_names
    monkeypatch.setattr(
        module.Importer,
        "check_unique_names",
        lambda self, max_id: dropped.append(True) or check(self, max_id),
    )
    path, repeat_lines = _bulk_with_repeats(tmp_path)
    before = dump(database)
    refused = run(session, actor, path)
    assert not refused.written and dump(database) == before
    assert [(p.line, p.field, p.value) for p in refused.problems if p.field == "name"] == [
        (repeat_lines[0], "name", "FIRM 3 "),
        (repeat_lines[1], "name", "firm 39"),
    ]
    assert [p.line for p in refused.problems if p.field == "logins"] == [5]
    # only a first load on SQLite drops the unique index; PostgreSQL keeps it
    assert dropped == ([True] if bulk and database.location.is_sqlite else [])
    errors = tmp_path / "errors.csv"
    with errors.open("w", newline="") as out:
        summary = run(session, actor, path, skip_invalid=True, errors_out=out)
    assert (summary.created, summary.rejected, summary.scoring["scored"]) == (41, 3, 41)
    names = rows(database, "SELECT name, manager FROM customer WHERE name_key LIKE 'firm 3%'")
    assert ("Firm 3", "Csm0") in names and all(m != "Csm9" for _n, m in names)
    assert rows(database, "SELECT COUNT(*) FROM score_snapshot") == [(41,)]
    if database.location.is_sqlite:
        search = "SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'csm9'"
        assert rows(database, search) == [(0,)]
    written = errors.read_text().splitlines()
    assert written[1].startswith("Odd Co,lots,Csm1")
    assert written[2].startswith("FIRM 3 ,7,Csm9") and written[3].startswith("firm 39,1,Csm9")
    # every index dropped around the bulk write is back, the unique one unique
    from iqcadence.core.store.models import Customer

    indexes = {ix["name"]: ix for ix in inspect(database.engine).get_indexes("customer")}
    assert {str(ix.name) for ix in Customer.__table__.indexes} <= set(indexes)
    index = indexes["uq_customer_client_name"]
    assert index["unique"] and index["column_names"] == ["client_id", "name_key"]
    with pytest.raises(IntegrityError), database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customer (client_id, name, name_key, lifecycle, status, tags, "
                "score_manual, created_at, updated_at) "
                "SELECT client_id, 'x', name_key, lifecycle, status, tags, score_manual, "
                "created_at, updated_at FROM customer LIMIT 1"
            )
        )


@pytest.mark.parametrize("into_empty_client", [True, False])
def test_rules_for_new_customers_hold_on_both_write_paths(
    session: Any, actor: Actor, db_path: Path, into_empty_client: bool
) -> None:
    """New customers are built column by column; the rules are those of an
    update: MRR and ARR derive each other and must agree, a last contact date
    may not be in the future (the first problem of a row is the one reported),
    a computed score is not an override, a blank renewal date takes the months."""
    if not into_empty_client:
        run(session, actor, "name\nAlready There\n")
    body = (
        "name,mrr,arr,last_contact_date,days,renewal_date,months_to_renewal,score,"
        "score_source,tags,stage\n"
        "Only Mrr,100,,,,,,,,,\n"
        "Only Arr,,1200,2026-11-20,,2027-05-01,3,,,vip,onboarding\n"
        "Mismatch,100,5000,,,,,,,,\n"
        "Future,,,2027-01-01,,,,,,,\n"
        "Both Bad,100,5000,2027-01-01,,,,,,,\n"
        "Days Win,,,2026-11-01,7,,2,55,computed,,\n"
        "Manual,,,,,,,61,,,\n"
    )
    summary = run(session, actor, body, skip_invalid=True)
    assert (summary.created, summary.rejected) == (4, 3)
    assert [(p.line, p.field) for p in summary.problems] == [
        (4, "arr"),
        (5, "last_contact_date"),
        (6, "arr"),
    ]
    found = {
        r[0]: r[1:]
        for r in rows(
            db_path,
            "SELECT name, mrr, arr, days_baseline, days_as_of, renewal_date, score, "
            "score_manual, tags, lifecycle FROM customer",
        )
    }
    assert found["Only Mrr"][:2] == (100, 1200) and found["Only Mrr"][7] == ""
    assert found["Only Arr"][:5] == (100, 1200, 0, "2026-11-20", "2027-05-01")
    assert found["Only Arr"][7:] == ("vip", "onboarding")
    days_win = found["Days Win"]
    assert days_win[2:5] == (7, "2026-11-27", "2027-01-27") and days_win[6] == 0
    assert found["Manual"][5:7] == (61, 1) and found["Manual"][8] == "active"


def _journal_modes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The journal mode each bulk load switched to (imports of any size)."""
    from iqcadence.core.io.imports import customers as module
    from iqcadence.core.store import dialect

    monkeypatch.setattr(module, "BULK_LOAD_MIN_BYTES", 0)
    modes: list[str] = []
    leave_wal = dialect._leave_wal

    def spy(conn: Any) -> None:
        leave_wal(conn)
        modes.append(conn.exec_driver_sql("PRAGMA journal_mode").scalar_one())

    monkeypatch.setattr(dialect, "_leave_wal", spy)
    return modes


def test_a_first_load_writes_without_the_wal_and_puts_it_back(
    session: Any, actor: Actor, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes = _journal_modes(monkeypatch)
    summary = run(session, actor, DATA / "messy.csv")
    assert modes == ["delete"] and summary.created == 3
    assert rows(db_path, "PRAGMA journal_mode") == [("wal",)]
    assert rows(db_path, "SELECT COUNT(*) FROM customer") == [(3,)]
    # a second import updates customers: the WAL as usual
    run(session, actor, "name,nps\nAcme Corp,3\n")
    assert modes == ["delete"]


def test_a_refused_first_load_leaves_nothing_and_the_wal_back(
    session: Any,
    actor: Actor,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    modes = _journal_modes(monkeypatch)
    before = dump(db_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,nps\nGood Co,9\nBad Co,eleven\n")
    summary = run(session, actor, bad)
    assert modes == ["delete"] and summary.rejected == 1 and not summary.written
    assert dump(db_path) == before
    assert rows(db_path, "PRAGMA journal_mode") == [("wal",)]


def test_a_first_load_keeps_the_wal_while_another_connection_is_open(
    session: Any, actor: Actor, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes = _journal_modes(monkeypatch)
    reader = sqlite3.connect(db_path)
    try:
        assert reader.execute("SELECT COUNT(*) FROM customer").fetchone() == (0,)
        summary = run(session, actor, DATA / "messy.csv")
        assert modes == ["wal"] and summary.created == 3
        assert reader.execute("SELECT COUNT(*) FROM customer").fetchone() == (3,)
    finally:
        reader.close()
