"""The text rules of core.base.text: control characters found and dropped for
display, spreadsheet formulas neutralised reversibly, and PDFs free of them."""

from __future__ import annotations

import io
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from iqcadence.core.base.text import (
    from_spreadsheet_cell,
    printable,
    spreadsheet_cell,
    unsafe_character,
)

HIDDEN = ("\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\u202e", "\u2066", "\udcff")


def test_printable_drops_what_a_terminal_would_act_on() -> None:
    assert printable("Acme\x1b[2J\u202eCorp\x00\x9b") == "Acme[2JCorp"
    assert printable("two\nlines\tand a tab") == "two\nlines\tand a tab"
    assert printable("Łódź ‏שלום‎ 株式会社") == "Łódź ‏שלום‎ 株式会社"  # marks stay


def test_unsafe_character_in_a_line_and_in_notes() -> None:
    assert unsafe_character("Acme Corp") is None
    assert unsafe_character("tab\there") == "\t"
    assert unsafe_character("tab\there\nand line", multiline=True) is None
    for char in HIDDEN:
        assert unsafe_character(f"a{char}b") == char
        assert unsafe_character(f"a{char}b", multiline=True) == char


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from("'=+-@\t\rab 1"), max_size=8) | st.text(max_size=20))
def test_spreadsheet_escape_round_trips(text: str) -> None:
    cell = spreadsheet_cell(text)
    assert from_spreadsheet_cell(cell) == text
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_pdf_text_and_title_lose_control_characters() -> None:
    from pypdf import PdfReader

    from iqcadence.core.reports.pdf import ReportPDF

    pdf = ReportPDF("T\u202eitle", company="Co\x1b[2J", generated_at=datetime(2026, 11, 27))
    pdf.paragraph("Acme\x1b[2J\u202eCorp\x00 ok")
    reader = PdfReader(io.BytesIO(bytes(pdf.output())))
    text = reader.pages[0].extract_text()
    assert "Acme[2JCorp ok" in text
    assert reader.metadata is not None and reader.metadata.title == "Co[2J — Title"
    for char in HIDDEN:
        assert char not in text
