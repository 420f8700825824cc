"""Brief: meeting prep from the data, with questions and their reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iqcadence.core.accounts import contacts, customers, opportunities, playbooks, tasks, timeline
from iqcadence.core.base.actor import Actor
from iqcadence.core.read import brief

EXAMPLES = Path(__file__).parents[2] / "examples" / "playbooks"


def _account(session: Any, actor: Actor) -> None:
    customers.apply_changes(
        session,
        actor,
        "Acme",
        {
            "logins": 4,
            "adoption": 15,
            "nps": 5,
            "tier": "mid",
            "renewal_date": "2026-12-20",
            "mrr": 1000,
            "days": 40,
        },
    )
    contacts.add_contact(session, actor, "Acme", "Jane Doe", email="jane@acme.com", role="billing")
    for day, subject in (("20", "Pricing"), ("22", "Follow-up"), ("24", "Agenda"), ("10", "Old")):
        timeline.log_event(
            session, actor, "Acme", kind="email", title=subject, at=f"2026-11-{day}T10:00"
        )
    timeline.log_event(session, actor, "Acme", kind="meeting", title="Kickoff", at="2026-11-02")
    timeline.log_event(session, actor, "Acme", kind="meeting", title="QBR", at="2026-12-05T15:00")
    timeline.log_event(
        session, actor, "Acme", kind="ticket", title="SSO broken", status="open", priority="high"
    )
    tasks.add_task(session, actor, "Acme", "Send usage report", due="2026-11-20")
    opportunities.add_opportunity(session, actor, "Acme", "Add analytics", amount=400)
    playbooks.add_playbook_file(session, actor, EXAMPLES / "rescue-at-risk.toml")
    book = playbooks.list_playbooks(session, actor)[0]
    playbooks.start_playbook(session, actor, book.name, "Acme")


def test_brief_gathers_the_account(session: Any, actor: Actor) -> None:
    _account(session, actor)
    data = brief.build_brief(session, actor, "acme")
    assert data["customer"] == "Acme"
    assert [e["title"] for e in data["emails"]] == ["Agenda", "Follow-up", "Pricing"]
    assert data["last_meeting"]["title"] == "Kickoff"
    assert data["next_meeting"]["title"] == "QBR"
    assert data["last_ticket"]["title"] == "SSO broken" and data["open_tickets"] == 1
    assert data["renewal"] == {
        "date": "2026-12-20",
        "days": 23,
        "window": "critical",
        "window_label": "≤ 30 d",
        "mrr": 1000.0,
        "arr": 12000.0,
    }
    assert len(data["active_playbooks"]) == 1
    assert "Send usage report" in [t["title"] for t in data["open_tasks"]]
    assert [w["signal"] for w in data["health"]["weakest_signals"]] == ["nps", "logins", "adoption"]


def test_questions_follow_the_data(session: Any, actor: Actor) -> None:
    _account(session, actor)
    data = brief.build_brief(session, actor, "Acme")
    topics = [q["topic"] for q in data["questions"]]
    assert topics == [
        "renewal",
        "support",
        "usage",
        "sentiment",
        "follow-up",
        "expansion",
        "relationship",
        "goals",
    ]
    by_topic = {q["topic"]: q for q in data["questions"]}
    assert by_topic["renewal"]["because"] == "renewal on 2026-12-20, 23 days away"
    assert by_topic["support"]["because"] == "1 open ticket; latest: “SSO broken” (high)"
    assert "Questions to ask:" in data["text"] and "SSO broken" in data["text"]


def test_a_quiet_healthy_account_gets_few_questions(session: Any, actor: Actor) -> None:
    customers.apply_changes(
        session, actor, "Calm", {"logins": 30, "adoption": 90, "nps": 10, "tier": "smb", "days": 50}
    )
    contacts.add_contact(session, actor, "Calm", "Sam", role="champion")
    data = brief.build_brief(session, actor, "Calm")
    assert [q["topic"] for q in data["questions"]] == ["cadence", "goals"]
    assert data["emails"] == [] and data["last_meeting"] is None and data["last_ticket"] is None
    assert "Last meeting: none" in data["text"]
