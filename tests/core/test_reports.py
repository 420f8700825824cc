"""Every report, from a fixed portfolio at a fixed date: the PDF's text holds
the right headings and figures, the CSV the same figures as the core."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from iqcadence.core.reports import risk
from iqcadence.core.reports.data import ReportScope, load_portfolio
from iqcadence.core.reports.service import render
from tests.factories import NAMES, build_portfolio


@pytest.fixture
def book(session: Any, actor: Any) -> Any:
    build_portfolio(session, actor, days=35)
    return session


def pdf_text(content: bytes) -> tuple[str, list[str]]:
    reader = PdfReader(io.BytesIO(content))
    pages = [page.extract_text() for page in reader.pages]
    return "\n".join(pages), pages


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


BAND_COLUMNS = "band_critical,band_at_risk,band_watch,band_healthy,band_expansion"

# kind, PDF heading, CSV columns, and the CSV's row count where the fixture
# portfolio fixes it by hand (18 scored accounts, 3 CSMs, 90 days of trend)
REPORTS = [
    ("portfolio", "Portfolio summary",
     "section,group,accounts,mrr,average_score,at_risk_accounts", None),
    ("at-risk", "At-risk accounts",
     "name,score,band,momentum_7d,mrr,renewal_date,days_to_renewal,manager,urgency,why", None),
    ("renewals", "Renewal forecast",
     "month,name,renewal_date,days_to_renewal,arr,score,band,manager,flags", None),
    ("csm", "CSM performance",
     "manager,accounts,mrr,average_score,at_risk,at_risk_pct,average_momentum,"
     "overdue_contacts,renewals_90d," + BAND_COLUMNS, 3),
    ("segments", "Segment analysis",
     "dimension,segment,accounts,mrr,average_score,at_risk_pct,average_momentum," + BAND_COLUMNS,
     None),
    ("trend", "Trend (90 days)", "date,average_score,at_risk_share_pct,scored_accounts", 90),
    ("churn-risk", "Churn risk",
     "name,probability_pct,score,momentum_7d,mrr,days_to_renewal,manager,factors", 18),
    ("history", "Score history", "name,taken_at,from_score,to_score,change,band,source", None),
    ("digest", "Weekly digest", "section,name,score,change_7d,band,mrr,detail", None),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "heading", "columns", "rows"), REPORTS)
def test_every_report_renders_pdf_and_csv(
    book: Any, actor: Any, kind: str, heading: str, columns: str, rows: int | None
) -> None:
    pdf = render(book, actor.client_id, kind, fmt="pdf")
    text, pages = pdf_text(pdf.content)
    assert heading in text
    assert "Generated 2026-11-27" in text
    assert f"Page 1 of {len(pages)}" in text
    lines = render(book, actor.client_id, kind, fmt="csv").content.decode("utf-8").splitlines()
    assert lines[0] == columns
    if rows is None:
        assert len(lines) > 1, f"{kind}: CSV has no rows"
    else:
        assert len(lines) - 1 == rows


def stored(book: Any, sql: str) -> list[Any]:
    """Straight from the customer table, not through the reports' own loader."""
    return list(book.connection().execute(text(sql)).scalars())


def test_portfolio_figures_match_the_core(book: Any, actor: Any) -> None:
    total = 18 * 500 + 750 * sum(range(18))  # the factory's MRR: 500 + 750 × index
    (at_risk,) = stored(book, "SELECT SUM(mrr) FROM customer WHERE band IN ('critical', 'at_risk')")
    assert total == 123_750 and 0 < at_risk < total
    text, _ = pdf_text(render(book, actor.client_id, "portfolio").content)
    assert "$123,750" in text
    assert f"${at_risk:,.0f}" in text
    rows = csv_rows(render(book, actor.client_id, "portfolio", fmt="csv").content)
    total_row = next(r for r in rows if r["section"] == "total")
    assert float(total_row["mrr"]) == total
    assert int(total_row["accounts"]) == len(NAMES)
    by_band = {r["group"]: int(r["accounts"]) for r in rows if r["section"] == "band"}
    assert sum(by_band.values()) == len(NAMES)  # every account is scored


def test_at_risk_lists_exactly_the_accounts_below_50(book: Any, actor: Any) -> None:
    expected = set(stored(book, "SELECT name FROM customer WHERE score < 50"))
    assert expected
    rows = csv_rows(render(book, actor.client_id, "at-risk", fmt="csv").content)
    assert {r["name"] for r in rows} == expected
    urgencies = [float(r["urgency"]) for r in rows]
    assert urgencies == sorted(urgencies, reverse=True)


def test_filters_narrow_the_scope(book: Any, actor: Any) -> None:
    rows = csv_rows(render(book, actor.client_id, "csm", fmt="csv", manager="sarah").content)
    assert [r["manager"] for r in rows] == ["Sarah"]
    rows = csv_rows(
        render(book, actor.client_id, "portfolio", fmt="csv", tier="enterprise").content
    )
    tiers = {r["group"] for r in rows if r["section"] == "tier" and int(r["accounts"])}
    assert tiers == {"enterprise"}


def test_as_of_reproduces_a_past_report_from_snapshots(book: Any, actor: Any) -> None:
    past = render(book, actor.client_id, "at-risk", fmt="csv", as_of="2026-11-06").content
    again = render(book, actor.client_id, "at-risk", fmt="csv", as_of="2026-11-06").content
    today = render(book, actor.client_id, "at-risk", fmt="csv").content
    assert past == again
    assert past != today


def test_churn_estimate_is_bounded_and_explained(book: Any, actor: Any) -> None:
    portfolio = load_portfolio(book, actor.client_id, ReportScope())
    for account in portfolio.scored:
        estimate = risk.churn_estimate(account, 30)
        assert 1 <= estimate.probability <= 95
        assert estimate.factors[0][0].startswith("score")


def test_history_of_one_account_lists_each_change(book: Any, actor: Any) -> None:
    rows = csv_rows(render(book, actor.client_id, "history", fmt="csv", customer="Globex").content)
    assert rows and {r["name"] for r in rows} == {"Globex"}
    text, _ = pdf_text(render(book, actor.client_id, "history", customer="Globex").content)
    assert "Score history: Globex" in text and "Recorded scores" in text
    assert all(r["taken_at"] in text for r in rows)


def test_customer_report_needs_a_customer(book: Any, actor: Any) -> None:
    from iqcadence.core.base.errors import InvalidValue, NotFound

    with pytest.raises(InvalidValue, match="--customer"):
        render(book, actor.client_id, "customer")
    with pytest.raises(NotFound):
        render(book, actor.client_id, "customer", customer="Nobody Inc")
    text, _ = pdf_text(render(book, actor.client_id, "customer", customer="zürich café").content)
    assert "Customer health: Zürich Café" in text
    assert "Score breakdown" in text


def test_unicode_names_and_letter_paper(book: Any, actor: Any) -> None:
    content = render(book, actor.client_id, "renewals", page_size="letter").content
    reader = PdfReader(io.BytesIO(content))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (612, 792)
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Łódź Logistics" in text and "Zürich Café" in text


def test_digest_lists_open_critical_and_warning_alerts(book: Any, actor: Any) -> None:
    from iqcadence.core.alerts.derive import derive_alerts

    expected = [
        a for a in derive_alerts(book, actor.client_id) if a.severity in ("critical", "warning")
    ]
    assert expected, "the fixture portfolio should have alerts"
    rows = csv_rows(render(book, actor.client_id, "digest", fmt="csv").content)
    assert len([r for r in rows if r["section"] == "alert"]) == len(expected)
    text, _ = pdf_text(render(book, actor.client_id, "digest").content)
    assert "Alerts open now" in text
    assert expected[0].customer in text
