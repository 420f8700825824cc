"""The two documents about one account: the record export keeps every
e-mail, timestamp and event kind whole, and the QBR's agenda, which is
shared with the customer, carries no internal status."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader

from iqcadence.core.accounts import contacts, timeline
from iqcadence.core.reports.model import render_markdown
from iqcadence.core.reports.qbr import qbr_report
from iqcadence.core.reports.service import record_pdf
from tests.factories import build_portfolio

EMAIL = "ines.haddad@acorn-recruiting-international.example"


def joined(content: bytes) -> str:
    """The PDF's text with line breaks removed, so wrapped cells read whole."""
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
    return "".join("".join(pages).split())


def test_record_export_keeps_emails_timestamps_and_kinds_whole(session: Any, actor: Any) -> None:
    build_portfolio(session, actor, days=14)
    contacts.add_contact(session, actor, "Globex", "Inès Haddad", role="champion", email=EMAIL)
    timeline.log_event(
        session, actor, "Globex", kind="meeting", title="Quarterly sync", at="2026-11-20T15:30"
    )
    content = record_pdf(session, actor, "Globex")
    text = joined(content)
    assert "…" not in text
    assert EMAIL in text
    assert "2026-11-2015:30" in text  # "2026-11-20 15:30", its lines joined
    raw = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Health change" in raw  # an event kind, in words, on one line
    assert "health_change" not in raw and "Champion" in raw


def test_qbr_agenda_names_no_internal_status(session: Any, actor: Any) -> None:
    build_portfolio(session, actor, days=35)
    # three accounts in different bands, each with an open ticket
    for name in ("Initech", "Łódź Logistics", "Acme Corp"):
        timeline.log_event(session, actor, name, kind="ticket", title="Export fails")
        markdown = render_markdown(qbr_report(session, actor, name))
        agenda = markdown.split("## Proposed agenda", 1)[1]
        internal = re.compile(
            r"score|health|at risk|critical|watch|churn|sentiment|detractor|momentum|fell|nps",
            re.IGNORECASE,
        )
        items = [line for line in agenda.splitlines() if re.match(r"\d+\. ", line)]
        assert items, name
        for item in items:
            assert not internal.search(item), f"{name}: {item}"
        assert any("Support: the 1 open ticket" in item for item in items), name
