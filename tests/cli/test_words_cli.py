"""What people read on the CLI: labels for stored tokens, amounts in the
client's currency, right-aligned; `--json` keeps the tokens."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

# Tokens that must never reach a table or sentence meant for people.
RAW_TOKENS = (
    "at_risk",
    "atrisk",
    "smb",
    "product_event",
    "integration_connected",
    "renewal_date",
    "last_contact_date",
    "scoring_profile",
    "due_soon",
)


def raw_tokens_in(text: str) -> list[str]:
    return [t for t in RAW_TOKENS if re.search(rf"(?<![\w.@/-]){t}(?![\w@/-])", text)]


@pytest.fixture
def book(cli: Any) -> Any:
    """Pinecone: SMB, At Risk, quiet, with a contact date and a product event."""
    for args in (
        ["score", "Pinecone", "--logins", "4", "--adoption", "30", "--tickets", "3", "--nps", "5",
         "--days", "50", "--tier", "smb", "--mrr", "3500", "--renewal", "2026-12-20",
         "--manager", "admin@example.com"],
        ["score", "Bigco", "--logins", "30", "--adoption", "95", "--nps", "10", "--growth",
         "strong", "--tier", "enterprise", "--mrr", "1000000"],
        ["customers", "edit", "Pinecone", "--set", "last_contact_date=2026-10-08",
         "--set", "lifecycle=atrisk"],
        ["log", "Pinecone", "--kind", "product_event", "--title", "integration_connected"],
    ):  # fmt: skip
        result = cli(*args)
        assert result.exit_code == 0, result.output
    return cli


def test_customers_show_speaks_words(book: Any) -> None:
    shown = book("customers", "show", "Pinecone").stdout
    for word in ("At Risk", "SMB", "Last contact date", "Renewal date", "Scoring profile",
                 "Days since contact", "NPS", "$3,500", "$42,000"):  # fmt: skip
        assert word in shown, word
    assert raw_tokens_in(shown) == []
    data = json.loads(book("customers", "show", "Pinecone", "--json").stdout)
    assert (data["band"], data["tier"], data["lifecycle"]) == ("at_risk", "smb", "atrisk")
    assert "last_contact_date" in data and data["mrr"] == 3500.0


def test_customers_list_speaks_words_with_amounts_right_aligned(book: Any) -> None:
    listed = book("customers", "list").stdout
    assert "At Risk" in listed and "SMB" in listed and "Enterprise" in listed
    assert raw_tokens_in(listed) == []
    lines = listed.splitlines()
    header = lines[0]
    right_edge = header.index("MRR") + len("MRR")
    amounts = {"Bigco": "$1,000,000", "Pinecone": "$3,500"}
    for name, amount in amounts.items():
        line = next(line for line in lines if line.startswith(name))
        assert line.index(amount) + len(amount) == right_edge, (line, header)


def test_timeline_myday_alerts_and_explain_speak_words(book: Any) -> None:
    timeline = book("timeline", "Pinecone").stdout
    assert "Product event" in timeline and "Integration connected" in timeline
    myday = book("myday", "--all").stdout
    assert "Due soon" in myday or "Overdue" in myday
    assert "Critical" in myday  # the renewal window and the alert severity
    alerts = book("alerts", "list").stdout
    assert "Warning" in alerts and "Health" in alerts and "$3,500" in alerts
    explained = book("explain", "Pinecone").stdout
    assert "Open tickets" in explained and "Days since contact" in explained
    for text in (timeline, myday, alerts, explained):
        assert raw_tokens_in(text) == []
        assert not re.search(r"\b(critical|warning|attention|opportunity)\b", text)
    data = json.loads(book("alerts", "list", "--json").stdout)
    assert {a["severity"] for a in data} <= {"critical", "warning", "attention", "opportunity"}


def test_currency_setting_shows_everywhere_on_the_cli(book: Any) -> None:
    assert book("config", "currency", "show").stdout.startswith("Amounts are shown in $")
    result = book("config", "currency", "set", "€")
    assert result.exit_code == 0, result.output
    assert "€3,500" in result.stdout
    assert json.loads(book("config", "currency", "show", "--json").stdout) == {"currency": "€"}
    assert "€3,500" in book("customers", "list").stdout
    assert "€42,000" in book("customers", "show", "Pinecone").stdout
    assert "MRR €1,003,500" in book("myday", "--all").stdout
    assert "€3,500" in book("alerts", "list").stdout
    assert "€200,000/month" in book("alerts", "list", "--customer", "Bigco").stdout
    assert "$" not in book("customers", "list").stdout
    # --json keeps numbers, with no symbol at all
    assert json.loads(book("customers", "show", "Pinecone", "--json").stdout)["mrr"] == 3500.0


def test_currency_is_refused_for_bad_symbols_and_non_admins(book: Any) -> None:
    bad = book("config", "currency", "set", "12")
    assert bad.exit_code == 2 and "currency" in bad.stderr
    assert book("users", "add", "csm@example.com", "--role", "csm").exit_code == 0
    denied = book("--as", "csm@example.com", "config", "currency", "set", "£")
    assert denied.exit_code == 4 and "only an admin" in denied.stderr
    assert "in $" in book("config", "currency", "show").stdout


def test_backups_carry_the_currency(book: Any, tmp_path: Path) -> None:
    assert book("config", "currency", "set", "CHF").exit_code == 0
    saved = tmp_path / "saved.json"
    assert book("backup", "--out", saved).exit_code == 0
    rows = json.loads(saved.read_text(encoding="utf-8"))["tables"]["setting"]
    assert any(row[rows["columns"].index("key")] == "display" for row in rows["rows"])
    assert book("config", "currency", "set", "$").exit_code == 0
    restored = book("restore", saved, "--yes")
    assert restored.exit_code == 0, restored.output
    assert "CHF 3,500" in book("customers", "list").stdout


def test_import_dry_run_changes_speak_words(book: Any, tmp_path: Path) -> None:
    path = tmp_path / "edit.csv"
    path.write_text("Account,Tier,MRR\nPinecone,enterprise,5000\n", encoding="utf-8")
    result = book("import", "csv", path, "--dry-run")
    assert result.exit_code == 0, result.output
    changes = result.stdout[result.stdout.index("Changes") :]
    assert "Tier" in changes and "SMB" in changes and "Enterprise" in changes
    assert "$3,500" in changes and "$5,000" in changes
    assert raw_tokens_in(changes) == []


def pdf_text(path: Path) -> str:
    import io

    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(path.read_bytes())).pages
    return "\n".join(page.extract_text() for page in pages)


def test_currency_and_labels_reach_the_pdfs(book: Any, tmp_path: Path) -> None:
    """The setting made on the CLI shows in the report PDFs; the reports and
    the record export speak the same words as the CLI."""
    assert book("config", "currency", "set", "€").exit_code == 0
    report, record = tmp_path / "book.pdf", tmp_path / "pinecone.pdf"
    assert book("report", "portfolio", "--out", report).exit_code == 0
    assert book("customers", "export-record", "Pinecone", "--out", record).exit_code == 0
    portfolio = pdf_text(report)
    assert "€1,003,500" in portfolio and "$" not in portfolio
    exported = pdf_text(record)
    for text in (portfolio, exported):
        assert "At Risk" in text and "SMB" in text
        assert raw_tokens_in(text) == []
