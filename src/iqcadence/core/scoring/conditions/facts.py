"""The facts a condition reads, from a Customer or a plain row: the columns
as they are, and the fields derived from them (days since contact, cadence
status, days to renewal, momentum)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from iqcadence.core.scoring.conditions.fields import FIELDS
from iqcadence.core.scoring.conditions.tree import as_date
from iqcadence.core.scoring.formula import ScoringConfig, effective_days

if TYPE_CHECKING:
    from sqlmodel import Session

    from iqcadence.core.store.models import Customer


def cadence_status(days: int | None, tier: str | None, config: ScoringConfig) -> str | None:
    """`ok`, `due_soon` or `overdue` against the tier's contact cadence."""
    if days is None or tier is None or tier not in config.cadence:
        return None
    due_soon, overdue = config.cadence[tier]
    if days >= overdue:
        return "overdue"
    if days >= due_soon:
        return "due_soon"
    return "ok"


def renewal_within(renewal: date | None, today: date) -> int | None:
    """Days until the renewal date; None without one or once it has passed."""
    if renewal is None:
        return None
    days = (renewal - today).days
    return days if days >= 0 else None


# Customer columns each derived field is computed from (the others are columns).
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {
    "days": ("days_baseline", "days_as_of"),
    "cadence_status": ("days_baseline", "days_as_of", "tier"),
    "renewal_within": ("renewal_date",),
    "momentum": ("score",),
}
_PLAIN: tuple[str, ...] = tuple(
    name for name in FIELDS if name not in DERIVED_COLUMNS and name not in ("tags",)
)


def columns_for(fields: Iterable[str]) -> set[str]:
    """The customer columns needed to build the facts of these fields."""
    out: set[str] = set()
    for name in fields:
        out.update(DERIVED_COLUMNS.get(name, (name,)))
    return out


def _date_of(data: Mapping[str, Any], key: str) -> date | None:
    value = data.get(key)
    return None if value is None or value == "" else as_date(value)


def customer_facts(
    session: Session | None,
    customer: Customer | Mapping[str, Any],
    *,
    today: date,
    config: ScoringConfig,
    momentum: float | None = None,
    fields: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The facts a condition reads, from a Customer or a plain row (column → value).

    Keys: every name in FIELDS, or only `fields` when given (a condition's
    `fields()`: cheaper over many rows; see `columns_for`). `momentum` comes
    from the caller (it needs the score history); without it, momentum has no
    value.
    """
    del session  # facts come from the row alone today; kept for richer facts later
    data: Mapping[str, Any] = customer if isinstance(customer, Mapping) else customer.model_dump()
    wanted = set(FIELDS) if fields is None else set(fields)
    facts: dict[str, Any] = {}
    for name in _PLAIN:
        if name in wanted:
            facts[name] = _date_of(data, name) if FIELDS[name].kind == "date" else data.get(name)
    if "days" in wanted or "cadence_status" in wanted:
        days = effective_days(data.get("days_baseline"), _date_of(data, "days_as_of"), today)
        facts["days"] = days
        if "cadence_status" in wanted:
            facts["cadence_status"] = cadence_status(days, data.get("tier"), config)
    if "renewal_within" in wanted:
        facts["renewal_within"] = renewal_within(_date_of(data, "renewal_date"), today)
    if "momentum" in wanted:
        facts["momentum"] = momentum
    if "tags" in wanted:
        raw_tags = data.get("tags") or ""
        facts["tags"] = (
            [t for t in raw_tags.split("|") if t]
            if isinstance(raw_tags, str)
            else [str(t) for t in raw_tags]
        )
    return facts
