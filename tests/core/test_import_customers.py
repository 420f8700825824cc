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


def rows(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(sql).fetchall()


def customer(session: Any, actor: Actor, name: str) -> Any:
    session.expire_all()
    return customers.get_customer(session, actor, name)


def test_messy_file_creates_scored_customers(session: Any, actor: Actor, db_path: Path) -> None:
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
    snapshots = rows(db_path, "SELECT customer_id, score, source FROM score_snapshot")
    assert len(snapshots) == 3 and {s[2] for s in snapshots} == {"import"}
    entries = audit.list_entries(session, actor, action="import.csv")
    assert len(entries) == 1
    assert entries[0].details["created"] == 3 and entries[0].details["rows"] == 3
    # the search index was kept up to date
    found = rows(db_path, "SELECT rowid FROM customer_fts WHERE customer_fts MATCH 'globex'")
    assert found == [(globex.id,)]


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


def test_upsert_changes_only_the_columns_given(session: Any, actor: Actor) -> None:
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


def test_any_bad_row_writes_nothing(session: Any, actor: Actor, db_path: Path) -> None:
    run(session, actor, DATA / "messy.csv")
    before = dump(db_path)
    summary = run(session, actor, DATA / "bad_rows.csv")
    assert not summary.written and summary.rejected == 8 and summary.created == 2
    found = [(p.line, p.field, p.value) for p in summary.problems]
    assert found == [(line, field, value) for line, field, _reason, value in BAD]
    for problem, (_l, _f, reason, _v) in zip(summary.problems, BAD, strict=True):
        assert reason in problem.reason
    assert str(summary.problems[0].message).endswith(
        "bad_rows.csv:3: mrr: expected a number (lots)"
    )
    assert dump(db_path) == before
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
    session: Any, actor: Actor, db_path: Path
) -> None:
    run(session, actor, DATA / "messy.csv")
    before = dump(db_path)
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
    assert dump(db_path) == before
    assert len(audit.list_entries(session, actor, limit=1000)) == audits
    # the search triggers are still in place after the rolled-back import
    triggers = rows(db_path, "SELECT name FROM sqlite_master WHERE type = 'trigger'")
    assert {"customer_fts_ai", "customer_fts_au", "customer_fts_ad"} <= {t[0] for t in triggers}


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


def test_large_import_suspends_and_rebuilds_the_search_index(
    session: Any, actor: Actor, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.io.imports import customer_read
    from iqcadence.core.io.imports import customers as module

    monkeypatch.setattr(module, "SUSPEND_MIN_ROWS", 10)
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


def _state(db_path: Path) -> dict[str, Any]:
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
    return {
        "customers": rows(db_path, by_name),
        "snapshots": rows(db_path, snapshots),
        "audit": rows(db_path, entries),
        "search": rows(db_path, "SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'vip'"),
    }


def test_new_customers_scored_in_the_insert_match_a_rescore(
    session: Any, actor: Actor, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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
        ids = [r[0] for r in rows(db_path, "SELECT id FROM customer ORDER BY id")]
        assert ids == list(range(ids[0], ids[0] + 7))  # no gap for the rejected row
        results.append((summary.scoring, summary.manual_overrides, _state(db_path)))
        with sqlite3.connect(db_path) as conn:
            for table in ("score_snapshot", "audit_entry", "timeline_event", "customer"):
                conn.execute(f"DELETE FROM {table}")
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
    assert (theta[8], theta[9]) == (0, "2026-09-01")  # 87 days since contact today


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
    session: Any,
    actor: Actor,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bulk: bool,
) -> None:
    """On the bulk path the unique name index is dropped and built once at the
    end; repeated names are still found, reported with their line and the
    file's own row, and taken out."""
    from iqcadence.core.io.imports import customer_read
    from iqcadence.core.io.imports import customers as module

    if bulk:
        monkeypatch.setattr(module, "SUSPEND_MIN_ROWS", 5)
        monkeypatch.setattr(customer_read, "CHUNK_ROWS", 9)
    dropped: list[bool] = []
    check = module.Importer.check_unique_names
    monkeypatch.setattr(
        module.Importer,
        "check_unique_names",
        lambda self, max_id: dropped.append(True) or check(self, max_id),
    )
    path, repeat_lines = _bulk_with_repeats(tmp_path)
    before = dump(db_path)
    refused = run(session, actor, path)
    assert not refused.written and dump(db_path) == before
    assert [(p.line, p.field, p.value) for p in refused.problems if p.field == "name"] == [
        (repeat_lines[0], "name", "FIRM 3 "),
        (repeat_lines[1], "name", "firm 39"),
    ]
    assert [p.line for p in refused.problems if p.field == "logins"] == [5]
    assert dropped == ([True] if bulk else [])
    errors = tmp_path / "errors.csv"
    with errors.open("w", newline="") as out:
        summary = run(session, actor, path, skip_invalid=True, errors_out=out)
    assert (summary.created, summary.rejected, summary.scoring["scored"]) == (41, 3, 41)
    names = rows(db_path, "SELECT name, manager FROM customer WHERE name_key LIKE 'firm 3%'")
    assert ("Firm 3", "Csm0") in names and all(m != "Csm9" for _n, m in names)
    assert rows(db_path, "SELECT COUNT(*) FROM score_snapshot") == [(41,)]
    assert rows(db_path, "SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'csm9'") == [
        (0,)
    ]
    written = errors.read_text().splitlines()
    assert written[1].startswith("Odd Co,lots,Csm1")
    assert written[2].startswith("FIRM 3 ,7,Csm9") and written[3].startswith("firm 39,1,Csm9")
    index = rows(db_path, "SELECT sql FROM sqlite_master WHERE name = 'uq_customer_client_name'")[
        0
    ][0]
    assert index.startswith("CREATE UNIQUE INDEX")
    with pytest.raises(sqlite3.IntegrityError), sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO customer (client_id, name, name_key, lifecycle, status, tags, "
            "score_manual, created_at, updated_at) "
            "SELECT client_id, 'x', name_key, lifecycle, status, tags, 0, created_at, "
            "updated_at FROM customer LIMIT 1"
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
