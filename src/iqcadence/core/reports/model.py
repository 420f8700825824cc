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
from iqcadence.core.reports.pdf import RGB, Brand, ReportPDF
from iqcadence.core.reports.pdf_tables import KEEP_WHOLE
from iqcadence.core.scoring.formula import BAND_LABELS


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
    # How the rows are ordered, for the line under a capped table
    # ("the 25 … most MRR first"), so a reader knows which rows were kept.
    order: str = ""


@dataclass
class Bars:
    labels: Sequence[str]
    values: Sequence[float]
    colours: Sequence[RGB] | None = None
    value_format: str = "{:,.0f}"
    height: float = 45  # mm
    # A part of each bar drawn in its own colour from the base (flagged ARR
    # within a month's ARR), and the legend naming the whole and the part.
    highlight: Sequence[float] | None = None
    highlight_colour: RGB | None = None
    legend: tuple[str, str] | None = None


@dataclass
class Lines:
    x_labels: Sequence[str]
    series: Sequence[tuple[str, Sequence[float | None]]]
    y_min: float | None = None
    y_max: float | None = None
    thresholds: dict[str, float] | None = None
    colours: Sequence[RGB] | None = None


@dataclass
class Donut:
    parts: Sequence[tuple[str, float, RGB]]
    centre: str = ""


@dataclass
class BandMix:
    """Accounts per band for each group (label → {band: count})."""

    rows: Sequence[tuple[str, dict[str, int]]]


@dataclass
class Text:
    body: str
    muted: bool = False
    size: float = 9  # points; notes are set smaller


Block = Table | Bars | Lines | Donut | BandMix | Text


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
    report: Report,
    *,
    company: str,
    generated_at: datetime,
    page_size: str = "a4",
    brand: Brand | None = None,
) -> bytes:
    pdf = ReportPDF(
        report.title,
        company=company,
        subtitle=report.subtitle,
        generated_at=generated_at,
        page_size=page_size,
        brand=brand,
    )
    if report.kpis:
        per_row = len(report.kpis) if len(report.kpis) <= 5 else (len(report.kpis) + 1) // 2
        for start in range(0, len(report.kpis), per_row):
            pdf.kpis(report.kpis[start : start + per_row])
    for section in report.sections:
        heights = [_height(pdf, block) for block in section.blocks]
        # A short section stays whole with its heading; a long one keeps
        # its heading with the start of its first block.
        keep = sum(heights) if sum(heights) <= KEEP_SECTION else (heights or [10.0])[0]
        pdf.heading(section.heading, keep=keep)
        for index, block in enumerate(section.blocks):
            after = section.blocks[index + 1] if index + 1 < len(section.blocks) else None
            _draw(pdf, block, after)
    return bytes(pdf.output())


def capped_note(table: Table) -> str | None:
    """The line under a table the PDF shows only part of: how many rows,
    which ones, and where the rest are."""
    if len(table.rows) <= table.max_rows:
        return None
    order = f", {table.order}" if table.order else ""
    return (
        f"The PDF shows the first {table.max_rows:,} of {len(table.rows):,} rows{order}; "
        "the CSV of this report holds them all."
    )


KEEP_SECTION = 110.0  # mm


def _height(pdf: ReportPDF, block: Block) -> float:
    """How much of the block must follow its heading on the page (mm): a
    chart, a paragraph or a short table whole, a long table's headings and
    first rows."""
    if isinstance(block, Lines):
        return 70
    if isinstance(block, Bars):
        return block.height + (19 if block.legend else 13)
    if isinstance(block, Donut):
        return 46
    if isinstance(block, BandMix):
        return len(block.rows) * 6 + 12
    if isinstance(block, Table):
        if not block.rows:
            return pdf.paragraph_height(block.empty)
        shown = block.rows[: min(block.max_rows, 16)]
        height = pdf.table_height(
            block.headings,
            shown,
            widths=block.widths,
            band_column=block.band_column,
            align=block.align,
        )
        return height if len(shown) == len(block.rows) and height <= KEEP_WHOLE else 30
    return pdf.paragraph_height(block.body, size=block.size)


def _draw(pdf: ReportPDF, block: Block, after: Block | None) -> None:
    if isinstance(block, Table):
        if not block.rows:
            pdf.paragraph(block.empty, muted=True)
            return
        note = capped_note(block)
        tail = pdf.paragraph_height(note) if note else 0.0
        if isinstance(after, Text):
            tail += pdf.paragraph_height(after.body, size=after.size)
        shown = block.rows[: block.max_rows]
        pdf.table_rows(
            block.headings,
            shown,
            widths=block.widths,
            bands=block.bands[: block.max_rows] if block.bands is not None else None,
            band_column=block.band_column,
            align=block.align,
            tail=tail,
        )
        if note:
            pdf.paragraph(note, muted=True)
    elif isinstance(block, Bars):
        pdf.bar_chart(
            block.labels,
            block.values,
            colours=block.colours,
            value_format=block.value_format,
            height=block.height,
            highlight=block.highlight,
            highlight_colour=block.highlight_colour,
            legend=block.legend,
        )
    elif isinstance(block, Lines):
        pdf.line_chart(
            block.x_labels,
            block.series,
            y_min=block.y_min,
            y_max=block.y_max,
            bands=block.thresholds,
            colours=block.colours,
        )
    elif isinstance(block, Donut):
        pdf.donut(block.parts, centre_text=block.centre)
    elif isinstance(block, BandMix):
        pdf.band_mix(block.rows, BAND_LABELS)
    else:
        pdf.paragraph(block.body, muted=block.muted, size=block.size)


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
    if isinstance(block, Bars) and block.highlight is not None and block.legend:
        whole, part = block.legend
        return [
            ", ".join(
                f"{label}: {block.value_format.format(value)} "
                f"({part} {block.value_format.format(high)})"
                for label, value, high in zip(
                    block.labels, block.values, block.highlight, strict=True
                )
            )
            + f" ({whole})"
        ]
    if isinstance(block, Bars):
        return [
            ", ".join(
                f"{label}: {block.value_format.format(value)}"
                for label, value in zip(block.labels, block.values, strict=True)
            )
        ]
    if isinstance(block, BandMix):
        return [
            f"{label}: " + ", ".join(f"{BAND_LABELS[b]} {n}" for b, n in counts.items() if n)
            for label, counts in block.rows
        ]
    return [", ".join(f"{label}: {value:,.0f}" for label, value, _ in block.parts)]


def _md_cell(value: Any) -> str:
    return ("" if value is None else str(value)).replace("|", "\\|").replace("\n", " ")
