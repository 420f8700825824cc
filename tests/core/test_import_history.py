"""`import history`: score snapshots back-filled at past dates."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from iqcadence.core.accounts import customers, history
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import RefusedFile
from iqcadence.core.io.imports.common import ImportOptions
from iqcadence.core.io.imports.detect import open_csv
from iqcadence.core.io.imports.history import HistorySummary, import_history
from iqcadence.core.read import customer_pages as queries
from iqcadence.core.store import audit

DATA = Path(__file__).parent.parent / "data" / "import"


def run(session: Any, actor: Actor, source: str | Path, **options: Any) -> HistorySummary:
    if isinstance(source, Path):
        opened = open_csv(source)
    else:
        opened = open_csv(io.BytesIO(source.encode()), name="h.csv")
    with opened:
        return import_history(session, actor, opened, ImportOptions(**options))


def snapshots(database: Any) -> list[tuple[Any, ...]]:
    with database.engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT c.name, s.taken_at, s.score, s.band, s.logins, s.adoption, s.nps, "
                "s.days, s.growth, s.source FROM score_snapshot s "
                "JOIN customer c ON c.id = s.customer_id "
                "WHERE s.source = 'history' ORDER BY c.name, s.taken_at"
            )
        )
        return [tuple(row) for row in found]


@pytest.fixture
def known(session: Any, actor: Actor) -> None:
    customers.apply_changes(session, actor, "Acme Corp", {"logins": 20})
    customers.apply_changes(session, actor, "Globex", {"logins": 2})


@pytest.mark.usefixtures("known")
def test_rows_become_snapshots_scored_with_current_weights(
    engine_db: Any, session: Any, actor: Actor, database: Any
) -> None:
    summary = run(session, actor, DATA / "history.csv")
    assert summary.written and (summary.snapshots, len(summary.customer_ids)) == (4, 2)
    assert (summary.first_date, summary.last_date) == ("2026-09-01", "2026-11-15")
    found = snapshots(database)
    assert [(r[0], str(r[1])[:10]) for r in found] == [
        ("Acme Corp", "2026-09-01"),
        ("Acme Corp", "2026-10-01"),
        ("Acme Corp", "2026-11-15"),
        ("Globex", "2026-10-01"),
    ]
    # 10 logins 33.3, adoption 40, NPS 7 50, 20 days 88.9, mild 60; no tickets:
    # (25×33.3 + 25×40 + 15×50 + 10×88.9 + 5×60) / 80 = 47.2, At Risk
    assert found[0][2:4] == (47.2, "at_risk")
    assert found[0][4:9] == (10, 40.0, 7, 20, "mild")
    assert found[3][6] == 0  # Detractor
    # the current score is untouched, and momentum now has history to compare with
    acme = customers.get_customer(session, actor, "Acme Corp")
    assert acme.score == 66.7
    row = queries.list_customers(session, actor.client_id)[0]
    assert row["name"] == "Acme Corp"
    # a week ago the 15 Nov row held: 24 logins 80, 70, NPS 9 100, 5 days 97.2,
    # strong 100 → (25×80 + 25×70 + 15×100 + 10×97.2 + 5×100) / 80 = 84.0
    assert history.momentum_for(session, [row])[row["id"]] == pytest.approx(66.7 - 84.0)
    (entry,) = audit.list_entries(session, actor, action="import.history")
    assert entry.details["snapshots"] == 4


@pytest.mark.usefixtures("known")
def test_reimport_replaces_instead_of_duplicating(
    engine_db: Any, session: Any, actor: Actor, database: Any
) -> None:
    run(session, actor, DATA / "history.csv")
    again = run(session, actor, DATA / "history.csv")
    assert again.replaced == 4
    assert len(snapshots(database)) == 4


@pytest.mark.usefixtures("known")
def test_unknown_customers_and_bad_rows_write_nothing(
    session: Any, actor: Actor, database: Any
) -> None:
    body = (
        "customer,date,logins,nps\n"
        "Acme Corp,2026-10-01,5,9\n"
        "Nobody Inc,2026-10-01,5,9\n"
        "Globex,2031-01-01,5,9\n"
        "Globex,2026-10-01,,\n"
        "Globex,someday,5,9\n"
    )
    summary = run(session, actor, body)
    assert not summary.written and summary.rejected == 4
    assert [p.message for p in summary.problems] == [
        "h.csv:3: name: no customer of that name (import it with `import csv` first) (Nobody Inc)",
        "h.csv:4: date: is in the future (2031-01-01)",
        "h.csv:5: row: has no signal values (blank)",
        "h.csv:6: date: not a date; use YYYY-MM-DD (or pass --date-format) (someday)",
    ]
    assert snapshots(database) == []
    skipped = run(session, actor, body, skip_invalid=True)
    assert skipped.written and skipped.snapshots == 1 and len(snapshots(database)) == 1


def test_history_needs_customer_date_and_a_signal(session: Any, actor: Actor) -> None:
    with pytest.raises(RefusedFile, match="no column gives the date"):
        run(session, actor, "customer,logins\nA,1\n")
    with pytest.raises(RefusedFile, match="no signal column"):
        run(session, actor, "customer,date,mrr\nA,2026-01-01,5\n")
