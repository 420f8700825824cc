"""Inserting new customers: with `executemany`, or, into a client without
customers (SQLite), numbered in file order and already scored, banded and
staged; and, after a bulk write without the unique name index, finding the
rows of the file that repeat a name."""

from __future__ import annotations

from bisect import bisect_right
from operator import itemgetter
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from iqcadence.core.accounts.customers import name_key
from iqcadence.core.io.imports.customer_plan import (
    GIVEN_TABLE,
    MANUAL_TABLE,
    UNIQUE_NAMES,
    iso_date,
)
from iqcadence.core.io.imports.customer_state import ImporterState
from iqcadence.core.scoring.formula import SIGNALS, effective_days, score_columns
from iqcadence.core.store import dialect, settings


class Inserter(ImporterState):
    """Writes the rows that create customers."""

    def insert(self, rows: list[tuple[int, list[str], tuple[Any, ...], bool]]) -> None:
        if not rows:
            return
        columns = list(self.plan.columns)
        extra: list[tuple[str, Any]] = [
            ("client_id", self.actor.client_id),
            ("status", "active"),
            ("created_at", self.now_param),
            ("updated_at", self.now_param),
        ]
        if "lifecycle" not in columns:
            extra.append(("lifecycle", "active"))
        if "tags" not in columns:
            extra.append(("tags", ""))
        if "score_manual" not in columns:
            extra.append(("score_manual", False))
        names = columns + [name for name, _ in extra]
        tail = tuple(value for _, value in extra)
        if self.fresh:
            ok = self._insert_scored(extra, rows)
        else:
            sql = (
                f"INSERT INTO customer ({', '.join(names)}) "
                f"VALUES ({', '.join([self.ph] * len(names))})"
            )
            params = [self.driver_params(new) + tail for _l, _r, new, _m in rows]
            ok = self.execute_many(
                sql, params, rows, "name", "another row of the file has this name"
            )
        self.summary.created += sum(ok)
        manual_names = [
            name_key(new[0]) for (_l, _r, new, m), good in zip(rows, ok, strict=True) if m and good
        ]
        if manual_names:
            self._mark_manual_by_name(manual_names)

    def _insert_scored(
        self,
        extra: list[tuple[str, Any]],
        rows: list[tuple[int, list[str], tuple[Any, ...], bool]],
    ) -> list[bool]:
        """Insert new customers numbered from `next_id` with the score, band
        and lifecycle a rescore would give them (SQLite; the client has no
        customers yet). Scores are worked out column by column in Python,
        which is cheaper than the formula in SQL per row; the lifecycle
        follows the band in the INSERT, and the values every row shares
        (`extra`) are written into the statement, so each row binds only its
        own. Records each one's given lifecycle for the rescore bookkeeping."""
        columns = self.plan.columns
        at = {name: pos for pos, name in enumerate(columns)}  # in each row's values
        if not self.fresh_sql:
            self.fresh_sql = self._scored_sql(extra)
        news = [new for _l, _r, new, _m in rows]
        scores = self._scores(news, at)
        band_of = self.band_of
        start = self.next_id
        params = [
            (start + pos, *new, score, band_of[score])
            for pos, (new, score) in enumerate(zip(news, scores, strict=True))
        ]
        ok = self.execute_many(
            self.fresh_sql, params, rows, "name", "another row of the file has this name", True
        )
        # the rows that wrote are numbered in order from `start`, without gaps
        if "lifecycle" in at:
            lifecycle_at = at["lifecycle"]
            written = [new[lifecycle_at] for new, good in zip(news, ok, strict=True) if good]
        else:
            written = ["active"] * sum(ok)
        self._note_lines(start, [row[0] for row, good in zip(rows, ok, strict=True) if good])
        self.next_id = start + len(written)
        dialect.insert_numbered(self.conn, GIVEN_TABLE, "lifecycle", start, written)
        return ok

    def _scored_sql(self, extra: list[tuple[str, Any]]) -> str:
        """The INSERT of `_insert_scored`: numbered parameters are the id,
        the plan's columns, then the score and band; `extra` values are
        written in as literals (numbers, and text without quotes)."""
        from iqcadence.core.accounts.rescore import lifecycle_sql

        columns = self.plan.columns
        score, band = f"?{len(columns) + 2}", f"?{len(columns) + 3}"
        names = ["id", *columns]
        values = [f"?{pos}" for pos in range(1, len(names) + 1)]
        for name, value in extra:
            names.append(name)
            values.append(_literal(value))
        lifecycle = names.index("lifecycle")
        values[lifecycle] = lifecycle_sql(band, values[lifecycle])
        if "score" in columns:  # a manual score is already the row's score
            values[names.index("score")] = score
        else:
            names.append("score")
            values.append(score)
        scored_at = f"CASE WHEN {score} IS NULL THEN NULL ELSE {_literal(self.now_param)} END"
        return (
            f"INSERT INTO customer ({', '.join(names)}, band, scored_at) "
            f"VALUES ({', '.join(values)}, {band}, {scored_at})"
        )

    def _scores(self, news: list[tuple[Any, ...]], at: dict[str, int]) -> list[float | None]:
        """The score of each new row (its values by column position `at`): a
        manual score as given, else scoring.score_columns with the weights of
        the row's profile."""
        count = len(news)
        columns: dict[str, list[Any]] = {
            name: list(map(itemgetter(at[name]), news)) for name in SIGNALS if name in at
        }
        if "days_baseline" in at:
            base, as_of, today = at["days_baseline"], at["days_as_of"], self.today_iso
            columns["days"] = [
                # most rows give days since contact as of today: no decay
                p[base] if p[as_of] == today else self._effective_days(p[base], p[as_of])
                for p in news
            ]
        if not self.weights:
            self.weights = {
                name: self.config.effective_weights(weights)
                for name, weights in settings.profile_weights(
                    self.session, self.actor.client_id
                ).items()
            }
            self.weights[""] = self.config.effective_weights(None)
        groups: dict[str, list[int]] = {}
        if "scoring_profile" in at and len(self.weights) > 1:
            profile = at["scoring_profile"]
            for pos, new in enumerate(news):
                name = new[profile]
                groups.setdefault(name if name in self.weights else "", []).append(pos)
        else:
            groups[""] = list(range(count))
        scores: list[float | None] = [None] * count
        for name, positions in groups.items():
            if len(positions) == count:
                part = score_columns(columns, self.weights[name], count)
            else:
                picked = {k: [v[pos] for pos in positions] for k, v in columns.items()}
                part = score_columns(picked, self.weights[name], len(positions))
            for pos, score in zip(positions, part, strict=True):
                scores[pos] = score
        if "score" in at:
            score_at, manual_at = at["score"], at["score_manual"]
            for pos, new in enumerate(news):
                if new[manual_at] and new[score_at] is not None:
                    scores[pos] = new[score_at]
        return scores

    def _note_lines(self, first_id: int, lines: list[int]) -> None:
        """Remember the lines of rows given ids from `first_id` on."""
        if not lines:
            return
        if lines[-1] - lines[0] == len(lines) - 1:  # one line each, none skipped
            self.line_runs.append((first_id, lines[0]))
            return
        for offset, line in enumerate(lines):
            if offset == 0 or line != lines[offset - 1] + 1:
                self.line_runs.append((first_id + offset, line))

    def _line_of(self, customer_id: int) -> int:
        first_id, line = self.line_runs[bisect_right(self.line_runs, (customer_id, 1 << 62)) - 1]
        return line + customer_id - first_id

    def check_unique_names(self, max_id: int) -> None:
        """Build the unique name index dropped for the bulk write; when rows
        of the file repeat a name, reject every repeat after the first (as a
        row-by-row insert would have) and take those rows out first."""
        conn = self.conn
        index = next(ix for ix in self.dropped_indexes if ix.name == UNIQUE_NAMES)
        conn.exec_driver_sql("SAVEPOINT import_unique")
        try:
            index.create(conn)
        except IntegrityError:
            conn.exec_driver_sql("ROLLBACK TO SAVEPOINT import_unique")
        else:
            conn.exec_driver_sql("RELEASE SAVEPOINT import_unique")
            return
        conn.exec_driver_sql("RELEASE SAVEPOINT import_unique")
        rows = conn.execute(
            text(
                "SELECT id, name_key FROM customer WHERE client_id = :client_id "
                "AND id > :max_id AND name_key IN (SELECT name_key FROM customer "
                "WHERE client_id = :client_id AND id > :max_id "
                "GROUP BY name_key HAVING COUNT(*) > 1) ORDER BY name_key, id"
            ),
            {"client_id": self.actor.client_id, "max_id": max_id},
        )
        kept: set[str] = set()
        repeats: dict[int, int] = {}  # file line -> id
        for customer_id, key in rows:
            if key in kept:
                repeats[self._line_of(int(customer_id))] = int(customer_id)
            else:
                kept.add(key)
        raw = self.source.reread(repeats)
        at = self.column_index("name")
        for line in sorted(repeats):
            row = raw.get(line, [])
            value = row[at] if at is not None and at < len(row) else ""
            self.problem(line, row, "name", "another row of the file has this name", value)
        ids = list(repeats.values())
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ", ".join([self.ph] * len(part))
            conn.exec_driver_sql(f"DELETE FROM customer WHERE id IN ({marks})", tuple(part))
            conn.exec_driver_sql(f"DELETE FROM {GIVEN_TABLE} WHERE id IN ({marks})", tuple(part))
        self.removed = len(ids)
        self.summary.created -= len(ids)
        lines = set(repeats)
        self.summary.preview = [p for p in self.summary.preview if p["line"] not in lines]
        index.create(conn)

    def _effective_days(self, baseline: int | None, as_of: str | None) -> int | None:
        """scoring.effective_days of a new row's (baseline, ISO date) pair."""
        if baseline is None or as_of is None or as_of == self.today_iso:
            return baseline
        return effective_days(baseline, iso_date(as_of), self.today)

    def _mark_manual_by_name(self, keys: list[str]) -> None:
        ph = self.ph
        self.conn.exec_driver_sql(
            f"INSERT INTO {MANUAL_TABLE} (id) SELECT id FROM customer "
            f"WHERE client_id = {ph} AND name_key = {ph}",
            [(self.actor.client_id, key) for key in keys],
        )


def _literal(value: Any) -> str:
    """A value shared by every row of an INSERT, as SQL."""
    if isinstance(value, bool | int):
        return str(int(value))
    text = str(value)
    if "'" in text:
        raise ValueError(f"not written as a literal: {text!r}")
    return f"'{text}'"
