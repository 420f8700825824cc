"""`import csv` in the core: upsert rules, errors, dry run, scoring, audit."""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from iqcadence.core.accounts import customers
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import NotFound, PermissionDenied, RefusedFile
from iqcadence.core.io.imports.common import ImportOptions
from iqcadence.core.io.imports.customer_summary import ImportSummary
from iqcadence.core.io.imports.customers import import_customers
from iqcadence.core.io.imports.detect import open_csv
from iqcadence.core.read import customer_pages as queries
from iqcadence.core.store import audit
from tests.factories import dump

DATA = Path(__file__).parent.parent / "data" / "import"


def run(session: Any, actor: Actor, source: str | Path, **options: Any) -> ImportSummary:
    """Import a path, or CSV text (written to a stream)."""
    encoding, delimiter = options.get("encoding"), options.get("delimiter")
    if isinstance(source, Path):
        opened = open_csv(source, encoding=encoding, delimiter=delimiter)
    else:
        opened = open_csv(
            io.BytesIO(source.encode()), name="in.csv", encoding=encoding, delimiter=delimiter
        )
    with opened:
        return import_customers(session, actor, opened, ImportOptions(**options))


def rows(target: Any, sql: str) -> list[tuple[Any, ...]]:
    """The rows of `sql` from a SQLite file, or from an open database on any engine."""
    if isinstance(target, Path):
        with closing(sqlite3.connect(target)) as conn:
            return conn.execute(sql).fetchall()
    with target.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def customer(session: Any, actor: Actor, name: str) -> Any:
    session.expire_all()
    return customers.get_customer(session, actor, name)


def test_messy_file_creates_scored_customers(
    engine_db: Any, session: Any, actor: Actor, database: Any
) -> None:
    summary = run(session, actor, DATA / "messy.csv")
    assert (summary.rows, summary.created, summary.updated, summary.rejected) == (3, 3, 0, 0)
    assert summary.written and summary.ignored_columns == ["Favourite Colour"]
    acme = customer(session, actor, "acme corp")
    assert acme.mrr == 5000 and acme.arr == 60000
    assert (acme.logins, acme.adoption, acme.tickets, acme.nps) == (22, 75, 1, 10)
    assert (acme.days_baseline, str(acme.days_as_of)) == (10, "2026-11-27")
    assert str(acme.renewal_date) == "2027-03-15"
    assert (acme.growth, acme.tier, acme.tags, acme.lifecycle, acme.sentiment) == (
        "strong",
        "enterprise",
        "vip|beta",
        "active",
        "positive",
    )
    assert acme.score == 82.5 and acme.band == "expansion" and not acme.score_manual
    globex = customer(session, actor, "Globex")
    assert (globex.mrr, globex.tier, globex.tags) == (1200, "mid", "churn-risk|legacy")
    assert globex.band == "critical" and globex.lifecycle == "atrisk"  # auto-transition
    initech = customer(session, actor, "Initech")
    # blank cells are missing signals, not zeros
    assert initech.mrr is None and initech.adoption is None and initech.days_baseline is None
    assert initech.growth == "na" and initech.score == 62.5
    snapshots = rows(database, "SELECT customer_id, score, source FROM score_snapshot")
    assert len(snapshots) == 3 and {s[2] for s in snapshots} == {"import"}
    entries = audit.list_entries(session, actor, action="import.csv")
    assert len(entries) == 1
    assert entries[0].details["created"] == 3 and entries[0].details["rows"] == 3
    # the search (SQLite's index, kept up to date; PostgreSQL's LIKE) finds it
    found = queries.list_customers(
        session, actor.client_id, queries.CustomerFilter(search="globex")
    )
    assert [c["id"] for c in found] == [globex.id]
    if database.location.is_sqlite:
        match = "SELECT rowid FROM customer_fts WHERE customer_fts MATCH 'globex'"
        assert rows(database, match) == [(globex.id,)]


@pytest.mark.parametrize(
    "filename",
    ["utf8.csv", "utf8_bom.csv", "utf16.csv", "cp1252.csv", "semicolon.csv", "tab.tsv", "pipe.csv"],
)
def test_every_encoding_and_delimiter_imports(session: Any, actor: Actor, filename: str) -> None:
    summary = run(session, actor, DATA / filename)
    assert summary.created == 2 and summary.rejected == 0
    cafe = customer(session, actor, "café zürich")
    assert (cafe.name, cafe.manager, cafe.mrr, cafe.adoption) == ("Café Zürich", "Renée", 1200, 55)
    assert customer(session, actor, "Smörgås AB").nps == 0


def test_upsert_changes_only_the_columns_given(engine_db: Any, session: Any, actor: Actor) -> None:
    run(session, actor, DATA / "messy.csv")
    summary = run(
        session, actor, "account,logins,tags\n  ACME   corp ,30,\nglobex,5,legacy|churn-risk\n"
    )
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    acme = customer(session, actor, "Acme Corp")
    assert acme.name == "Acme Corp"  # the key never renames
    assert acme.logins == 30 and acme.tags == ""  # blank cell clears the value
    assert acme.mrr == 5000 and acme.nps == 10 and acme.tier == "enterprise"  # untouched
    assert customer(session, actor, "Globex").tags == "churn-risk|legacy"  # order kept
    assert summary.changes[0]["fields"]["logins"] == {"from": 22, "to": 30}
    assert summary.changes[0]["fields"]["tags"] == {"from": ["vip", "beta"], "to": []}


def test_upsert_by_domain_renames_and_matches_urls(session: Any, actor: Actor) -> None:
    run(session, actor, "name,domain,mrr\nAcme,https://www.acme.com/,100\nGlobex,globex.io,5\n")
    summary = run(
        session,
        actor,
        "name,domain,mrr\nAcme Corporation,ACME.com,200\nNewco,new.co,1\n",
        key="domain",
    )
    assert (summary.created, summary.updated) == (1, 1)
    renamed = customer(session, actor, "Acme Corporation")
    assert renamed.mrr == 200 and renamed.domain == "ACME.com"
    with pytest.raises(NotFound, match="does not exist"):
        customer(session, actor, "Acme")


def test_upsert_by_email(session: Any, actor: Actor) -> None:
    run(session, actor, "name,email,tier\nAcme,Ops@Acme.com,smb\n")
    summary = run(
        session,
        actor,
        "email,tier\nops@acme.com,enterprise\nwho@x.io,smb\n",
        key="email",
        skip_invalid=True,
    )
    assert (summary.updated, summary.created, summary.rejected) == (1, 0, 1)
    assert summary.problems[0].message == "in.csv:3: name: required to create a customer (blank)"
    assert customer(session, actor, "Acme").tier == "enterprise"


def test_missing_key_column_is_refused(session: Any, actor: Actor) -> None:
    with pytest.raises(RefusedFile, match="no column gives the domain"):
        run(session, actor, "name,mrr\nA,1\n", key="domain")


BAD = [
    (3, "mrr", "expected a number", "lots"),
    (4, "adoption", "must be at most 100", "150"),
    (5, "nps", "expected a whole number 0–10 or Promoter/Passive/Detractor", "eleven"),
    (6, "tier", "not one of smb, mid, enterprise", "galactic"),
    (7, "renewal_date", "ambiguous date", "31/31/2027"),
    (8, "growth", "not one of strong, mild, none, n/a", "explosive"),
    (9, "name", "required to match customers", ""),
    (10, "row", "has 8 values but the header has 7 columns", "extra"),
]


def test_any_bad_row_writes_nothing(
    engine_db: Any, session: Any, actor: Actor, database: Any
) -> None:
    run(session, actor, DATA / "messy.csv")
    before = dump(database)
    summary = run(session, actor, DATA / "bad_rows.csv")
    assert not summary.written and summary.rejected == 8 and summary.created == 2
    found = [(p.line, p.field, p.value) for p in summary.problems]
    assert found == [(line, field, value) for line, field, _reason, value in BAD]
    for problem, (_l, _f, reason, _v) in zip(summary.problems, BAD, strict=True):
        assert reason in problem.reason
    assert str(summary.problems[0].message).endswith(
        "bad_rows.csv:3: mrr: expected a number (lots)"
    )
    assert dump(database) == before
    assert audit.list_entries(session, actor, action="import.csv") == audit.list_entries(
        session, actor, action="import.csv"
    )
    assert len(audit.list_entries(session, actor, action="import.csv")) == 1


def test_skip_invalid_writes_good_rows_and_reports_the_rest(
    session: Any, actor: Actor, tmp_path: Path
) -> None:
    out = io.StringIO()
    summary = run(session, actor, DATA / "bad_rows.csv", skip_invalid=True, errors_out=out)
    assert summary.written and (summary.created, summary.rejected) == (2, 8)
    assert customer(session, actor, "Good Two").growth == "strong"
    report = out.getvalue().splitlines()
    assert report[0] == "name,mrr,adoption,nps,tier,renewal_date,growth,line,error"
    assert report[1] == "Bad Money,lots,50,9,smb,2027-01-01,mild,3,mrr: expected a number"
    assert len(report) == 9
    # the error file re-imports once fixed: its extra columns are recognised
    fixed = "\n".join(report[:2]).replace("lots", "700")
    again = run(session, actor, fixed)
    assert again.created == 1 and set(again.ignored_columns) == {"line", "error"}


def test_dry_run_writes_nothing_but_reports_changes(
    engine_db: Any, session: Any, actor: Actor, database: Any
) -> None:
    run(session, actor, DATA / "messy.csv")
    before = dump(database)
    audits = len(audit.list_entries(session, actor, limit=1000))
    summary = run(
        session,
        actor,
        "name,nps,adoption\nGlobex,10,90\nAcme Corp,10,75\nBrand New,9,\n",
        dry_run=True,
    )
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 1)
    assert not summary.written
    (change,) = summary.changes
    assert change["name"] == "Globex"
    assert change["fields"]["nps"] == {"from": 0, "to": 10}
    assert change["fields"]["adoption"] == {"from": 20, "to": 90}
    assert change["score"]["from"] == 20.8 and change["score"]["to"] > 50
    assert (
        change["band"] == {"from": "critical", "to": "healthy"}
        or change["band"]["to"] != "critical"
    )
    assert summary.scoring["scored"] == 2
    assert dump(database) == before  # on SQLite: the search triggers are still there
    assert len(audit.list_entries(session, actor, limit=1000)) == audits


def test_explicit_score_is_a_manual_override(session: Any, actor: Actor, db_path: Path) -> None:
    summary = run(session, actor, "name,logins,score\nAcme,30,42\nGlobex,30,\n")
    assert summary.manual_overrides == 1
    acme = customer(session, actor, "Acme")
    assert (acme.score, acme.band, acme.score_manual) == (42, "at_risk", True)
    assert (
        customer(session, actor, "Globex").score == 100
        and not customer(session, actor, "Globex").score_manual
    )
    snaps = rows(db_path, "SELECT score, source FROM score_snapshot ORDER BY score")
    assert snaps == [(42.0, "import"), (100.0, "import")]
    # a blank score clears the override; score_source=computed ignores the column
    run(session, actor, "name,score,score_source\nAcme,42,computed\n")
    acme = customer(session, actor, "Acme")
    assert (acme.score, acme.score_manual) == (100, False)


def test_money_days_and_renewal_derivations(session: Any, actor: Actor) -> None:
    run(session, actor, "name,arr,last_contact_date,months_to_renewal\nAcme,1000,2026-11-20,3\n")
    acme = customer(session, actor, "Acme")
    assert (acme.mrr, acme.arr) == (83.33, 1000)
    assert (acme.days_baseline, str(acme.days_as_of)) == (0, "2026-11-20")
    assert str(acme.renewal_date) == "2027-02-27"
    summary = run(session, actor, "name,mrr,arr\nAcme,83.33,1000\n")
    assert summary.unchanged == 1  # MRR rounded to cents still agrees
    summary = run(session, actor, "name,mrr,arr\nAcme,100,5000\n")
    assert summary.problems[0].field == "arr" and "12 × MRR" in summary.problems[0].reason
    summary = run(session, actor, "name,last_contact_date\nAcme,2027-01-01\n")
    assert summary.problems[0].reason == "2027-01-01 is in the future"


def test_duplicates_inside_the_file_are_rejected(session: Any, actor: Actor) -> None:
    run(session, actor, "name,mrr\nOld,1\n")
    summary = run(session, actor, "name,mrr\nNew,1\nnew,2\nOld,3\nOLD,4\n", skip_invalid=True)
    assert (summary.created, summary.updated, summary.rejected) == (1, 1, 2)
    assert [(p.line, p.field) for p in summary.problems] == [(3, "name"), (5, "name")]
    assert customer(session, actor, "New").mrr == 1 and customer(session, actor, "Old").mrr == 3


def test_unknown_scoring_profile_is_a_row_error(session: Any, actor: Actor) -> None:
    summary = run(session, actor, "name,scoring_profile\nAcme,Nope\n")
    assert summary.problems[0].field == "scoring_profile" and not summary.written


def test_viewer_cannot_import(session: Any, actor: Actor) -> None:
    viewer = Actor(email="v@example.com", role="viewer", client_id=actor.client_id)
    with pytest.raises(PermissionDenied):
        run(session, viewer, "name\nA\n")
    assert run(session, viewer, "name\nA\n", dry_run=True).created == 1


def test_example_file_imports_cleanly(session: Any, actor: Actor) -> None:
    example = Path(__file__).parents[2] / "examples" / "customers.csv"
    summary = run(session, actor, example)
    assert (summary.created, summary.rejected) == (10, 0)
    assert summary.ignored_columns == ["Lead Source"]
    stark = customer(session, actor, "stark industries")
    assert (stark.mrr, stark.lifecycle, stark.tier) == (42000, "won", "enterprise")


def test_reimporting_the_same_file_changes_nothing(session: Any, actor: Actor) -> None:
    first = run(session, actor, DATA / "messy.csv")
    assert first.scoring["lifecycle_changes"] == 1  # Globex: Active → atrisk (Critical)
    again = run(session, actor, DATA / "messy.csv")
    assert (again.updated, again.unchanged) == (0, 3)
    assert customer(session, actor, "Globex").lifecycle == "atrisk"
    # an explicit other stage still applies
    run(session, actor, "name,stage\nGlobex,churned\n")
    assert customer(session, actor, "Globex").lifecycle == "churned"
