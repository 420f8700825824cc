"""The layout of report PDFs, read back with pypdf: cells wrap and numbers
are never cut, nothing is left alone on a page (a heading, a legend, the
end of a sentence), long tables stop at their row cap and say which rows
they kept, chart axes fit the data, and every report prints the
definitions of its figures in its notes."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import pytest
from pypdf import PdfReader

from iqcadence.core.reports.catalog import build_report
from iqcadence.core.reports.data import ReportScope
from iqcadence.core.reports.model import Report, Section, Table, Text, render_csv, render_pdf
from iqcadence.core.reports.service import render
from tests.factories import build_portfolio

WHEN = datetime(2026, 11, 27, 9, 0)
LEGEND = "Legend: this sentence explains the table above and must share its page."
LONG_NOTE = " ".join(
    f"Sentence {n} of a note that runs over several lines of the page, kept whole."
    for n in range(1, 6)
)


def pages_of(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def body_lines(page: str) -> list[str]:
    """A page's lines between the header (company, title, subtitle) and the footer."""
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    return [line for line in lines[3:] if not line.startswith("Generated ")]


def pdf(report: Report) -> list[str]:
    return pages_of(render_pdf(report, company="Acme CS", generated_at=WHEN))


def rows(count: int, prefix: str = "Row") -> list[list[Any]]:
    return [[f"{prefix} {n:03d}", f"{n * 10:,}", f"{n}.5"] for n in range(1, count + 1)]


def table(count: int, **options: Any) -> Table:
    return Table(["Name", "MRR", "Score"], rows(count), align=("L", "R", "R"), **options)


def report(*sections: Section) -> Report:
    return Report(kind="test", title="Layout", subtitle="As of 2026-11-27", sections=list(sections))


def test_cells_wrap_and_numbers_are_never_cut() -> None:
    name = "Clearwater Manufacturing Leeds International Holdings"
    why = "4 open tickets, NPS 3, adoption 12%, no contact for 61 days, 2 logins"
    wide = Table(
        ["Account", "Score", "Band", "7d", "MRR", "Renewal", "Manager", "Urgency", "Why"],
        [[name, "18.3", "At Risk", "+10.4", "$14,700", "2027-01-03", "Sofia Lindqvist", "84",
          why]] * 3,
        widths=(2.2, 0.8, 1.0, 0.8, 1.0, 1.2, 1.4, 0.9, 2.3),
        align=("L", "R", "L", "R", "R", "L", "L", "R", "L"),
    )  # fmt: skip
    text = "\n".join(pdf(report(Section("Accounts", [wide]))))
    assert "…" not in text
    for number in ("18.3", "+10.4", "$14,700", "2027-01-03", "84"):
        assert number in text.split(), number  # whole, on one line
    assert name in flat(text) and why in flat(text) and "Sofia Lindqvist" in flat(text)


@pytest.mark.parametrize("count", range(28, 44))
def test_a_legend_shares_a_page_with_the_end_of_its_table(count: int) -> None:
    pages = pdf(report(Section("Table", [table(count), Text(LEGEND, muted=True)])))
    page = next(p for p in pages if "Legend:" in p)
    assert f"Row {count:03d}" in page  # the last row travels with it
    assert LEGEND in flat(page)


@pytest.mark.parametrize("count", range(28, 44))
def test_a_paragraph_is_never_split_and_a_heading_never_ends_a_page(count: int) -> None:
    pages = pdf(report(Section("Table", [table(count)]), Section("Notes", [Text(LONG_NOTE)])))
    holding = [p for p in pages if "Sentence" in p]
    assert len(holding) == 1 and LONG_NOTE in flat(holding[0])
    for page in pages:
        assert body_lines(page)[-1] not in ("Table", "Notes")


@pytest.mark.parametrize("count", range(28, 44))
def test_a_short_table_moves_whole_with_its_heading(count: int) -> None:
    filler = Section("Filler", [table(count)])
    flow = Table(["From", "Accounts", "MRR"], rows(6, "Flow"), align=("L", "R", "R"))
    pages = pdf(report(filler, Section("Band flow", [flow])))
    page = next(p for p in pages if "Band flow" in p)
    assert all(f"Flow {n:03d}" in page for n in range(1, 7))


def test_long_tables_repeat_their_headings_and_stop_at_the_row_cap() -> None:
    capped = report(Section("Changes", [table(260, order="most recent first")]))
    capped.csv_header = ["name", "mrr", "score"]
    capped.csv_rows = rows(260)
    pages = pdf(capped)
    text = "\n".join(pages)
    assert "Row 250" in text and "Row 251" not in text
    assert (
        "The PDF shows the first 250 of 260 rows, most recent first; "
        "the CSV of this report holds them all." in flat(text)
    )
    assert len(render_csv(capped).splitlines()) == 261
    assert len(pages) >= 5
    for page in pages:
        assert "Name MRR Score" in page


def test_chart_axes_fit_the_data_and_name_the_thresholds(session: Any, actor: Any) -> None:
    from iqcadence.core.reports.pdf_charts import nice_range

    assert nice_range([66.8, 68.7]) == (66.0, 69.0, 1.0)
    assert nice_range([12.0, 96.0], ceiling=100) == (0, 100, 50)  # scores stop at 100
    assert nice_range([0.0, 230.0])[1] > 230  # counts may pass 100
    build_portfolio(session, actor, days=35)
    text = "\n".join(pages_of(render(session, actor.client_id, "trend").content))
    assert re.search(r"(At Risk 25|Watch 50|Healthy 65|Expansion 80)", text)


# Each report and the definitions its notes must print (a part of each).
DEFINED = {
    "portfolio": ["Revenue at risk: the MRR of the accounts in the Critical or At Risk band",
                  "Expected MRR loss: the sum, over every scored account, of its churn estimate",
                  "Expansion opportunity: 20 % of the MRR", "Average score: the mean score"],
    "at-risk": ["Revenue at risk: the MRR", "Urgency (0–100): half the score's gap to 100"],
    "churn-risk": ["Churn estimate: a documented point system", "Expected MRR loss: the sum",
                   "Revenue at risk: the MRR"],
    "renewals": ["Flags: low score (below 50)", "ARR: MRR × 12."],
    "csm": ["Overdue: days since contact at or past the tier's overdue cadence"],
    "segments": ["At risk %: the share of accounts in the Critical or At Risk band."],
    "trend": ["Below Watch: the share of scored accounts with a score below 50"],
    "history": ["Band flow: each account's band at the start of the period",
                "Drops of 10+: recorded changes"],
    "digest": ["Newly at risk: in the Critical or At Risk band now"],
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(DEFINED))
def test_every_report_defines_its_figures_in_its_notes(session: Any, actor: Any, kind: str) -> None:
    build_portfolio(session, actor, days=35)
    built = build_report(session, actor.client_id, kind, ReportScope())
    assert built.sections[-1].heading == "Notes"
    pages = pages_of(render(session, actor.client_id, kind).content)
    notes = flat(pages[-1][pages[-1].index("Notes") :])
    for definition in DEFINED[kind]:
        assert definition in notes, definition
