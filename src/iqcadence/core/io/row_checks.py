"""Running the restore rules (`row_rules`) over a backup's decoded rows.

Every refusal is one sentence naming the table, the row (1-based within its
table, with its key) and the column, e.g.
`customer row 3 (id 17): band: 'superb' is not one of critical, ...`.
Value rules run first, then (once keys and references are known to hold)
the rules over rows and tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table

from iqcadence.core.base.errors import IQError
from iqcadence.core.io.backup import all_tables
from iqcadence.core.io.row_relations import BackupRows, Refusal, RowRule, Rows
from iqcadence.core.io.row_rules import RULES, TableRules, row_hook
from iqcadence.core.io.value_checks import plain, shown

_LONGEST = 300  # characters of a reason; a value quoted in it is cut before this
# Rules written for commands may fail on a value no command could store;
# such a failure refuses the value rather than the whole restore.
_UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, ArithmeticError)


class Refused(Exception):
    """Why a backup is refused, in one sentence (without the file's name)."""


def rules_of(table: str) -> TableRules:
    try:
        return RULES[table]
    except KeyError:
        raise RuntimeError(
            f"table {table} has no restore rules: add them to iqcadence.core.io.row_rules"
        ) from None


def _keys(tables: Sequence[Table]) -> dict[str, list[str]]:
    return {table.name: [column.name for column in table.primary_key.columns] for table in tables}


class RowLabels:
    """`customer row 3 (id 17)`: a row by its place in its table and its key."""

    def __init__(self) -> None:
        self._keys = _keys(all_tables())

    def label(self, table: str, index: int, names: Sequence[str], row: Sequence[Any]) -> str:
        keys = [key for key in self._keys.get(table, []) if key in names]
        values = ", ".join(f"{key} {shown(row[names.index(key)])}" for key in keys)
        return f"{table} row {index + 1}" + (f" ({values})" if values else "")


def about(column: str, message: str, others: Sequence[str] = ()) -> str:
    """A rule's sentence, starting with its column (`band: 'superb' is not ...`),
    or with one of `others` when the sentence already names it."""
    text = plain(message.strip().rstrip("."))
    named = re.match(r"[\w]+(?=[:.\[])", text)
    if named is None or named.group() not in (column, *others):
        text = f"{column}: {text}"
    head, sep, rest = text.partition(": ")
    text = head + sep + plain(rest)
    return text if len(text) <= _LONGEST else text[: _LONGEST - 3] + "..."


def check_values(tables: Rows) -> None:
    """Every non-null value against its column's rule; raises Refused."""
    labels = RowLabels()
    for name, (names, rows) in tables.items():
        rules = rules_of(name)
        plan = [
            (position, column, rules.checks[column])
            for position, column in enumerate(names)
            if column in rules.checks
        ]
        if not plan:
            continue
        for index, row in enumerate(rows):
            for position, column, check in plan:
                value = row[position]
                if value is None:
                    continue
                try:
                    check(column, value)
                except IQError as exc:
                    where = labels.label(name, index, names, row)
                    raise Refused(f"{where}: {about(column, exc.message)}") from None
                except _UNREADABLE as exc:
                    where = labels.label(name, index, names, row)
                    raise Refused(
                        f"{where}: {about(column, f'{shown(value)} cannot be read ({exc})')}"
                    ) from None


def _row_rules(name: str, rules: TableRules) -> list[RowRule]:
    found = list(rules.rows)
    if rules.hooked:
        hook = row_hook(name)
        found.append(RowRule(rules.hooked, lambda row, _backup: hook(row)))
    return found


def check_rows(tables: Rows) -> None:
    """The rules over a row's columns together and over other rows (after
    keys and references hold); raises Refused."""
    labels = RowLabels()
    backup = BackupRows(tables)
    for name in tables:
        rules = rules_of(name)
        row_rules = _row_rules(name, rules)
        if not row_rules:
            continue
        names, rows = tables[name]
        for index, values in enumerate(rows):
            row = dict(zip(names, values, strict=True))  # one at a time: memory stays flat
            for rule in row_rules:
                try:
                    rule.check(row, backup)
                except IQError as exc:
                    where = labels.label(name, index, names, values)
                    reason = about(rule.columns[0], exc.message, names)
                    raise Refused(f"{where}: {reason}") from None
                except _UNREADABLE as exc:
                    where = labels.label(name, index, names, values)
                    reason = f"cannot be read ({exc})"
                    raise Refused(f"{where}: {about(rule.columns[0], reason)}") from None
    for name, rules in RULES.items():
        for table_rule in rules.tables:
            try:
                table_rule(backup)
            except Refusal as refusal:
                where = name
                if refusal.index is not None:
                    names, rows = tables[name]
                    where = labels.label(name, refusal.index, names, rows[refusal.index])
                raise Refused(f"{where}: {refusal.message}") from None


def uncovered(tables: Mapping[str, Table]) -> dict[str, list[str]]:
    """Columns no rule accounts for, by table (a test keeps this empty)."""
    missing: dict[str, list[str]] = {}
    for name, table in tables.items():
        rules = RULES.get(name)
        covered = rules.covered() if rules is not None else set()
        left = [column.name for column in table.columns if column.name not in covered]
        if left:
            missing[name] = left
    return missing
