"""`import csv` into a book that has customers: rows matched chunk by chunk
(no map of every stored key), compared column by column, and a re-import
that changes a few rows writing only those rows' changed columns, with the
indexes and the search index kept in place."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from iqcadence.core.accounts.customers import RECOVERED_BANDS, RISK_BANDS
from iqcadence.core.base.actor import Actor
from iqcadence.core.io.imports.customer_plan import Plan
from iqcadence.core.io.imports.customer_update import Updater
from tests.core.test_import_customers import customer, rows, run

BOOK = "name,manager,logins,tags\n" + "".join(
    f"Firm {i},Csm{i % 3},{i % 40},t{i % 2}\n" for i in range(60)
)


def _statements(database: Any) -> list[str]:
    """The SQL the database runs from now on (until the test ends)."""
    seen: list[str] = []

    @event.listens_for(database.engine, "before_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    return seen


def test_a_reimport_changing_few_rows_keeps_indexes_and_writes_only_what_changed(
    session: Any, actor: Actor, database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.io.imports import customer_read, customer_state
    from iqcadence.core.store import search_index

    monkeypatch.setattr(customer_state, "SUSPEND_MIN_ROWS", 10)
    monkeypatch.setattr(customer_read, "CHUNK_ROWS", 7)
    assert run(session, actor, BOOK).created == 60
    suspended: list[bool] = []
    suspend = search_index.suspend_search_triggers
    monkeypatch.setattr(
        search_index,
        "suspend_search_triggers",
        lambda conn: suspended.append(True) or suspend(conn),
    )
    again = BOOK.replace("Firm 7,Csm1,7,", "Firm 7,Csm1,9,").replace(
        "Firm 30,Csm0,", "Firm 30,Newcsm,"
    )
    seen = _statements(database)
    summary = run(session, actor, again)
    assert (summary.updated, summary.unchanged) == (2, 58)
    assert suspended == []  # two rows written: the search index kept up row by row
    assert not [s for s in seen if s.startswith(("DROP INDEX", "CREATE INDEX"))]
    updates = [s for s in seen if s.startswith("UPDATE customer SET") and "WHERE id =" in s]
    assert sorted(s.split(" WHERE")[0] for s in updates) == [
        "UPDATE customer SET logins = ?, updated_at = ?",
        "UPDATE customer SET manager = ?, updated_at = ?",
    ]
    search = "SELECT rowid FROM customer_fts WHERE customer_fts MATCH 'newcsm'"
    assert rows(database, search) == rows(
        database, "SELECT id FROM customer WHERE name = 'Firm 30'"
    )
    assert customer(session, actor, "Firm 7").logins == 9
    # importing the same file once more changes nothing and writes nothing
    seen.clear()
    assert run(session, actor, again).unchanged == 60
    assert not [s for s in seen if s.startswith(("UPDATE customer", "INSERT INTO customer"))]


def test_a_reimport_changing_most_rows_still_writes_in_bulk(
    session: Any, actor: Actor, database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.io.imports import customer_read, customer_state

    monkeypatch.setattr(customer_state, "SUSPEND_MIN_ROWS", 10)
    monkeypatch.setattr(customer_read, "CHUNK_ROWS", 7)
    run(session, actor, BOOK)
    seen = _statements(database)
    summary = run(session, actor, BOOK.replace(",t0\n", ",t2\n").replace(",t1\n", ",t3\n"))
    assert summary.updated == 60
    assert [s for s in seen if s.startswith("DROP INDEX")]  # rebuilt once at the end
    hits = "SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 't3'"
    assert rows(database, hits) == [(30,)]


def test_repeats_across_chunks_are_found_without_a_map_of_keys(
    engine_db: Any, session: Any, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.io.imports import customer_read

    monkeypatch.setattr(customer_read, "CHUNK_ROWS", 2)
    run(session, actor, "name,mrr,email\nOld,1,old@example.com\nOther,1,other@example.com\n")
    body = "name,mrr\nOld,2\nNew,5\nx,1\nOLD,3\ny,1\nnew,6\n"
    summary = run(session, actor, body, skip_invalid=True)
    assert (summary.created, summary.updated, summary.rejected) == (3, 1, 2)
    assert [(p.line, p.reason) for p in summary.problems] == [
        (5, "appears more than once in the file"),
        (7, "another row of the file has this name"),
    ]
    assert customer(session, actor, "Old").mrr == 2 and customer(session, actor, "New").mrr == 5
    by_email = (
        "email,name,mrr\nOLD@example.com,,7\nnew@example.com,Newer,1\nx@example.com,X2,1\n"
        "old@example.com,,8\nnew@example.com,Newest,1\n"
    )
    summary = run(session, actor, by_email, key="email", skip_invalid=True)
    assert (summary.created, summary.updated, summary.rejected) == (2, 1, 2)
    assert [p.line for p in summary.problems] == [5, 6]
    assert customer(session, actor, "Old").mrr == 7


def test_a_domain_shared_by_two_customers_matches_neither(
    engine_db: Any, session: Any, actor: Actor
) -> None:
    run(session, actor, "name,domain\nA,https://www.acme.com/x\nB,acme.com\nC,c.io\n")
    summary = run(session, actor, "domain,mrr\nACME.com,5\nwww.c.io,6\n", key="domain")
    assert (summary.written, summary.rejected) == (False, 1)
    assert summary.problems[0].reason == "matches more than one customer; use --key name"
    summary = run(
        session, actor, "domain,mrr\nACME.com,5\nwww.c.io,6\n", key="domain", skip_invalid=True
    )
    assert summary.updated == 1 and customer(session, actor, "C").mrr == 6


# -- the column-by-column comparison against the rules, row by row ----------------

TODAY = date(2026, 11, 27)
LIFECYCLES = [None, "active", "onboarding", "atrisk", "churned"]
BANDS = [None, "critical", "at_risk", "watch", "healthy", "expansion"]
DAYS = [None, "2026-11-27", "2026-11-20", "2026-12-01"]
# the plan's columns the rules below give, in the plan's order
_ORDER = (
    "name",
    "name_key",
    "lifecycle",
    "tags",
    "logins",
    "mrr",
    "arr",
    "days_baseline",
    "days_as_of",
    "score",
    "score_manual",
)


def _rules(key: str, values: dict[str, Any], old: dict[str, Any]) -> tuple[Any, ...] | str:
    """The stored values of one row updating a customer, by the rules of the
    module notes, one row at a time (or the field of the row's problem)."""
    out: list[Any] = []
    if key != "name" and values["name"] is not None:
        out += [values["name"], values["name"].casefold()]
    else:
        out += [old["name"], old["name_key"]]
    given, stored, band = values["lifecycle"], old["lifecycle"], old["band"]
    moved = (given in ("active", "onboarding") and stored == "atrisk" and band in RISK_BANDS) or (
        given == "atrisk" and stored == "active" and band in RECOVERED_BANDS
    )
    out.append(old["lifecycle"] if given is None or moved else given)
    tags = values["tags"]
    same = tags is not None and {t.casefold() for t in tags.split("|") if t} == {
        t.casefold() for t in (old["tags"] or "").split("|") if t
    }
    out += [old["tags"] if same else (tags or ""), values["logins"]]
    mrr, arr = values["mrr"], values["arr"]
    mrr_new, arr_new = mrr != old["mrr"], arr != old["arr"]
    if mrr_new and arr_new and mrr is not None and arr is not None:
        if abs(arr - 12 * mrr) > 0.07:
            return "arr"
        out += [mrr, arr]
    elif mrr_new:
        out += [mrr, None if mrr is None else round(mrr * 12, 2)]
    elif arr_new:
        out += [None if arr is None else round(arr / 12, 2), arr]
    else:
        out += [old["mrr"], old["arr"]]
    days, contact = values["days"], values["last_contact_date"]
    base, as_of = old["days_baseline"], old["days_as_of"]
    effective = None if base is None else base
    if base is not None and as_of is not None:
        effective = base + max(0, (TODAY - date.fromisoformat(as_of)).days)
    if days is not None and days != effective:
        out += [days, TODAY.isoformat()]
    elif contact is not None and contact != old["last_contact_date"]:
        if contact > TODAY.isoformat():
            return "last_contact_date"
        out += [0, contact]
    elif days is None:
        out += [None, None]
    else:
        out += [base, as_of]
    score = values["score"]
    if score is not None and values["score_source"] == "computed":
        score = None
    out += [old["score"], False] if score is None else [score, True]
    return tuple(out)


@pytest.mark.parametrize("key", ["name", "email"])
def test_rows_compared_column_by_column_follow_the_rules_row_by_row(key: str) -> None:
    rng = random.Random(20261127)
    fields = {
        "name", "lifecycle", "tags", "logins", "mrr", "arr", "days",
        "last_contact_date", "score", "score_source", key,
    }  # fmt: skip
    plan = Plan(fields, key)
    updater = Updater.__new__(Updater)
    updater.plan, updater.key = plan, key
    updater.today, updater.today_iso = TODAY, TODAY.isoformat()
    count = 400
    old: dict[str, list[Any]] = {
        "name": [f"Firm {i}" for i in range(count)],
        "name_key": [f"firm {i}" for i in range(count)],
        "lifecycle": [rng.choice(LIFECYCLES[1:]) for _ in range(count)],
        "band": [rng.choice(BANDS) for _ in range(count)],
        "tags": [rng.choice(["", "a|b", "B|a", "c"]) for _ in range(count)],
        "logins": [rng.choice([None, 1, 2]) for _ in range(count)],
        "mrr": [rng.choice([None, 100.0, 50.0]) for _ in range(count)],
        "arr": [rng.choice([None, 1200.0, 600.0]) for _ in range(count)],
        "days_baseline": [rng.choice([None, 3, 10]) for _ in range(count)],
        "days_as_of": [rng.choice(DAYS) for _ in range(count)],
        "last_contact_date": [rng.choice(DAYS) for _ in range(count)],
        "score": [rng.choice([None, 40.0, 72.5]) for _ in range(count)],
        "score_manual": [rng.choice([False, True]) for _ in range(count)],
    }
    old["email"] = [None] * count
    old["renewal_date"] = [None] * count
    values: dict[str, list[Any]] = {
        "name": [rng.choice([None, f"Renamed {i}", f"Firm {i}"]) for i in range(count)],
        "lifecycle": [rng.choice(LIFECYCLES) for _ in range(count)],
        "tags": [rng.choice([None, "", "a|b", "b|A", "c"]) for _ in range(count)],
        "logins": [rng.choice([None, 1, 2]) for _ in range(count)],
        "mrr": [rng.choice([None, 100.0, 50.0, 51.0]) for _ in range(count)],
        "arr": [rng.choice([None, 1200.0, 600.0]) for _ in range(count)],
        "days": [rng.choice([None, 3, 10, 13]) for _ in range(count)],
        "last_contact_date": [rng.choice(DAYS) for _ in range(count)],
        "score": [rng.choice([None, 40.0, 55.0]) for _ in range(count)],
        "score_source": [rng.choice([None, "manual", "computed"]) for _ in range(count)],
        key: [f"f{i}@example.com" for i in range(count)],
    }
    problems: dict[int, Any] = {}
    built, _manual = updater._new_columns(values, old, problems)
    new_rows = list(zip(*built, strict=True))
    checked = 0
    for pos in range(count):
        given = {field: column[pos] for field, column in values.items()}
        stored = {column: values_[pos] for column, values_ in old.items()}
        expected = _rules(key, given, stored)
        if isinstance(expected, str):
            assert problems[pos].field == expected
            continue
        assert pos not in problems
        columns = dict(zip(plan.columns, new_rows[pos], strict=True))
        assert tuple(columns[c] for c in _ORDER if c in columns) == expected, pos
        checked += 1
    assert checked > count // 2 and problems


def test_reimporting_an_export_of_a_decayed_book_changes_nothing(
    engine_db: Any, session: Any, actor: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Days since contact are compared as they are today (decayed), dates
    as they are stored on each engine."""
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-01")
    body = "name,days,renewal_date,last_contact_date\nA,5,2027-01-31,\nB,,,2026-10-20\n"
    run(session, actor, body)
    later = (date(2026, 11, 1) + timedelta(days=10)).isoformat()
    monkeypatch.setenv("IQCADENCE_TODAY", later)
    summary = run(session, actor, "name,days,renewal_date\nA,15,2027-01-31\nB,22,\n")
    assert (summary.updated, summary.unchanged) == (0, 2)


def test_a_first_load_matched_by_email_is_scored_like_a_rescore(
    engine_db: Any, session: Any, actor: Actor, database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into a client without customers, rows matched by e-mail are inserted
    (on SQLite already scored) as the rescore path gives them."""
    from sqlalchemy import text

    from iqcadence.core.io.imports import customers as module

    body = (
        "email,name,logins,nps,score,stage\n"
        "a@example.com,Alpha,10,9,,active\nb@example.com,Beta,,,61,\n"
        "c@example.com,Gamma,1,2,,onboarding\nA@example.com,Alpha Two,1,1,,\n"
    )
    results = []
    for on_insert in (True, False):
        monkeypatch.setattr(module, "SCORE_ON_INSERT", on_insert)
        summary = run(session, actor, body, key="email", skip_invalid=True)
        state = rows(
            database,
            "SELECT name, score, band, lifecycle, score_manual FROM customer ORDER BY name",
        )
        snapshots = rows(database, "SELECT score, band, source FROM score_snapshot ORDER BY score")
        results.append((summary.created, summary.rejected, summary.scoring, state, snapshots))
        with database.engine.begin() as conn:
            for table in ("score_snapshot", "audit_entry", "timeline_event", "customer"):
                conn.execute(text(f"DELETE FROM {table}"))
    fast, slow = results
    assert fast == slow
    assert fast[:2] == (3, 1) and len(fast[4]) == 3
    assert ("Beta", 61, "watch", "active", 1) in fast[3]
