"""CSV exports: the full customer export and the round-trip bulksheet.

Rows are streamed from SQL in chunks (a million customers export in bounded
memory) and every header is a name `import csv` recognises: computed columns
(band, priority, cadence status, ...) are known there and ignored, so an
export re-imports cleanly and changes nothing.

Text cells that start like a spreadsheet formula (`=`, `+`, `-`, `@`, tab,
CR) are written with a leading apostrophe (OWASP's rule against CSV
injection); `import csv` drops it, so the bulksheet still round-trips.

Computed columns of `export csv`:

* `score_source`: `manual` for an override, else `computed`.
* `momentum_7d`: score now minus the last recorded score from before 7 days
  ago (blank without that much history).
* `days_since_contact`: the effective value today (baseline + days elapsed).
* `days_until_renewal`: renewal date minus today (negative once passed).
* `cadence_status`: `overdue` when days since contact reach the tier's
  overdue cadence, `due_soon` when they reach its due-soon cadence, else `ok`
  (blank without a tier or a days value). Cadence comes from the scoring
  configuration (defaults: enterprise 14/21, mid 21/30, smb 30/45).
* `priority`: see `priority`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any, TextIO

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts.history import scores_as_of
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.text import spreadsheet_cell
from iqcadence.core.read.customer_pages import SORTS, CustomerFilter, filter_sql
from iqcadence.core.scoring.formula import ScoringConfig, effective_days
from iqcadence.core.store import settings

CHUNK_ROWS = 5000
MOMENTUM_DAYS = 7

EXPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "score",
    "band",
    "score_source",
    "priority",
    "momentum_7d",
    "cadence_status",
    "days_until_renewal",
    "tier",
    "lifecycle",
    "status",
    "manager",
    "mrr",
    "arr",
    "renewal_date",
    "customer_since",
    "next_touch",
    "last_contact_date",
    "days_since_contact",
    "logins",
    "adoption",
    "tickets",
    "nps",
    "csat",
    "growth",
    "tags",
    "sentiment",
    "scoring_profile",
    "website",
    "domain",
    "email",
    "phone",
    "industry",
    "notes",
    "scored_at",
    "created_at",
    "updated_at",
)

# The fields a person edits, in a spreadsheet-friendly order. `score` holds
# only manual overrides (blank = computed), so re-importing leaves computed
# scores alone.
BULKSHEET_COLUMNS: tuple[str, ...] = (
    "name",
    "manager",
    "tier",
    "lifecycle",
    "mrr",
    "arr",
    "renewal_date",
    "customer_since",
    "next_touch",
    "last_contact_date",
    "days_since_contact",
    "logins",
    "adoption",
    "tickets",
    "nps",
    "csat",
    "growth",
    "score",
    "tags",
    "sentiment",
    "scoring_profile",
    "website",
    "domain",
    "email",
    "phone",
    "industry",
    "notes",
)

BAND_URGENCY: dict[str | None, float] = {
    "critical": 50.0,
    "at_risk": 38.0,
    "watch": 22.0,
    None: 20.0,
    "healthy": 8.0,
    "expansion": 3.0,
}
MRR_FOR_FULL_WEIGHT = 50_000.0


def priority(
    band: str | None,
    days_until_renewal: int | None,
    mrr: float | None,
    windows: Mapping[str, int],
) -> int:
    """How urgently an account needs attention, 0 (none) to 100 (now).

    The sum of three parts, rounded:

    * health, up to 50: critical 50, at risk 38, watch 22, unscored 20,
      healthy 8, expansion 3;
    * renewal proximity, up to 30: renewal passed or within the critical
      renewal window (30 days by default) 30, within the warning window (60)
      20, within the upcoming window (90) 12, within 180 days 5, later or
      unknown 0;
    * revenue, up to 20: 20 × log10(1 + MRR) / log10(1 + 50,000), capped at 20
      (so $1,000 a month gives 12.8 and $50,000 or more gives 20).

    A critical account renewing this month with $10k MRR scores 97; a healthy
    one renewing next year with $500 MRR scores 19.
    """
    health = BAND_URGENCY.get(band, BAND_URGENCY[None])
    renewal = 0.0
    if days_until_renewal is not None:
        if days_until_renewal <= windows.get("critical", 30):
            renewal = 30.0
        elif days_until_renewal <= windows.get("warning", 60):
            renewal = 20.0
        elif days_until_renewal <= windows.get("upcoming", 90):
            renewal = 12.0
        elif days_until_renewal <= 180:
            renewal = 5.0
    revenue = 0.0
    if mrr is not None and mrr > 0:
        revenue = min(20.0, 20.0 * math.log10(1 + mrr) / math.log10(1 + MRR_FOR_FULL_WEIGHT))
    return int(min(100.0, math.floor(health + renewal + revenue + 0.5)))


def cadence_status(
    tier: str | None, days_since_contact: int | None, cadence: Mapping[str, tuple[int, int]]
) -> str | None:
    """ok / due_soon / overdue against the tier's contact cadence."""
    if tier is None or days_since_contact is None or tier not in cadence:
        return None
    due_soon, overdue = cadence[tier]
    if days_since_contact >= overdue:
        return "overdue"
    if days_since_contact >= due_soon:
        return "due_soon"
    return "ok"


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _stamp(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return str(value)[:19]


def cell(value: Any) -> str:
    """A value as CSV text that reads back to the same value. Text a
    spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first)
    gets a leading apostrophe, which `import csv` drops again."""
    if isinstance(value, str):
        return spreadsheet_cell(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _stream(
    session: Session,
    client_id: int,
    filters: CustomerFilter,
    *,
    sort: str,
    desc: bool,
) -> Iterator[list[dict[str, Any]]]:
    """Customer rows in chunks, straight from SQL."""
    where, params = filter_sql(session, client_id, filters)
    direction = "DESC" if desc else "ASC"
    order = f"{SORTS[sort]} {direction}, customer.id {direction}"
    result = (
        session.connection()
        .execution_options(stream_results=True, yield_per=CHUNK_ROWS)
        .execute(text(f"SELECT customer.* FROM customer WHERE {where} ORDER BY {order}"), params)
        .mappings()
    )
    for partition in result.partitions(CHUNK_ROWS):
        yield [dict(row) for row in partition]


def _check_sort(sort: str) -> None:
    from iqcadence.core.base.errors import InvalidValue

    if sort not in SORTS:
        raise InvalidValue(f"--sort: {sort!r} is not one of {', '.join(SORTS)}.")


def export_csv(
    session: Session,
    actor: Actor,
    out: TextIO,
    filters: CustomerFilter | None = None,
    *,
    sort: str = "name",
    desc: bool = False,
) -> int:
    """Write every stored field plus the computed ones; returns the row count."""
    _check_sort(sort)
    config = settings.load_scoring_config(session, actor.client_id)
    today = clock.today()
    cutoff = clock.start_of(today - timedelta(days=MOMENTUM_DAYS - 1))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for chunk in _stream(
        session, actor.client_id, filters or CustomerFilter(), sort=sort, desc=desc
    ):
        past = scores_as_of(session, [int(r["id"]) for r in chunk], cutoff)
        for row in chunk:
            writer.writerow(_export_row(row, config, today, past.get(int(row["id"]))))
        count += len(chunk)
    return count


def _export_row(
    row: dict[str, Any], config: ScoringConfig, today: date, past_score: float | None
) -> list[str]:
    renewal = _day(row["renewal_date"])
    until = (renewal - today).days if renewal is not None else None
    days = effective_days(row["days_baseline"], _day(row["days_as_of"]), today)
    score = row["score"]
    momentum = (
        round(float(score) - past_score, 1)
        if score is not None and past_score is not None
        else None
    )
    values: dict[str, Any] = {
        **row,
        "score_source": "manual" if row["score_manual"] else "computed",
        "priority": priority(row["band"], until, row["mrr"], config.renewal_windows),
        "momentum_7d": momentum,
        "cadence_status": cadence_status(row["tier"], days, config.cadence),
        "days_until_renewal": until,
        "days_since_contact": days,
        "renewal_date": renewal,
        "customer_since": _day(row["customer_since"]),
        "next_touch": _day(row["next_touch"]),
        "last_contact_date": _day(row["last_contact_date"]),
        "scored_at": _stamp(row["scored_at"]),
        "created_at": _stamp(row["created_at"]),
        "updated_at": _stamp(row["updated_at"]),
    }
    return [cell(values.get(column)) for column in EXPORT_COLUMNS]


def export_bulksheet(
    session: Session,
    actor: Actor,
    out: TextIO,
    filters: CustomerFilter | None = None,
) -> int:
    """Write the editable fields only, in a form `import csv` reads back to
    exactly what is stored; returns the row count."""
    today = clock.today()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BULKSHEET_COLUMNS)
    count = 0
    for chunk in _stream(
        session, actor.client_id, filters or CustomerFilter(status=None), sort="name", desc=False
    ):
        for row in chunk:
            values: dict[str, Any] = {
                **row,
                "days_since_contact": effective_days(
                    row["days_baseline"], _day(row["days_as_of"]), today
                ),
                "score": row["score"] if row["score_manual"] else None,
                "renewal_date": _day(row["renewal_date"]),
                "customer_since": _day(row["customer_since"]),
                "next_touch": _day(row["next_touch"]),
                "last_contact_date": _day(row["last_contact_date"]),
            }
            writer.writerow([cell(values.get(column)) for column in BULKSHEET_COLUMNS])
        count += len(chunk)
    return count
