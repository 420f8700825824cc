"""Matching a spreadsheet's header row to fields.

Headers are compared case- and punctuation-insensitively ("Renews On",
"renews_on" and "RENEWS-ON" are one key) against the aliases below;
`--map "Column Name=field"` maps anything else (or `=ignore` to drop a column
on purpose). Every column ends up either mapped or listed as ignored with the
reason, so nothing disappears without a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iqcadence.core.base.errors import InvalidValue, RefusedFile

IGNORE = "ignore"

# field → the header spellings it answers to (compared by `header_key`).
CUSTOMER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "company",
        "customer",
        "account",
        "company name",
        "customer name",
        "account name",
        "client",
        "client name",
        "organisation",
        "organization",
    ),
    "manager": ("manager", "csm", "owner", "rep", "account manager", "account owner", "csm name"),
    "mrr": ("mrr", "revenue", "monthly recurring revenue", "monthly revenue"),
    "arr": ("arr", "annual recurring revenue", "annual revenue"),
    "logins": ("logins", "logins_30d", "login_frequency", "logins 30 days", "monthly logins"),
    "adoption": ("adoption", "feature_adoption_pct", "feature adoption", "adoption pct"),
    "tickets": ("tickets", "open_tickets", "support tickets", "open support tickets"),
    "nps": ("nps", "nps_category", "nps score", "net promoter score"),
    "csat": ("csat", "csat score", "customer satisfaction"),
    "days": ("days", "days_since_contact", "days since last contact", "last contact days"),
    "renewal_date": ("renewal_date", "renews on", "renewal", "renews", "contract renewal"),
    "growth": ("growth", "growth_signal", "growth signal", "expansion signal"),
    "tier": ("tier", "segment", "customer tier", "plan tier"),
    "tags": ("tags", "labels", "tag"),
    "lifecycle": ("lifecycle", "stage", "lifecycle stage"),
    "sentiment": ("sentiment",),
    "customer_since": ("customer_since", "since", "customer since", "start date", "signed on"),
    "next_touch": ("next_touch", "next touch", "next contact", "next meeting"),
    "last_contact_date": ("last_contact_date", "last contact", "last contacted", "last touch"),
    "scoring_profile": ("scoring_profile", "profile", "scoring profile"),
    "notes": ("notes", "note", "comments", "comment"),
    "months_to_renewal": ("months_to_renewal", "months to renewal", "months until renewal"),
    "website": ("website", "url", "web", "site", "homepage"),
    "domain": ("domain", "company domain"),
    "email": ("email", "e-mail", "email address", "contact email"),
    "phone": ("phone", "telephone", "phone number", "tel"),
    "industry": ("industry", "sector", "vertical"),
    "score": ("score", "health score", "health_score", "manual score"),
    "score_source": ("score_source", "score source"),
}

# Columns that `export csv` writes and that are derived or read-only: known,
# recognised, and ignored on import with this reason.
COMPUTED_COLUMNS: dict[str, str] = {
    "id": "assigned by iqcadence",
    "band": "computed from the score",
    "priority": "computed on export",
    "momentum_7d": "computed on export",
    "cadence_status": "computed on export",
    "days_until_renewal": "computed from renewal_date",
    "status": "changed with customers archive/trash/restore",
    "scored_at": "set when scored",
    "created_at": "set by iqcadence",
    "updated_at": "set by iqcadence",
    "error": "error report column",
    "line": "error report column",
}


def header_key(text: str) -> str:
    """Case- and punctuation-insensitive form of a header or alias."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def alias_table(aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for field_name, spellings in aliases.items():
        for spelling in (field_name, *spellings):
            table.setdefault(header_key(spelling), field_name)
    return table


@dataclass(frozen=True)
class Column:
    """One column of the file and what it feeds."""

    index: int
    header: str
    field: str | None
    how: str  # alias | map | unknown | computed | ignored | duplicate

    @property
    def note(self) -> str:
        if self.field is not None:
            return "--map" if self.how == "map" else "matched"
        key = header_key(self.header)
        if self.how == "computed":
            return f"ignored: {COMPUTED_COLUMNS.get(key, 'computed')}"
        if self.how == "ignored":
            return "ignored: --map said so"
        if self.how == "duplicate":
            return "ignored: another column already feeds that field"
        return "ignored: unknown column (map it with --map)"

    def to_dict(self) -> dict[str, object]:
        return {"column": self.header, "field": self.field, "how": self.how, "note": self.note}


def parse_map_options(items: list[str], fields: tuple[str, ...]) -> dict[str, str]:
    """`--map "Column Name=field"` options → {header key: field or "ignore"}."""
    result: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise InvalidValue(f'--map {item!r}: expected "Column Name=field".')
        column, target = item.rsplit("=", 1)
        column, target = column.strip(), target.strip().lower()
        if not column:
            raise InvalidValue(f"--map {item!r}: the column name is empty.")
        if target in ("", "-", IGNORE, "none", "skip"):
            target = IGNORE
        elif target not in fields:
            raise InvalidValue(
                f"--map {item!r}: {target!r} is not a field; fields are "
                f"{', '.join(fields)} (or ignore)."
            )
        result[header_key(column)] = target
    return result


def match_columns(
    header: list[str],
    explicit: dict[str, str],
    aliases: dict[str, tuple[str, ...]],
    *,
    source_name: str,
    computed: dict[str, str] | None = None,
) -> list[Column]:
    """Map each header cell to a field (explicit --map first, then aliases)."""
    table = alias_table(aliases)
    computed = COMPUTED_COLUMNS if computed is None else computed
    keys = [header_key(cell) for cell in header]
    missing = [col for col in explicit if col not in keys]
    if missing:
        shown = ", ".join(repr(h) for h in header)
        raise InvalidValue(
            f"--map: the file {source_name} has no column matching {missing[0]!r}; "
            f"its columns are {shown}."
        )
    columns: list[Column] = []
    taken: dict[str, str] = {}
    for index, (cell, key) in enumerate(zip(header, keys, strict=True)):
        if key in explicit:
            target = explicit[key]
            if target == IGNORE:
                columns.append(Column(index, cell, None, "ignored"))
                continue
            how = "map"
        elif key in table:
            target, how = table[key], "alias"
        elif key in computed:
            columns.append(Column(index, cell, None, "computed"))
            continue
        else:
            columns.append(Column(index, cell, None, "unknown"))
            continue
        if target in taken:
            if how == "map":
                raise RefusedFile(
                    f"{source_name}: columns {taken[target]!r} and {cell!r} both map to "
                    f"{target}; --map one of them to another field or to ignore."
                )
            raise RefusedFile(
                f"{source_name}: columns {taken[target]!r} and {cell!r} both feed {target}; "
                f'add --map "{cell}=ignore" (or map it to another field).'
            )
        taken[target] = cell
        columns.append(Column(index, cell, target, how))
    return columns
