"""Rows read with plain SQL, given back the Python types the ORM would give."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def typed_row(row: dict[str, Any]) -> dict[str, Any]:
    """Raw SQL returns dates as text on SQLite: give them their types back."""
    for key in ("renewal_date", "customer_since", "next_touch", "last_contact_date", "days_as_of"):
        value = row.get(key)
        if isinstance(value, str):
            row[key] = date.fromisoformat(value[:10])
    for key in ("scored_at", "created_at", "updated_at"):
        value = row.get(key)
        if isinstance(value, str):
            row[key] = datetime.fromisoformat(value)
    if "score_manual" in row:
        row["score_manual"] = bool(row["score_manual"])
    return row
