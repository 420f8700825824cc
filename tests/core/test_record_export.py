"""Customer 360 record export and QBR prep."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from iqcadence.core.accounts import contacts, timeline
from iqcadence.core.reports.service import qbr_document, record_pdf
from tests.factories import build_portfolio


@pytest.fixture
def account(session: Any, actor: Any) -> Any:
    build_portfolio(session, actor, days=35)
    contacts.add_contact(
        session, actor, "Zürich Café", "Anna Müller", role="champion", email="anna@zc.ch"
    )
    timeline.log_event(
        session, actor, "Zürich Café", kind="meeting", title="Quarterly sync", contact="Anna Müller"
    )
    timeline.log_event(
        session, actor, "Zürich Café", kind="ticket", title="SSO login fails", priority="high"
    )
    return session


def text_of(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_record_export_holds_header_contacts_timeline_and_history(account: Any, actor: Any) -> None:
    content = record_pdf(account, actor, "zürich café")
    text = text_of(content)
    for expected in (
        "Zürich Café",
        "Attributes",
        "Contacts",
        "Anna Müller",
        "Champion",
        "Timeline",
        "Quarterly sync",
        "SSO login fails",
        "Health history",
        "Score breakdown",
    ):
        assert expected in text, expected


def test_qbr_markdown_and_pdf(account: Any, actor: Any) -> None:
    markdown = qbr_document(account, actor, "Zürich Café", fmt="md").decode()
    assert markdown.startswith("# QBR prep: Zürich Café")
    for heading in (
        "## Health story",
        "## Usage and adoption",
        "## Tickets",
        "## Wins",
        "## Risks",
        "## Renewal",
        "## Proposed agenda",
    ):
        assert heading in markdown
    assert "SSO login fails" in markdown
    assert "1 tickets raised, 1 still open" in markdown
    pdf = text_of(qbr_document(account, actor, "Zürich Café", fmt="pdf"))
    assert "Proposed agenda" in pdf and "Renews 2027-01-01" in pdf


def test_cli_export_record_and_qbr(cli: Any, tmp_path: Any, session: Any, actor: Any) -> None:
    build_portfolio(session, actor, days=7)
    out = tmp_path / "acme.pdf"
    result = cli("customers", "export-record", "Acme Corp", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    result = cli("qbr", "Acme Corp", "--out", str(tmp_path / "acme.md"))
    assert result.exit_code == 0
    assert (tmp_path / "acme.md").read_text().startswith("# QBR prep: Acme Corp")
    bad = cli("qbr", "Acme Corp", "--out", str(tmp_path / "acme.docx"))
    assert bad.exit_code == 2
    missing = cli("customers", "export-record", "Nobody", "--out", str(out))
    assert missing.exit_code == 1 and "Nobody" in missing.stderr
