"""Rendering a report to bytes for the CLI, the scheduler and the TUI, in the
client's brand (`branding`; `company_name` and `set_company` are kept here
for their callers)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.reports.branding import company_name, load_brand, set_company
from iqcadence.core.reports.catalog import build_report
from iqcadence.core.reports.data import ReportScope
from iqcadence.core.reports.model import Report, render_csv, render_pdf
from iqcadence.core.scoring.fields import parse_date


@dataclass(frozen=True)
class RenderedReport:
    report: Report
    content: bytes
    fmt: str
    pages: int | None

    @property
    def summary(self) -> str:
        return self.report.summary

    @property
    def default_filename(self) -> str:
        return f"{self.report.kind}-{clock.today().isoformat()}.{self.fmt}"


def branded_pdf(session: Session, client_id: int, report: Report, page_size: str) -> bytes:
    """A report as PDF with the client's name, colour and logo, stamped now."""
    return render_pdf(
        report,
        company=company_name(session, client_id),
        generated_at=clock.now(),
        page_size=page_size,
        brand=load_brand(session, client_id),
    )


def render(
    session: Session,
    client_id: int,
    kind: str,
    *,
    fmt: str = "pdf",
    customer: str | None = None,
    manager: str | None = None,
    tier: str | None = None,
    tag: str | None = None,
    as_of: str | None = None,
    page_size: str = "a4",
) -> RenderedReport:
    scope = ReportScope(
        manager=manager,
        tier=tier,
        tag=tag,
        as_of=parse_date("--as-of", as_of) if as_of else None,
        customer=customer,
    )
    report = build_report(session, client_id, kind, scope)
    if fmt == "csv":
        return RenderedReport(report, render_csv(report).encode("utf-8"), "csv", None)
    if fmt != "pdf":
        raise InvalidValue(f"--format: {fmt!r} is not one of pdf, csv.")
    content = branded_pdf(session, client_id, report, page_size)
    return RenderedReport(report, content, "pdf", content.count(b"/Type /Page\n") or None)


def record_pdf(session: Session, actor: Actor, name: str, *, page_size: str = "a4") -> bytes:
    """The Customer 360 record export as PDF."""
    from iqcadence.core.reports.record import record_report

    report = record_report(session, actor, name)
    return branded_pdf(session, actor.client_id, report, page_size)


def qbr_document(
    session: Session, actor: Actor, name: str, *, fmt: str = "md", page_size: str = "a4"
) -> bytes:
    """QBR prep as PDF or Markdown."""
    from iqcadence.core.reports.model import render_markdown
    from iqcadence.core.reports.qbr import qbr_report

    report = qbr_report(session, actor, name)
    if fmt == "md":
        return render_markdown(report).encode("utf-8")
    return branded_pdf(session, actor.client_id, report, page_size)


__all__ = ["RenderedReport", "branded_pdf", "company_name", "render", "set_company"]
