"""The next-action recommender: each rule of its table, in order."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from iqcadence.core.accounts.customers import apply_changes
from iqcadence.core.alerts.next_action import suggest

FINE = {"logins": 30, "adoption": 90, "tickets": 0, "nps": 9, "days": 1, "growth": "mild"}


def make(session: Any, actor: Any, **values: Any) -> Any:
    return apply_changes(session, actor, "Acme", {**FINE, **values}).customer


def test_renewal_rescue_comes_first_with_its_numbers(session: Any, actor: Any) -> None:
    renewal = (date(2026, 11, 27) + timedelta(days=20)).isoformat()
    customer = make(
        session, actor, logins=2, adoption=10, tickets=4, nps=3, renewal_date=renewal, mrr=900
    )
    result = suggest(session, customer)
    assert result.rule == "renewal_rescue"
    assert result.action == f"Book an exec check-in before the {renewal} renewal"
    assert "renews in 20 days" in result.reason and "4 open tickets" in result.reason
    assert result.due == renewal and result.data["tickets"] == 4
    assert {"category": "renewal", "severity": "critical"} in result.data["alerts"]


def test_ticket_escalation(session: Any, actor: Any) -> None:
    result = suggest(session, make(session, actor, tickets=6))
    assert result.rule == "ticket_escalation" and "6 open support tickets" in result.reason


def test_overdue_task_beats_softer_alerts(session: Any, actor: Any) -> None:
    from iqcadence.core.accounts import tasks

    customer = make(session, actor, days=40)
    tasks.add_task(session, actor, customer, "Send QBR deck", due="2026-11-20")
    result = suggest(session, customer)
    assert result.rule == "overdue_task"
    assert result.action == 'Finish the overdue task "Send QBR deck"'
    assert "7 days ago" in result.reason


def test_save_plan_then_quiet_then_cadence(session: Any, actor: Any) -> None:
    critical = make(session, actor, logins=0, adoption=0, tickets=2, nps=0, days=100)
    assert suggest(session, critical).rule == "save_plan"
    quiet = apply_changes(session, actor, "Quiet", {**FINE, "days": 35}).customer
    result = suggest(session, quiet)
    assert result.rule == "reconnect" and "35 days" in result.reason
    calm = apply_changes(session, actor, "Calm", FINE).customer
    result = suggest(session, calm)
    assert result.rule == "keep_cadence" and result.action.startswith("No action needed")


def test_next_task_and_expansion(session: Any, actor: Any) -> None:
    from iqcadence.core.accounts import tasks

    grow = make(session, actor, growth="strong", mrr=1000)
    assert suggest(session, grow).rule == "expansion_pitch"
    calm = apply_changes(session, actor, "Calm", FINE).customer
    tasks.add_task(session, actor, calm, "Plan training", due="2026-12-03")
    result = suggest(session, calm)
    assert result.rule == "next_task" and "due 2026-12-03" in result.reason


def test_same_data_same_answer(session: Any, actor: Any) -> None:
    customer = make(session, actor, nps=4)
    first, second = suggest(session, customer), suggest(session, customer)
    assert first == second and first.rule == "detractor_followup"


def test_brief_and_myday_carry_alerts_and_next_action(session: Any, actor: Any) -> None:
    from iqcadence.core.read import brief
    from iqcadence.core.read import my_day as myday

    make(session, actor, tickets=6, manager="admin")
    data = brief.build_brief(session, actor, "Acme")
    assert data["next_action"]["rule"] == "ticket_escalation"
    assert "Suggested next action: Hold a support escalation call" in data["text"]
    day = myday.build(session, actor, everyone=True).to_dict()
    assert [(a["customer"], a["category"], a["severity"]) for a in day["alerts"]] == [
        ("Acme", "tickets", "critical")
    ]
