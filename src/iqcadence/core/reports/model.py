"""A report as data: a title, KPIs and sections (tables, charts, text), plus
the rows of its CSV. Builders produce this; `render_pdf` and `render_csv`
turn the same object into files, so both always carry the same figures."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from iqcadence.core.base.text import spreadsheet_cell
from iqcadence.core.reports.pdf import RGB, ReportPDF


@dataclass
class Table:
    headings: Sequence[str]
    rows: list[list[Any]]
    widths: Sequence[float] | None = None
    bands: list[str | None] | None = None
    band_column: int | None = None
    align: Sequence[str] | None = None
    empty: str = "Nothing to show."
    # A PDF table longer than this shows its first rows and says how many more
    # the CSV holds: pages nobody reads are padding, and they are slow to draw.
    max_rows: int = 250


@dataclass
class Bars:
    labels: Sequence[str]
    values: Sequence[float]
    colours: Sequence[RGB] | None = None
    value_format: str = "{:,.0f}"


@dataclass
class Lines:
    x_labels: Sequence[str]
    series: Sequence[tuple[str, Sequence[float | None]]]
    y_min: float | None = None
    y_max: float | None = None
    thresholds: dict[str, float] | None = None


@dataclass
class Donut:
    parts: Sequence[tuple[str, float, RGB]]
    centre: str = ""


@dataclass
class Text:
    body: str
    muted: bool = False


Block = Table | Bars | Lines | Donut | Text


@dataclass
class Section:
    heading: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Report:
    kind: str
    title: str
    subtitle: str
    kpis: list[tuple[str, str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    csv_header: list[str] = field(default_factory=list)
    csv_rows: list[list[Any]] = field(default_factory=list)
    summary: str = ""  # a plain-text paragraph (e-mail bodies, cron logs)


def render_pdf(
    report: Report, *, company: str, generated_at: datetime, page_size: str = "a4"
) -> bytes:
    pdf = ReportPDF(
        report.title,
        company=company,
        subtitle=report.subtitle,
        generated_at=generated_at,
        page_size=page_size,
    )
    if report.kpis:
        per_row = len(report.kpis) if len(report.kpis) <= 5 else (len(report.kpis) + 1) // 2
        for start in range(0, len(report.kpis), per_row):
            pdf.kpis(report.kpis[start : start + per_row])
    for section in report.sections:
        pdf.heading(section.heading, keep=_height(section.blocks[0]) if section.blocks else 10)
        for block in section.blocks:
            _draw(pdf, block)
    return bytes(pdf.output())


def _height(block: Block) -> float:
    """Roughly how much of the block must follow its heading on the page (mm)."""
    if isinstance(block, Lines):
        return 70
    if isinstance(block, Bars):
        return 58
    if isinstance(block, Donut):
        return 46
    if isinstance(block, Table):
        return 22
    return 12


def _draw(pdf: ReportPDF, block: Block) -> None:
    if isinstance(block, Table):
        if not block.rows:
            pdf.paragraph(block.empty, muted=True)
            return
        shown = block.rows[: block.max_rows]
        pdf.table_rows(
            block.headings,
            shown,
            widths=block.widths,
            bands=block.bands[: block.max_rows] if block.bands is not None else None,
            band_column=block.band_column,
            align=block.align,
        )
        if len(block.rows) > len(shown):
            more = len(block.rows) - len(shown)
            pdf.paragraph(f"… and {more:,} more rows in the CSV of this report.", muted=True)
    elif isinstance(block, Bars):
        pdf.bar_chart(
            block.labels, block.values, colours=block.colours, value_format=block.value_format
        )
    elif isinstance(block, Lines):
        pdf.line_chart(
            block.x_labels,
            block.series,
            y_min=block.y_min,
            y_max=block.y_max,
            bands=block.thresholds,
        )
    elif isinstance(block, Donut):
        pdf.donut(block.parts, centre_text=block.centre)
    else:
        pdf.paragraph(block.body, muted=block.muted)


def render_csv(report: Report) -> str:
    """The rows as CSV; text a spreadsheet would run as a formula (a customer
    named `=HYPERLINK(...)`) is written with a leading apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(report.csv_header)
    for row in report.csv_rows:
        writer.writerow(
            [
                ""
                if value is None
                else spreadsheet_cell(value)
                if isinstance(value, str)
                else value
                for value in row
            ]
        )
    return buffer.getvalue()


def render_markdown(report: Report) -> str:
    """The report as Markdown: text and tables; a chart becomes one line
    naming where its series start and end."""
    lines = [f"# {report.title}", "", f"_{report.subtitle}_", ""]
    if report.kpis:
        lines += [f"- **{label}:** {value}" for label, value in report.kpis] + [""]
    for section in report.sections:
        lines += [f"## {section.heading}", ""]
        for block in section.blocks:
            lines += _markdown_block(block) + [""]
    return "\n".join(lines).rstrip() + "\n"


def _markdown_block(block: Block) -> list[str]:
    if isinstance(block, Text):
        return [
            line.replace("• ", "- ", 1) if line.startswith("• ") else line
            for line in block.body.splitlines()
        ]
    if isinstance(block, Table):
        if not block.rows:
            return [f"_{block.empty}_"]
        cells = [[_md_cell(v) for v in row] for row in block.rows]
        head = "| " + " | ".join(_md_cell(h) for h in block.headings) + " |"
        rule = (
            "|"
            + "|".join(
                " ---: " if (block.align and str(a).upper().startswith("R")) else " --- "
                for a in (block.align or ["L"] * len(block.headings))
            )
            + "|"
        )
        return [head, rule] + ["| " + " | ".join(row) + " |" for row in cells]
    if isinstance(block, Lines):
        out = []
        for name, points in block.series:
            values = [p for p in points if p is not None]
            if values:
                out.append(
                    f"{name}: {values[0]:.1f} → {values[-1]:.1f} "
                    f"(low {min(values):.1f}, high {max(values):.1f})"
                )
        return out or ["_No history in the period._"]
    if isinstance(block, Bars):
        return [
            ", ".join(
                f"{label}: {block.value_format.format(value)}"
                for label, value in zip(block.labels, block.values, strict=True)
            )
        ]
    return [", ".join(f"{label}: {value:,.0f}" for label, value, _ in block.parts)]


def _md_cell(value: Any) -> str:
    return ("" if value is None else str(value)).replace("|", "\\|").replace("\n", " ")
