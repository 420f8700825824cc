"""Every page of every report on the default demo portfolio (250 accounts,
90 days of history), read back with pypdf: nothing cut, nothing alone on a
page, and the long reports shaped for reading (flagged renewals first, a
portfolio's score history as a summary with every change in the CSV)."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from iqcadence.core.reports import service
from iqcadence.core.reports.catalog import REPORTS, build_report
from iqcadence.core.reports.data import ReportScope
from iqcadence.core.store.db import open_database, resolve_location
from iqcadence.core.store.users import resolve_actor

CUSTOMER = "Acorn Recruiting Inc"


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from iqcadence.core.demo import portfolio as demo

    saved = {k: os.environ.get(k) for k in ("IQCADENCE_USER", "IQCADENCE_TODAY")}
    os.environ["IQCADENCE_USER"] = "admin@example.com"
    os.environ["IQCADENCE_TODAY"] = "2026-11-27"
    try:
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        demo.build_demo(path)
        return path
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def demo_session(demo_path: Path) -> Iterator[tuple[Any, Any]]:
    database = open_database(resolve_location(demo_path))
    with database.session() as session:
        yield session, resolve_actor(session, None, None)
    database.dispose()


def documents(session: Any, actor: Any) -> Iterator[tuple[str, list[str], list[str]]]:
    """(name, section headings, page texts) of every report and document."""
    for kind in REPORTS:
        scope = ReportScope(customer=CUSTOMER if kind == "customer" else None)
        headings = [s.heading for s in build_report(session, actor.client_id, kind, scope).sections]
        content = service.render(session, actor.client_id, kind, customer=scope.customer).content
        yield kind, headings, pages_of(content)
    yield "record", [], pages_of(service.record_pdf(session, actor, CUSTOMER))
    yield "qbr", [], pages_of(service.qbr_document(session, actor, CUSTOMER, fmt="pdf"))


def pages_of(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def body_lines(page: str) -> list[str]:
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    return [line for line in lines[3:] if not line.startswith("Generated ")]


def test_no_cell_is_cut_and_no_page_is_left_alone(demo_session: tuple[Any, Any]) -> None:
    session, actor = demo_session
    for name, headings, pages in documents(session, actor):
        text = "\n".join(pages)
        assert "…" not in text, f"{name}: {text[text.index('…') - 40 : text.index('…') + 5]!r}"
        for number, page in enumerate(pages, start=1):
            lines = body_lines(page)
            assert lines, f"{name} p.{number} is empty"
            assert lines[-1] not in headings, f"{name} p.{number} ends with {lines[-1]!r}"
            if number > 1:
                assert not lines[0][:1].islower(), f"{name} p.{number} starts {lines[0]!r}"


def test_renewals_lead_with_the_flagged_ones(demo_session: tuple[Any, Any]) -> None:
    session, actor = demo_session
    pages = pages_of(service.render(session, actor.client_id, "renewals").content)
    first = body_lines(pages[0])
    heading = next(line for line in first if line.startswith("Flagged renewals ("))
    assert first.index(heading) < 12  # right under the figures
    assert re.search(r"Renewals without flags in the next 90 days \(\d+\)", "\n".join(pages))


def test_portfolio_history_is_a_summary_with_every_change_in_the_csv(
    demo_session: tuple[Any, Any],
) -> None:
    session, actor = demo_session
    pdf = service.render(session, actor.client_id, "history")
    csv_rows = service.render(session, actor.client_id, "history", fmt="csv").content.splitlines()
    pages = pages_of(pdf.content)
    text = "\n".join(pages)
    assert len(pages) <= 3
    for heading in ("Biggest falls", "Biggest rises", "Band flow", "Changes week by week"):
        assert heading in text
    changes = int(re.search(r"Changes\n([\d,]+)", text).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert changes > 250 and len(csv_rows) - 1 == changes
    assert f"Every recorded change ({changes:,}) is a row of this report's CSV" in " ".join(
        text.split()
    )


def test_the_digest_says_which_alerts_it_shows(demo_session: tuple[Any, Any]) -> None:
    session, actor = demo_session
    text = " ".join(
        "\n".join(pages_of(service.render(session, actor.client_id, "digest").content)).split()
    )
    shown = re.search(r"The PDF shows the first 25 of ([\d,]+) rows, critical before warning", text)
    assert shown is not None
    assert f"Critical/warning alerts {shown.group(1)}" in text
    assert "Band mix, a week ago and now" in text
