"""Inserting new customers: with `executemany`, or, into a client without
customers (SQLite), numbered in file order and already scored, banded and
staged; and, after a bulk write without the unique name index, finding the
rows of the file that repeat a name."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from iqcadence.core.accounts.customers import name_key
from iqcadence.core.io.imports.customer_plan import (
    GIVEN_TABLE,
    MANUAL_TABLE,
    UNIQUE_NAMES,
    Chunk,
    iso_date,
)
from iqcadence.core.io.imports.customer_state import ImporterState
from iqcadence.core.scoring.formula import SIGNALS, effective_days, score_columns
from iqcadence.core.store import dialect, settings


class Inserter(ImporterState):
    """Writes the rows that create customers."""

    def insert(self, rows: list[tuple[int, list[str], tuple[Any, ...], bool]]) -> None:
        """Insert new customers with `executemany` (into a client that has
        customers, or on PostgreSQL)."""
        if not rows:
            return
        extra = self._shared_values()
        names = list(self.plan.columns) + [name for name, _ in extra]
        tail = tuple(value for _, value in extra)
        sql = (
            f"INSERT INTO customer ({', '.join(names)}) "
            f"VALUES ({', '.join([self.ph] * len(names))})"
        )
        params = [self.driver_params(new) + tail for _l, _r, new, _m in rows]
        ok = self.execute_many(sql, params, rows, "name", "another row of the file has this name")
        self.summary.created += sum(ok)
        manual_names = [
            name_key(new[0]) for (_l, _r, new, m), good in zip(rows, ok, strict=True) if m and good
        ]
        if manual_names:
            self._mark_manual_by_name(manual_names)

    def _shared_values(self) -> list[tuple[str, Any]]:
        """The stored values every new customer starts with, besides the plan's."""
        columns = self.plan.columns
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
        return extra

    def insert_scored(self, chunk: Chunk, columns: list[list[Any]], manual: list[bool]) -> None:
        """Insert the rows of `chunk` (the plan's `columns`, column by column)
        as new customers numbered from `next_id`, with the score, band and
        lifecycle a rescore would give them (SQLite; the client had no
        customers). Scores are worked out column by column in Python, which
        is cheaper than the formula in SQL per row; the lifecycle follows the
        band in the INSERT, and the values every row shares are written into
        the statement, so each row binds only its own. Records each one's
        given lifecycle for the rescore bookkeeping."""
        count = len(chunk.lines)
        if not count:
            return
        at = {name: pos for pos, name in enumerate(self.plan.columns)}
        if not self.fresh_sql:
            self.fresh_sql = self._scored_sql(self._shared_values())
        scores = self._scores(columns, at, count)
        bands = list(map(self.band_of.__getitem__, scores))
        start = self.next_id
        params = list(zip(range(start, start + count), *columns, scores, bands, strict=True))
        ok = self.execute_many(
            self.fresh_sql,
            params,
            list(zip(chunk.lines, chunk.rows, strict=True)),
            "name",
            "another row of the file has this name",
            True,
        )
        given = columns[at["lifecycle"]] if "lifecycle" in at else ["active"] * count
        lines, flags = chunk.lines, manual
        if not all(ok):  # the rows that wrote are numbered in order, without gaps
            given = [value for value, good in zip(given, ok, strict=True) if good]
            lines = [line for line, good in zip(lines, ok, strict=True) if good]
            flags = [flag for flag, good in zip(flags, ok, strict=True) if good]
        self._note_lines(start, lines)
        self.next_id = start + len(given)
        self.summary.created += len(given)
        dialect.insert_numbered(self.conn, GIVEN_TABLE, "lifecycle", start, given)
        manual_ids = [(start + pos,) for pos, flag in enumerate(flags) if flag]
        if manual_ids:
            self.conn.exec_driver_sql(f"INSERT INTO {MANUAL_TABLE} (id) VALUES (?)", manual_ids)

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

    def _scores(
        self, columns: list[list[Any]], at: dict[str, int], count: int
    ) -> list[float | None]:
        """The score of each new row (the plan's `columns`, by position `at`):
        a manual score as given, else scoring.score_columns with the weights
        of the row's profile."""
        signals: dict[str, list[Any]] = {name: columns[at[name]] for name in SIGNALS if name in at}
        if "days_baseline" in at:
            today = self.today_iso
            signals["days"] = [
                # most rows give days since contact as of today: no decay
                base if as_of == today else self._effective_days(base, as_of)
                for base, as_of in zip(
                    columns[at["days_baseline"]], columns[at["days_as_of"]], strict=True
                )
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
            for pos, name in enumerate(columns[at["scoring_profile"]]):
                groups.setdefault(name if name in self.weights else "", []).append(pos)
        else:
            groups[""] = list(range(count))
        scores: list[float | None] = [None] * count
        for name, positions in groups.items():
            if len(positions) == count:
                scores = score_columns(signals, self.weights[name], count)
                continue
            picked = {k: [v[pos] for pos in positions] for k, v in signals.items()}
            part = score_columns(picked, self.weights[name], len(positions))
            for pos, score in zip(positions, part, strict=True):
                scores[pos] = score
        if "score" in at:
            given = zip(columns[at["score_manual"]], columns[at["score"]], strict=True)
            for pos, (flag, score) in enumerate(given):
                if flag and score is not None:
                    scores[pos] = score
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
