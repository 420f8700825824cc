"""Restore's rules cover every table: a table or column added later without a
rule fails here (and its restore fails loudly) instead of going unchecked."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlmodel import SQLModel

from iqcadence.core.io import row_checks, row_rules
from iqcadence.core.io.backup import all_tables


def test_every_column_of_every_table_has_a_rule_or_a_reason() -> None:
    all_tables()  # registers every model
    assert row_checks.uncovered(dict(SQLModel.metadata.tables)) == {}


def test_the_rules_name_only_columns_their_tables_have() -> None:
    tables = {table.name: table for table in all_tables()}
    for name, rules in row_rules.RULES.items():
        if name in tables:
            assert rules.covered() <= set(tables[name].columns.keys()), name
        free = set(rules.free) | set(rules.typed)
        assert not free & set(rules.checks), f"{name}: a column is both checked and free"


def test_a_table_or_column_without_a_rule_is_found() -> None:
    spaceship = Table(
        "spaceship", MetaData(), Column("id", Integer, primary_key=True), Column("warp", String)
    )
    grown = Table(
        "client",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String),
        Column("created_at", String),
        Column("logo", String),
    )
    assert row_checks.uncovered({"spaceship": spaceship, "client": grown}) == {
        "spaceship": ["id", "warp"],
        "client": ["logo"],
    }


def test_rows_of_a_table_without_rules_are_not_restored_unchecked() -> None:
    with pytest.raises(RuntimeError, match="table spaceship has no restore rules"):
        row_checks.check_values({"spaceship": (["id"], [(1,)])})


def test_a_rule_from_above_io_must_be_registered(monkeypatch: Any) -> None:
    """Report schedules are checked by `reports`, registered by the wiring;
    without it the restore stops instead of skipping them."""
    monkeypatch.setattr(row_rules, "_HOOKS", {})
    columns = ["id", "client_id", "report_type", "every", "recipients", "format", "filters"]
    row = (1, 1, "portfolio", "daily@08:00", ["a@example.com"], "pdf", {})
    with pytest.raises(RuntimeError, match="wiring.install"):
        row_checks.check_rows({"report_schedule": (columns, [row])})


@pytest.mark.parametrize(
    ("message", "sentence"),
    [
        ("band: 'superb' is not one of a, b.", "band: 'superb' is not one of a, b"),
        ("must be at least 0, got -3.", "band: must be at least 0, got -3"),
        ("--every: 'x' is not daily@HH:MM.", "band: 'x' is not daily@HH:MM"),
        ("x" * 1000, "band: " + "x" * 291 + "..."),
    ],
)
def test_a_reason_starts_with_its_column_and_stays_short(message: str, sentence: str) -> None:
    assert row_checks.about("band", message) == sentence
