"""The stored values of rows creating customers, built column by column:
defaults for blank cells, MRR and ARR from each other, the days-since-contact
baseline; rows breaking a rule across columns are rejected."""

from __future__ import annotations

from typing import Any

from iqcadence.core.io.imports.customer_plan import MONEY_TOLERANCE, Chunk
from iqcadence.core.io.imports.customer_state import ImporterState
from iqcadence.core.io.imports.normalize import CellError


class NewRows(ImporterState):
    """Builds the rows that create customers."""

    def new_rows(self, chunk: Chunk) -> list[tuple[int, list[str], tuple[Any, ...], bool]]:
        """(line, row, stored values of the plan's columns, sets a manual score)
        for rows creating customers; rows breaking a rule across columns are
        rejected."""
        out, manual = self.new_columns(chunk)
        return list(zip(chunk.lines, chunk.rows, zip(*out, strict=True), manual, strict=True))

    def new_columns(self, chunk: Chunk) -> tuple[list[list[Any]], list[bool]]:
        """The stored values of the plan's columns for rows creating customers,
        column by column (the rules of `Updater` for a customer that does not
        exist yet), and whether each sets a manual score. Rows breaking a rule
        across columns are rejected and taken out of `chunk` (in place)."""
        plan, count = self.plan, len(chunk.lines)
        column = chunk.columns.get
        nothing: list[Any] = [None] * count
        out: list[list[Any]] = []
        problems: dict[int, CellError] = {}
        if plan.has_name:
            names = chunk.columns["name"]
            out += [names, [name.casefold() for name in names]]
        if plan.has_lifecycle:
            out.append([v if v is not None else "active" for v in chunk.columns["lifecycle"]])
        for name in plan.direct:
            values = chunk.columns[name]
            out.append([v if v is not None else "" for v in values] if name == "tags" else values)
        if plan.has_renewal:
            renewal = column("renewal_date") or nothing
            months = column("months_to_renewal")
            if months is not None:
                renewal = [m if r is None else r for r, m in zip(renewal, months, strict=True)]
            out.append(renewal)
        if plan.has_money:
            out += self._new_money(column("mrr"), column("arr"), problems)
        if plan.has_days:
            out += self._new_days(column("days"), column("last_contact_date"), problems)
        manual = [False] * count
        if plan.has_score:
            scores = list(chunk.columns["score"])
            sources = column("score_source")
            if sources is not None:
                scores = [
                    None if source == "computed" else score
                    for score, source in zip(scores, sources, strict=True)
                ]
            manual = [score is not None for score in scores]
            out += [scores, manual]
        if not problems:
            return out, manual
        for pos, exc in sorted(problems.items()):
            self.problem(chunk.lines[pos], chunk.rows[pos], exc.field or "row", exc.reason, "")
        keep = [pos for pos in range(count) if pos not in problems]
        kept = chunk.subset(keep)
        chunk.lines, chunk.rows, chunk.columns = kept.lines, kept.rows, kept.columns
        return [[values[pos] for pos in keep] for values in out], [manual[pos] for pos in keep]

    def _new_money(
        self,
        mrr: list[Any] | None,
        arr: list[Any] | None,
        problems: dict[int, CellError],
    ) -> list[list[Any]]:
        """MRR and ARR of new customers: a given one sets the other; both given
        must agree."""
        if arr is None:
            assert mrr is not None
            return [mrr, [None if m is None else round(m * 12, 2) for m in mrr]]
        if mrr is None:
            return [[None if a is None else round(a / 12, 2) for a in arr], arr]
        pairs = []
        for pos, (m, a) in enumerate(zip(mrr, arr, strict=True)):
            if m is not None and a is not None:
                if abs(a - 12 * m) > MONEY_TOLERANCE:
                    problems[pos] = CellError(f"must be 12 × MRR ({12 * m:g}), got {a:g}", "arr")
                pairs.append((m, a))
            elif m is not None:
                pairs.append((m, round(m * 12, 2)))
            elif a is not None:
                pairs.append((round(a / 12, 2), a))
            else:
                pairs.append((None, None))
        return [[m for m, _a in pairs], [a for _m, a in pairs]]

    def _new_days(
        self,
        days: list[Any] | None,
        contact: list[Any] | None,
        problems: dict[int, CellError],
    ) -> list[list[Any]]:
        """(baseline, as of) of new customers: days since contact today, or
        zero on the last contact date."""
        count = len(days if days is not None else contact or [])
        baselines: list[Any] = list(days) if days is not None else [None] * count
        as_of: list[Any] = [None if d is None else self.today_iso for d in baselines]
        if contact is not None:
            for pos, when in enumerate(contact):
                if when is None or baselines[pos] is not None:
                    continue
                if when > self.today_iso:  # a row's first problem is the one reported
                    problems.setdefault(
                        pos, CellError(f"{when} is in the future", "last_contact_date")
                    )
                baselines[pos], as_of[pos] = 0, when
        return [baselines, as_of]
