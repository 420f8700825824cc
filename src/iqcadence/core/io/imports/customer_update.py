"""Updating customers the file matches: the match key of each row, the stored
values compared with the rows' column by column (only what changed is
written, so importing an export again changes nothing), and the UPDATE of
the rows that changed."""

from __future__ import annotations

from itertools import repeat
from typing import Any

from iqcadence.core.accounts.customers import RECOVERED_BANDS, RISK_BANDS
from iqcadence.core.io.imports.common import canon_day
from iqcadence.core.io.imports.customer_plan import (
    DATE_COLUMNS,
    MANUAL_TABLE,
    MISSING,
    MONEY_TOLERANCE,
    TOUCHED_TABLE,
    Chunk,
    iso_date,
)
from iqcadence.core.io.imports.customer_state import ImporterState
from iqcadence.core.io.imports.customer_summary import describe_change
from iqcadence.core.io.imports.normalize import CellError, domain_key

# Stored values a row is compared with besides the plan's own columns: the
# rules for lifecycle, money, days and score read them.
OLD_EXTRA: tuple[str, ...] = (
    "name",
    "name_key",
    "lifecycle",
    "score",
    "band",
    "score_manual",
    "mrr",
    "arr",
    "days_baseline",
    "days_as_of",
    "last_contact_date",
    "renewal_date",
)


# line, cells, the plan's new values, sets a manual score, id, which values changed
UpdateRow = tuple[int, list[str], tuple[Any, ...], bool, int, tuple[int, ...]]


class Updater(ImporterState):
    """Compares matched rows with their customers and writes the changes."""

    def keys_of(self, chunk: Chunk) -> list[str | None]:
        """The match key of each row of a chunk (read names are already
        trimmed and collapsed)."""
        given = chunk.columns[self.key]
        if self.key == "name":
            return [None if name is None else name.casefold() for name in given]
        if self.key == "domain":
            return [None if raw is None else domain_key(raw) for raw in given]
        return [None if raw is None else str(raw).lower() for raw in given]

    def stored_columns(self) -> list[str]:
        """The stored columns a matched row is compared with."""
        return list(dict.fromkeys(self.plan.columns + list(OLD_EXTRA)))

    def compare(
        self, chunk: Chunk, positions: list[int], stored: list[tuple[Any, ...]]
    ) -> list[UpdateRow]:
        """The rows at `positions` of a chunk against their customers
        (`stored`: id and `stored_columns()` of each): the new values of the
        plan's columns are built column by column, and only rows where one
        differs are returned."""
        if not positions:
            return []
        # a re-import matches every row of a chunk: no copy of its columns
        rows = chunk if len(positions) == len(chunk.lines) else chunk.subset(positions)
        ids = [int(row[0]) for row in stored]
        by_column = list(zip(*stored, strict=True))[1:]
        old: dict[str, list[Any]] = {
            column: list(values)
            for column, values in zip(self.stored_columns(), by_column, strict=True)
        }
        for column in DATE_COLUMNS & old.keys():
            old[column] = [
                v if v is None or (type(v) is str and len(v) == 10) else canon_day(v)
                for v in old[column]
            ]
        problems: dict[int, CellError] = {}
        new, manual = self._new_columns(rows.columns, old, problems)
        columns = self.plan.columns
        before = zip(*(old[column] for column in columns), strict=True)
        out: list[UpdateRow] = []
        detail = self.options.detail_limit
        changes = self.summary.changes
        for pos, (values, was) in enumerate(zip(zip(*new, strict=True), before, strict=True)):
            if pos in problems:
                exc = problems[pos]
                self.problem(rows.lines[pos], rows.rows[pos], exc.field or "row", exc.reason, "")
            elif values == was:
                self.summary.unchanged += 1
            else:
                pairs = enumerate(zip(values, was, strict=True))
                moved = tuple(at for at, (n, o) in pairs if n != o)
                line, row = rows.lines[pos], rows.rows[pos]
                out.append((line, row, values, manual[pos], ids[pos], moved))
                if len(changes) < detail:
                    stored_row = {column: old[column][pos] for column in old}
                    after = dict(zip(columns, values, strict=True))
                    changed = [columns[at] for at in moved]
                    changes.append(
                        describe_change(line, ids[pos], stored_row, after, changed, self.today)
                    )
        return out

    def _new_columns(
        self,
        values: dict[str, list[Any]],
        old: dict[str, list[Any]],
        problems: dict[int, CellError],
    ) -> tuple[list[list[Any]], list[bool]]:
        """The stored values of the plan's columns for rows updating customers,
        column by column, and whether each row sets a manual score; a row
        breaking a rule across columns goes into `problems`. New customers
        are built by `new_rows`."""
        plan, get = self.plan, values.get
        out: list[list[Any]] = []
        if plan.has_name:
            if self.key == "name":
                out += [old["name"], old["name_key"]]  # matching by name never renames
            else:
                names = values["name"]
                out.append([o if n is None else n for n, o in zip(names, old["name"], strict=True)])
                out.append(
                    [
                        o if n is None else n.casefold()
                        for n, o in zip(names, old["name_key"], strict=True)
                    ]
                )
        if plan.has_lifecycle:
            # a stored stage that the band it is in moved from the given one
            # (an automatic transition) is kept: importing the file again keeps it
            given, stored, bands = values["lifecycle"], old["lifecycle"], old["band"]
            out.append(
                [
                    o if g is None or _auto_moved(g, o, b) else g
                    for g, o, b in zip(given, stored, bands, strict=True)
                ]
            )
        for column in plan.direct:
            if column == "tags":
                out.append([_tags(t, o) for t, o in zip(values["tags"], old["tags"], strict=True)])
            else:
                out.append(values[column])
        if plan.has_renewal:
            renewal, months = get("renewal_date"), get("months_to_renewal")
            if months is None:
                out.append(values["renewal_date"])
            elif renewal is None:  # a blank month count keeps the stored date
                dates = old["renewal_date"]
                out.append([o if m is None else m for m, o in zip(months, dates, strict=True)])
            else:
                out.append([m if r is None else r for r, m in zip(renewal, months, strict=True)])
        if plan.has_money:
            out += self._money(get("mrr"), get("arr"), old, problems)
        if plan.has_days:
            out += self._days(get("days"), get("last_contact_date"), old, problems)
        manual = [False] * len(old["name"])
        if plan.has_score:
            scores, flags = self._given_scores(values["score"], get("score_source"), old, manual)
            out += [scores, flags]
        return out, manual

    def _money(
        self,
        mrr: list[Any] | None,
        arr: list[Any] | None,
        old: dict[str, list[Any]],
        problems: dict[int, CellError],
    ) -> list[list[Any]]:
        """MRR and ARR: an edited one sets the other; both edited must agree."""
        count = len(old["mrr"])
        pairs: list[tuple[Any, Any]] = []
        for pos, given in enumerate(
            zip(
                mrr if mrr is not None else repeat(MISSING, count),
                arr if arr is not None else repeat(MISSING, count),
                old["mrr"],
                old["arr"],
                strict=True,
            )
        ):
            try:
                pairs.append(money_pair(*given))
            except CellError as exc:
                problems.setdefault(pos, exc)
                pairs.append(given[2:])
        return [[m for m, _a in pairs], [a for _m, a in pairs]]

    def _days(
        self,
        days: list[Any] | None,
        contact: list[Any] | None,
        old: dict[str, list[Any]],
        problems: dict[int, CellError],
    ) -> list[list[Any]]:
        """(baseline, as of): a days count that differs from the stored one
        today sets it as of today; an edited last contact date sets it to
        zero on that date; a blank days count clears it."""
        count, today = len(old["days_baseline"]), self.today_iso
        elapsed: dict[str, int] = {}  # stored as-of date -> whole days since
        pairs: list[tuple[Any, Any]] = []
        for pos, (d, c, baseline, as_of, old_contact) in enumerate(
            zip(
                days if days is not None else repeat(MISSING, count),
                contact if contact is not None else repeat(MISSING, count),
                old["days_baseline"],
                old["days_as_of"],
                old["last_contact_date"],
                strict=True,
            )
        ):
            if d is not MISSING and d is not None:
                effective = baseline
                if baseline is not None and as_of is not None and as_of != today:
                    if as_of not in elapsed:
                        elapsed[as_of] = max(0, (self.today - iso_date(as_of)).days)
                    effective = baseline + elapsed[as_of]
                if d != effective:
                    pairs.append((d, today))
                    continue
            if c is not MISSING and c is not None and c != old_contact:
                if c > today:
                    future = CellError(f"{c} is in the future", "last_contact_date")
                    problems.setdefault(pos, future)
                pairs.append((0, c))
            elif d is None:
                pairs.append((None, None))
            else:
                pairs.append((baseline, as_of))
        return [[b for b, _a in pairs], [a for _b, a in pairs]]

    @staticmethod
    def _given_scores(
        scores: list[Any], sources: list[Any] | None, old: dict[str, list[Any]], manual: list[bool]
    ) -> tuple[list[Any], list[bool]]:
        """A given score is a manual override (unless its source says
        `computed`); a blank one clears the override and keeps the score."""
        new: list[Any] = []
        flags: list[bool] = []
        given_sources = sources if sources is not None else repeat("manual", len(scores))
        for pos, (score, source, was, was_manual) in enumerate(
            zip(scores, given_sources, old["score"], old["score_manual"], strict=True)
        ):
            if score is None or source == "computed":
                new.append(was)
                flags.append(False)
            else:
                manual[pos] = was != score or not was_manual
                new.append(score)
                flags.append(True)
        return new, flags

    def update(self, rows: list[UpdateRow]) -> None:
        """Write the changed rows. While the indexes are in place, each row
        sets only the columns that changed (rows grouped by those), so an
        index or the search index is written only when its columns change."""
        if not rows:
            return
        columns = self.plan.columns
        groups: dict[tuple[int, ...], list[UpdateRow]] = {}
        if self.indexes_dropped:
            groups[tuple(range(len(columns)))] = rows
        else:
            for row in rows:
                groups.setdefault(row[5], []).append(row)
        ok: dict[int, bool] = {}
        for changed, part in groups.items():
            sets = ", ".join(f"{columns[at]} = {self.ph}" for at in changed)
            sql = f"UPDATE customer SET {sets}, updated_at = {self.ph} WHERE id = {self.ph}"
            params = []
            for _l, _r, new, _m, cid, _c in part:
                values = self.driver_params(new)
                params.append((*[values[at] for at in changed], self.now_param, cid))
            wrote = self.execute_many(
                sql,
                params,
                [(line, row) for line, row, *_ in part],
                "name",
                "another customer already has this name",
            )
            ok.update((row[4], good) for row, good in zip(part, wrote, strict=True))
        self.summary.updated += sum(ok.values())
        touched = [(cid,) for cid, good in ok.items() if good]
        manual = [(row[4],) for row in rows if row[3] and ok[row[4]]]
        ph = self.ph
        if touched:
            self.conn.exec_driver_sql(f"INSERT INTO {TOUCHED_TABLE} (id) VALUES ({ph})", touched)
        if manual:
            self.conn.exec_driver_sql(f"INSERT INTO {MANUAL_TABLE} (id) VALUES ({ph})", manual)
        if not all(ok.values()):
            failed = {cid for cid, good in ok.items() if not good}
            self.summary.changes = [c for c in self.summary.changes if c["id"] not in failed]


def money_pair(mrr: Any, arr: Any, old_mrr: Any, old_arr: Any) -> tuple[Any, Any]:
    """The (MRR, ARR) of a row updating a customer (MISSING: not in the file)."""
    mrr_new = mrr is not MISSING and mrr != old_mrr
    arr_new = arr is not MISSING and arr != old_arr
    if mrr_new and arr_new and mrr is not None and arr is not None:
        if abs(arr - 12 * mrr) > MONEY_TOLERANCE:
            raise CellError(f"must be 12 × MRR ({12 * mrr:g}), got {arr:g}", "arr")
        return mrr, arr
    if mrr_new:
        return mrr, None if mrr is None else round(mrr * 12, 2)
    if arr_new:
        return None if arr is None else round(arr / 12, 2), arr
    return old_mrr, old_arr


def _auto_moved(given: str, stored: str, band: str | None) -> bool:
    """Whether `stored` is what the automatic lifecycle transition makes of
    `given` for a customer in `band` (customers.lifecycle_transition)."""
    if given in ("active", "onboarding") and stored == "atrisk":
        return band in RISK_BANDS
    if given == "atrisk" and stored == "active":
        return band in RECOVERED_BANDS
    return False


def _tags(new: str | None, old: str | None) -> str | None:
    """The tags to store: a blank cell clears them; the same tags in another
    order or case keep the stored ones."""
    if new is None:
        return ""
    if new == old:
        return old
    same = {t.casefold() for t in new.split("|") if t} == {
        t.casefold() for t in (old or "").split("|") if t
    }
    return old if same else new
