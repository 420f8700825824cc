"""CSV export and bulksheet: columns, computed values, and round trips."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from iqcadence.core.accounts import customers
from iqcadence.core.base.actor import Actor
from iqcadence.core.io.exports import (
    BULKSHEET_COLUMNS,
    EXPORT_COLUMNS,
    cadence_status,
    export_bulksheet,
    export_csv,
    priority,
)
from iqcadence.core.io.imports.common import ImportOptions
from iqcadence.core.io.imports.customers import import_customers
from iqcadence.core.io.imports.detect import open_csv
from iqcadence.core.read.customer_pages import CustomerFilter
from tests.factories import dump

WINDOWS = {"critical": 30, "warning": 60, "upcoming": 90}


@pytest.fixture
def portfolio_accounts() -> dict[str, dict[str, Any]]:
    return {
        "Acme Corp": {
            "logins": 22,
            "adoption": 75.5,
            "tickets": 1,
            "nps": 9,
            "days": 10,
            "growth": "mild",
            "arr": "1000",
            "tier": "enterprise",
            "renewal_date": "2026-12-20",
            "manager": "Sarah",
            "tags": "vip,beta",
            "email": "Ops@Acme.com",
            "domain": "https://www.acme.com",
            "notes": 'Line one\nline two, "quoted"',
            "sentiment": "positive",
            "website": "https://acme.com",
        },
        "Globex": {
            "logins": 2,
            "tickets": 5,
            "mrr": "900",
            "tier": "mid",
            "last_contact_date": "2026-10-01",
        },
        "Initech": {"score": 55, "growth": "na", "csat": 4.5, "tier": "smb"},
        "Archived Co": {"logins": 5},
    }


@pytest.fixture
def portfolio_archived() -> tuple[str, ...]:
    return ("Archived Co",)


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def reimport(session: Any, actor: Actor, text: str) -> Any:
    with open_csv(io.BytesIO(text.encode()), name="sheet.csv") as source:
        return import_customers(session, actor, source, ImportOptions())


@pytest.mark.usefixtures("portfolio")
def test_export_has_every_field_and_the_computed_columns(session: Any, actor: Actor) -> None:
    out = io.StringIO()
    count = export_csv(session, actor, out)
    assert count == 3  # archived hidden by default, like `customers list`
    rows = read(out.getvalue())
    assert list(rows[0]) == list(EXPORT_COLUMNS) and len(EXPORT_COLUMNS) >= 20
    acme, globex, initech = rows
    assert acme["name"] == "Acme Corp" and acme["score_source"] == "computed"
    assert (acme["mrr"], acme["arr"]) == ("83.33", "1000")
    assert acme["days_until_renewal"] == "23" and acme["days_since_contact"] == "10"
    assert acme["cadence_status"] == "ok" and acme["tags"] == "vip|beta"
    assert acme["notes"] == 'Line one\nline two, "quoted"'
    assert globex["days_since_contact"] == "57" and globex["cadence_status"] == "overdue"
    assert initech["score"] == "55" and initech["score_source"] == "manual"
    assert initech["band"] == "watch" and initech["growth"] == "na"
    assert int(globex["priority"]) > int(acme["priority"]) > 0
    filtered = io.StringIO()
    assert export_csv(session, actor, filtered, CustomerFilter(tier="mid")) == 1
    everyone = io.StringIO()
    assert (
        export_csv(session, actor, everyone, CustomerFilter(status=None), sort="score", desc=True)
        == 4
    )
    assert read(everyone.getvalue())[0]["name"] == "Acme Corp"


def test_priority_and_cadence_definitions() -> None:
    assert priority("critical", 10, 10_000, WINDOWS) == 97
    assert priority("healthy", 400, 500, WINDOWS) == 19
    assert priority("expansion", None, None, WINDOWS) == 3
    assert priority(None, 45, 0, WINDOWS) == 40
    assert priority("critical", -5, 1e9, WINDOWS) == 100
    cadence = {"enterprise": (14, 21), "mid": (21, 30), "smb": (30, 45)}
    assert cadence_status("enterprise", 13, cadence) == "ok"
    assert cadence_status("enterprise", 14, cadence) == "due_soon"
    assert cadence_status("enterprise", 21, cadence) == "overdue"
    assert cadence_status(None, 100, cadence) is None
    assert cadence_status("smb", None, cadence) is None


@pytest.mark.usefixtures("portfolio")
def test_bulksheet_round_trip_changes_nothing(session: Any, actor: Actor, db_path: Path) -> None:
    out = io.StringIO()
    assert export_bulksheet(session, actor, out) == 4  # archived included
    assert list(read(out.getvalue())[0]) == list(BULKSHEET_COLUMNS)
    before = dump(db_path, skip=["audit_entry"])  # the import is audited
    summary = reimport(session, actor, out.getvalue())
    assert (summary.created, summary.updated, summary.unchanged, summary.rejected) == (0, 0, 4, 0)
    assert summary.ignored_columns == []
    assert dump(db_path, skip=["audit_entry"]) == before


@pytest.mark.usefixtures("portfolio")
def test_full_export_round_trip_changes_nothing(session: Any, actor: Actor, db_path: Path) -> None:
    out = io.StringIO()
    export_csv(session, actor, out, CustomerFilter(status=None))
    before = dump(db_path, skip=["audit_entry"])  # the import is audited
    summary = reimport(session, actor, out.getvalue())
    assert (summary.updated, summary.unchanged, summary.rejected) == (0, 4, 0)
    assert dump(db_path, skip=["audit_entry"]) == before


@pytest.mark.usefixtures("portfolio")
def test_edited_bulksheet_applies_the_edits(session: Any, actor: Actor) -> None:
    out = io.StringIO()
    export_bulksheet(session, actor, out)
    rows = read(out.getvalue())
    for row in rows:
        if row["name"] == "Acme Corp":
            row["mrr"] = "200"  # ARR follows
        if row["name"] == "Initech":
            row["score"] = ""  # drop the override
        if row["name"] == "Globex":
            row["tier"] = "Enterprise"
    edited = io.StringIO()
    writer = csv.DictWriter(edited, fieldnames=list(BULKSHEET_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    summary = reimport(session, actor, edited.getvalue())
    assert (summary.updated, summary.unchanged) == (3, 1)
    session.expire_all()
    acme = customers.get_customer(session, actor, "Acme Corp")
    assert (acme.mrr, acme.arr) == (200, 2400)
    initech = customers.get_customer(session, actor, "Initech")
    assert not initech.score_manual and initech.score is None  # no signal counts (CSAT off)
    assert customers.get_customer(session, actor, "Globex").tier == "enterprise"
