"""Polling for changes: `updated_at` moves on every change to a customer (a
bulk rescore that moves its score included), and a list of customers
changed since T (`updated_at >= T`, ties in id order) never skips a change
made in the same second as T."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from iqcadence.core.accounts import customers, rescore
from iqcadence.core.read.customer_pages import CustomerFilter, list_customers
from iqcadence.core.store import settings as cfg


def _stamp(session: Any, actor: Any, name: str) -> datetime:
    session.expire_all()
    return customers.get_customer(session, actor, name).updated_at


def test_a_bulk_rescore_that_moves_a_score_moves_updated_at(
    session: Any, actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T09:00")
    customers.apply_changes(session, actor, "Moves", {"logins": 30, "nps": 0})
    customers.apply_changes(session, actor, "Stays", {"logins": 30})
    before = _stamp(session, actor, "Moves")
    config = cfg.load_scoring_config(session, actor.client_id)
    weights = {**config.weights, "nps": 20, "growth": 0}
    cfg.save_scoring_config(session, actor, replace(config, weights=weights))
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T10:00")
    summary = rescore.rescore_all(session, actor)
    assert summary.changed == 1
    assert _stamp(session, actor, "Moves") == datetime(2026, 11, 27, 10, 0) > before
    assert _stamp(session, actor, "Stays") == datetime(2026, 11, 27, 9, 0)


def test_changed_since_includes_the_same_second_and_orders_ties_by_id(
    session: Any, actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index, (name, at) in enumerate(
        [
            ("Before", "2026-11-27T09:59:59"),
            ("Same Second A", "2026-11-27T10:00:00"),
            ("Same Second B", "2026-11-27T10:00:00"),
            ("Later", "2026-11-27T10:00:01"),
        ]
    ):
        monkeypatch.setenv("IQCADENCE_NOW", at)
        customers.apply_changes(session, actor, name, {"logins": index})
    since = CustomerFilter(updated_since=datetime(2026, 11, 27, 10, 0, 0))
    newest = list_customers(session, actor.client_id, since, sort="updated", desc=True)
    assert [r["name"] for r in newest] == ["Later", "Same Second B", "Same Second A"]
    oldest = list_customers(session, actor.client_id, since, sort="updated")
    assert [r["name"] for r in oldest] == ["Same Second A", "Same Second B", "Later"]
    by_created = list_customers(session, actor.client_id, since, sort="created", desc=True)
    assert [r["name"] for r in by_created] == ["Later", "Same Second B", "Same Second A"]


def test_changes_since_a_time_are_read_through_the_updated_at_index(
    session: Any, actor: Any
) -> None:
    """A poll asks for the few newest changes: counting them must not read
    every row of the client or of a status."""
    from sqlalchemy import text

    from iqcadence.core.read.customer_pages import filter_sql

    since = CustomerFilter(updated_since=datetime(2026, 11, 27))
    where, params = filter_sql(session, actor.client_id, since)
    plan = session.connection().execute(
        text(f"EXPLAIN QUERY PLAN SELECT COUNT(*) FROM customer WHERE {where}"), params
    )
    assert "ix_customer_updated" in str(plan.all())
