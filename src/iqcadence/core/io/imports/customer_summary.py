"""What a customer import reports: the summary of rows created, updated,
unchanged and rejected, and the description of each customer it changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iqcadence.core.io.imports.common import RowProblem
from iqcadence.core.io.imports.customer_plan import iso_date
from iqcadence.core.io.imports.headers import Column
from iqcadence.core.scoring.formula import effective_days


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do)."""

    file: str
    encoding: str
    delimiter: str
    key: str
    dry_run: bool
    columns: list[Column]
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = False
    problems: list[RowProblem] = field(default_factory=list)
    problems_total: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    scoring: dict[str, Any] = field(default_factory=dict)
    manual_overrides: int = 0
    encoding_note: str | None = None  # why, when the encoding was detected (not UTF-8)

    @property
    def ignored_columns(self) -> list[str]:
        return [c.header for c in self.columns if c.field is None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "encoding": self.encoding,
            "encoding_note": self.encoding_note,
            "delimiter": self.delimiter,
            "key": self.key,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "columns": [c.to_dict() for c in self.columns],
            "ignored_columns": self.ignored_columns,
            "scoring": self.scoring,
            "manual_overrides": self.manual_overrides,
            "errors": [p.to_dict() for p in self.problems],
            "errors_total": self.problems_total,
            "changes": self.changes,
            "changes_total": self.updated,
            "preview": self.preview,
        }


def describe_change(
    line: int,
    customer_id: int,
    old: dict[str, Any],
    new: dict[str, Any],
    changed: list[str],
    today: Any,
) -> dict[str, Any]:
    fields: dict[str, dict[str, Any]] = {}
    for column in changed:
        if column == "name_key":
            continue
        if column in ("days_baseline", "days_as_of"):
            before = effective_days(
                old["days_baseline"],
                None if old["days_as_of"] is None else iso_date(old["days_as_of"]),
                today,
            )
            after = effective_days(
                new["days_baseline"],
                None if new["days_as_of"] is None else iso_date(new["days_as_of"]),
                today,
            )
            if before != after:
                fields["days"] = {"from": before, "to": after}
            continue
        if column == "score_manual":
            fields["score_source"] = {
                "from": "manual" if old["score_manual"] else "computed",
                "to": "manual" if new["score_manual"] else "computed",
            }
            continue
        if column == "tags":
            fields["tags"] = {
                "from": [t for t in (old["tags"] or "").split("|") if t],
                "to": [t for t in (new["tags"] or "").split("|") if t],
            }
            continue
        fields[column] = {"from": old[column], "to": new[column]}
    return {
        "line": line,
        "id": customer_id,
        "name": new.get("name") or old["name"],
        "fields": fields,
        "score": {"from": old["score"], "to": None},
        "band": {"from": old["band"], "to": None},
    }
