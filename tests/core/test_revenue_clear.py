"""Clearing revenue: a blank MRR or ARR clears both (they move together),
as clearing any other field does."""

from __future__ import annotations

from typing import Any

from iqcadence.core.accounts import customers


def test_a_blank_mrr_or_arr_clears_both(session: Any, actor: Any) -> None:
    customers.apply_changes(session, actor, "Paying", {"mrr": 100, "logins": 3})
    cleared = customers.apply_changes(session, actor, "Paying", {"mrr": ""}).customer
    assert (cleared.mrr, cleared.arr) == (None, None)
    customers.apply_changes(session, actor, "Paying", {"arr": 1200})
    cleared = customers.apply_changes(session, actor, "Paying", {"arr": None}).customer
    assert (cleared.mrr, cleared.arr) == (None, None)
    kept = customers.apply_changes(session, actor, "Paying", {"arr": 2400, "logins": 4}).customer
    assert (kept.mrr, kept.arr) == (200.0, 2400)
    untouched = customers.apply_changes(session, actor, "Paying", {"logins": 5}).customer
    assert (untouched.mrr, untouched.arr) == (200.0, 2400)
