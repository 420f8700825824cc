"""The shape of a customer import: which stored columns the file's fields
write (the plan), the chunk of rows read without a problem, and the names of
the temporary tables and columns the import's parts share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

TOUCHED_TABLE = "import_touched"
MANUAL_TABLE = "import_manual"
# New customers inserted already scored: (id, the lifecycle the file gave).
GIVEN_TABLE = "import_given"
# Stored columns a field writes as-is (besides the special ones below).
DIRECT: tuple[str, ...] = (
    "website",
    "domain",
    "email",
    "phone",
    "industry",
    "notes",
    "tier",
    "manager",
    "last_contact_date",
    "customer_since",
    "next_touch",
    "tags",
    "sentiment",
    "scoring_profile",
    "logins",
    "adoption",
    "tickets",
    "nps",
    "csat",
    "growth",
)
DATE_COLUMNS = frozenset(
    {"renewal_date", "customer_since", "next_touch", "last_contact_date", "days_as_of"}
)
MONEY_TOLERANCE = 0.07  # ARR vs 12 × MRR once MRR is rounded to cents
MISSING = object()
# One name per client: on a bulk write into an empty client this index is
# built once at the end (see `Inserter.check_unique_names`) instead of row by row.
UNIQUE_NAMES = "uq_customer_client_name"


@dataclass
class Chunk:
    """Rows of the file read without a problem: their lines, cells, and the
    read value of each mapped field, column by column."""

    lines: list[int]
    rows: list[list[str]]
    columns: dict[str, list[Any]]

    def records(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The rows as field → value."""
        fields = list(self.columns)
        rows: Iterator[tuple[Any, ...]] = zip(*self.columns.values(), strict=True)
        if limit is not None:
            rows = islice(rows, limit)
        return [dict(zip(fields, row, strict=True)) for row in rows]

    def subset(self, positions: list[int]) -> Chunk:
        return Chunk(
            [self.lines[p] for p in positions],
            [self.rows[p] for p in positions],
            {f: [v[p] for p in positions] for f, v in self.columns.items()},
        )


@dataclass
class Plan:
    """Which stored columns the mapped fields write, in a fixed order."""

    fields: set[str]
    key: str
    columns: list[str] = field(default_factory=list)
    direct: list[str] = field(default_factory=list)
    tags_at: int = -1
    has_name: bool = False
    has_lifecycle: bool = False
    has_renewal: bool = False
    has_money: bool = False
    has_days: bool = False
    has_score: bool = False

    def __post_init__(self) -> None:
        f = self.fields
        self.direct = [c for c in DIRECT if c in f]
        self.tags_at = self.direct.index("tags") if "tags" in self.direct else -1
        self.has_name = "name" in f
        self.has_lifecycle = "lifecycle" in f
        self.has_renewal = "renewal_date" in f or "months_to_renewal" in f
        self.has_money = "mrr" in f or "arr" in f
        self.has_days = "days" in f or "last_contact_date" in f
        self.has_score = "score" in f
        cols: list[str] = []
        if self.has_name:
            cols += ["name", "name_key"]
        if self.has_lifecycle:
            cols.append("lifecycle")
        cols += self.direct
        if self.has_renewal:
            cols.append("renewal_date")
        if self.has_money:
            cols += ["mrr", "arr"]
        if self.has_days:
            cols += ["days_baseline", "days_as_of"]
        if self.has_score:
            cols += ["score", "score_manual"]
        self.columns = cols


def iso_date(value: str) -> Any:
    from datetime import date

    return date.fromisoformat(value[:10])
