"""Updating customers the file matches: the match key of a row, the stored
values compared with the row's (only what changed is written, so importing an
export again changes nothing), and the UPDATE of the rows that changed."""

from __future__ import annotations

from typing import Any

from iqcadence.core.accounts.customers import RECOVERED_BANDS, RISK_BANDS
from iqcadence.core.io.imports.common import canon, canon_day
from iqcadence.core.io.imports.customer_plan import (
    DATE_COLUMNS,
    MANUAL_TABLE,
    MISSING,
    MONEY_TOLERANCE,
    TOUCHED_TABLE,
    iso_date,
)
from iqcadence.core.io.imports.customer_state import ImporterState
from iqcadence.core.io.imports.customer_summary import describe_change
from iqcadence.core.io.imports.normalize import CellError, domain_key
from iqcadence.core.scoring.formula import effective_days

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


class Updater(ImporterState):
    """Compares matched rows with their customers and writes the changes."""

    def key_of(self, values: dict[str, Any]) -> str | None:
        """The match key of a row by domain or e-mail (by name: `name_key_of`)."""
        raw = values.get(self.key)
        if raw is None:
            return None
        if self.key == "domain":
            return domain_key(raw)
        return str(raw).lower()

    def compare(
        self, updates: list[tuple[int, list[str], dict[str, Any], int]]
    ) -> list[tuple[int, list[str], tuple[Any, ...], bool, int]]:
        if not updates:
            return []
        wanted = list(dict.fromkeys(self.plan.columns + list(OLD_EXTRA)))
        ids = [u[3] for u in updates]
        marks = ", ".join([self.ph] * len(ids))
        rows = self.conn.exec_driver_sql(
            f"SELECT id, {', '.join(wanted)} FROM customer WHERE id IN ({marks})", tuple(ids)
        )
        old_by_id: dict[int, dict[str, Any]] = {}
        for record in rows:
            old = {}
            for column, value in zip(wanted, record[1:], strict=True):
                old[column] = canon_day(value) if column in DATE_COLUMNS else canon(value)
            old_by_id[int(record[0])] = old
        out: list[tuple[int, list[str], tuple[Any, ...], bool, int]] = []
        columns = self.plan.columns
        detail = self.options.detail_limit
        for line, row, values, customer_id in updates:
            old = old_by_id[customer_id]
            try:
                new, manual = self._build(values, old)
            except CellError as exc:
                self.problem(line, row, exc.field or "row", exc.reason, "")
                continue
            changed = [
                column for column, value in zip(columns, new, strict=True) if value != old[column]
            ]
            if not changed:
                self.summary.unchanged += 1
                continue
            out.append((line, row, new, manual, customer_id))
            if len(self.summary.changes) < detail:
                self.summary.changes.append(
                    describe_change(
                        line,
                        customer_id,
                        old,
                        dict(zip(columns, new, strict=True)),
                        changed,
                        self.today,
                    )
                )
        return out

    def _build(self, values: dict[str, Any], old: dict[str, Any]) -> tuple[tuple[Any, ...], bool]:
        """The stored values of the plan's columns for one row updating a
        customer (and whether it sets a manual score). New customers are built
        by `new_rows`."""
        plan = self.plan
        out: list[Any] = []
        manual = False
        if plan.has_name:
            if self.key == "name" or values["name"] is None:
                out += [old["name"], old["name_key"]]
            else:
                out += [values["name"], values["name"].casefold()]
        if plan.has_lifecycle:
            lifecycle = values["lifecycle"]
            if lifecycle is None:
                lifecycle = old["lifecycle"]
            elif _auto_moved(lifecycle, old["lifecycle"], old["band"]):
                # the stored stage is this one after an automatic transition
                # (the band it is in moved it): importing the file again keeps it
                lifecycle = old["lifecycle"]
            out.append(lifecycle)
        if plan.direct:
            direct = [values[column] for column in plan.direct]
            if plan.tags_at >= 0:
                tags = direct[plan.tags_at]
                if tags is None:
                    direct[plan.tags_at] = ""
                elif _same_tags(tags, old["tags"]):
                    direct[plan.tags_at] = old["tags"]
            out += direct
        if plan.has_renewal:
            renewal = values.get("renewal_date")
            if renewal is None:
                months = values.get("months_to_renewal")
                if months is not None:
                    renewal = months
                elif "renewal_date" not in values:
                    renewal = old["renewal_date"]
            out.append(renewal)
        if plan.has_money:
            out += self._money(values, old)
        if plan.has_days:
            out += self._days(values, old)
        if plan.has_score:
            score = values["score"]
            if score is not None and values.get("score_source", "manual") == "computed":
                score = None
            if score is None:
                out += [old["score"], False]
            else:
                manual = old["score"] != score or not old["score_manual"]
                out += [score, True]
        return tuple(out), manual

    def _money(self, values: dict[str, Any], old: dict[str, Any]) -> list[Any]:
        mrr = values.get("mrr", MISSING)
        arr = values.get("arr", MISSING)
        old_mrr, old_arr = old["mrr"], old["arr"]
        mrr_new = mrr is not MISSING and mrr != old_mrr
        arr_new = arr is not MISSING and arr != old_arr
        if mrr_new and arr_new and mrr is not None and arr is not None:
            if abs(arr - 12 * mrr) > MONEY_TOLERANCE:
                raise CellError(f"must be 12 × MRR ({12 * mrr:g}), got {arr:g}", "arr")
            return [mrr, arr]
        if mrr_new:
            return [mrr, None if mrr is None else round(mrr * 12, 2)]
        if arr_new:
            return [None if arr is None else round(arr / 12, 2), arr]
        return [old_mrr, old_arr]

    def _days(self, values: dict[str, Any], old: dict[str, Any]) -> list[Any]:
        days = values.get("days", MISSING)
        contact = values.get("last_contact_date", MISSING)
        old_pair = [old["days_baseline"], old["days_as_of"]]
        old_effective = effective_days(
            old_pair[0],
            None if old_pair[1] is None else iso_date(old_pair[1]),
            self.today,
        )
        if days is not MISSING and days is not None and days != old_effective:
            return [days, self.today_iso]
        old_contact = old["last_contact_date"]
        if contact is not MISSING and contact is not None and contact != old_contact:
            if contact > self.today_iso:
                raise CellError(f"{contact} is in the future", "last_contact_date")
            return [0, contact]
        if days is None:
            return [None, None]
        return old_pair

    def update(self, rows: list[tuple[int, list[str], tuple[Any, ...], bool, int]]) -> None:
        if not rows:
            return
        columns = self.plan.columns
        sets = ", ".join(f"{c} = {self.ph}" for c in columns)
        sql = f"UPDATE customer SET {sets}, updated_at = {self.ph} WHERE id = {self.ph}"
        params = [self.driver_params(new) + (self.now_param, cid) for _l, _r, new, _m, cid in rows]
        ok = self.execute_many(
            sql,
            params,
            [(line, row) for line, row, *_ in rows],
            "name",
            "another customer already has this name",
        )
        self.summary.updated += sum(ok)
        touched = [(cid,) for (*_x, cid), good in zip(rows, ok, strict=True) if good]
        manual = [(cid,) for (_l, _r, _n, m, cid), good in zip(rows, ok, strict=True) if m and good]
        ph = self.ph
        if touched:
            self.conn.exec_driver_sql(f"INSERT INTO {TOUCHED_TABLE} (id) VALUES ({ph})", touched)
        if manual:
            self.conn.exec_driver_sql(f"INSERT INTO {MANUAL_TABLE} (id) VALUES ({ph})", manual)
        if not all(ok):
            failed = {cid for (*_x, cid), good in zip(rows, ok, strict=True) if not good}
            self.summary.changes = [c for c in self.summary.changes if c["id"] not in failed]


def name_key_of(values: dict[str, Any]) -> str | None:
    """The match key of a row by name (read names are already trimmed and collapsed)."""
    name = values.get("name")
    return None if name is None else str(name).casefold()


def _auto_moved(given: str, stored: str, band: str | None) -> bool:
    """Whether `stored` is what the automatic lifecycle transition makes of
    `given` for a customer in `band` (customers.lifecycle_transition)."""
    if given in ("active", "onboarding") and stored == "atrisk":
        return band in RISK_BANDS
    if given == "atrisk" and stored == "active":
        return band in RECOVERED_BANDS
    return False


def _same_tags(new: str, old: str | None) -> bool:
    return {t.casefold() for t in new.split("|") if t} == {
        t.casefold() for t in (old or "").split("|") if t
    }
