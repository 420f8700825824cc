"""The suggested next action: one concrete step for a customer, with its
reason and the data behind it. Deterministic and explainable: the rules
below are tried in order and the first that applies wins.

 #  rule                applies when                                  action
--  ------------------  --------------------------------------------  ------------------------------
 1  renewal_rescue      renewal alert is critical (renewal within     Book an exec check-in before
                        the critical window, score below 50)          the DATE renewal
 2  ticket_escalation   tickets alert is critical                     Hold a support escalation call
 3  overdue_task        an open task is past its due date             Finish the overdue task
 4  score_drop          momentum alert (score fell ≥ momentum         Call the champion to find out
                        points in 7 days)                             what changed
 5  save_plan           health alert (Critical / At Risk) and no      Start a save plan (a recovery
                        playbook running                              playbook)
 6  detractor_followup  sentiment alert (negative / NPS 0–6)          Follow up on the feedback
 7  reconnect           quiet alert (past quiet-after or the tier's   Schedule a check-in call
                        overdue cadence)
 8  adoption_session    engagement alert (logins fell / adoption      Run an adoption session
                        low)
 9  renewal_prep        renewal alert (warning / upcoming)            Prepare the renewal
10  expansion_pitch     expansion alert (Expansion, strong growth)    Propose an expansion
11  next_task           an open task exists (earliest due first)      Work on the task "TITLE"
12  keep_cadence        nothing above                                 Keep the regular cadence

The reason adds, after the rule's own facts, the other firing alerts'
key numbers (momentum, open tickets), so one sentence carries the context:
"Book an exec check-in before the 2027-01-15 renewal: renews in 20 days with
a score of 38.0; score fell 18.0 points in 7 days; 4 open tickets."
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import inspect, text
from sqlmodel import Session

from iqcadence.core.alerts.derive import Alert, derive_alerts
from iqcadence.core.base import clock
from iqcadence.core.scoring.formula import effective_days
from iqcadence.core.store.models import Customer

RULES: tuple[str, ...] = (
    "renewal_rescue",
    "ticket_escalation",
    "overdue_task",
    "score_drop",
    "save_plan",
    "detractor_followup",
    "reconnect",
    "adoption_session",
    "renewal_prep",
    "expansion_pitch",
    "next_task",
    "keep_cadence",
)


@dataclass
class Suggestion:
    customer: str
    rule: str
    action: str
    reason: str
    due: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "rule": self.rule,
            "action": self.action,
            "reason": self.reason,
            "due": self.due,
            "data": self.data,
        }

    def sentence(self) -> str:
        return f"{self.action}: {self.reason}"


def _open_tasks(session: Session, customer_id: int) -> list[dict[str, Any]]:
    conn = session.connection()
    if not inspect(conn).has_table("task"):
        return []
    rows = conn.execute(
        text(
            "SELECT id, title, due FROM task WHERE customer_id = :c AND status = 'open' "
            "ORDER BY CASE WHEN due IS NULL THEN 1 ELSE 0 END, due, id"
        ),
        {"c": customer_id},
    ).all()
    out = []
    for task_id, title, due in rows:
        if isinstance(due, str):
            due = date.fromisoformat(due[:10])
        out.append({"id": task_id, "title": title, "due": due})
    return out


def _active_playbooks(session: Session, customer_id: int) -> list[str]:
    conn = session.connection()
    if not inspect(conn).has_table("playbook_run"):
        return []
    rows = conn.execute(
        text(
            "SELECT p.name FROM playbook_run r JOIN playbook p ON p.id = r.playbook_id "
            "WHERE r.customer_id = :c AND r.status = 'active' ORDER BY p.name"
        ),
        {"c": customer_id},
    ).all()
    return [str(r[0]) for r in rows]


def suggest(
    session: Session,
    customer: Customer,
    *,
    today: date | None = None,
    alerts: list[Alert] | None = None,
) -> Suggestion:
    """The one next step for a customer (see the rule table above)."""
    today = today or clock.today()
    assert customer.id is not None
    if alerts is None:
        alerts = derive_alerts(
            session,
            customer.client_id,
            today=today,
            customer_ids=[customer.id],
            include_snoozed=True,
            include_dismissed=True,
        )
    by_cat = {a.category: a for a in alerts}
    tasks = _open_tasks(session, customer.id)
    playbooks = _active_playbooks(session, customer.id)
    name = customer.name
    context: list[str] = []
    if "momentum" in by_cat:
        context.append(f"score fell {-by_cat['momentum'].data['momentum']:.1f} points in 7 days")
    if customer.tickets:
        context.append(f"{customer.tickets} open ticket{'s' if customer.tickets != 1 else ''}")
    base: dict[str, Any] = {
        "score": customer.score,
        "band": customer.band,
        "mrr": customer.mrr,
        "renewal_date": customer.renewal_date.isoformat() if customer.renewal_date else None,
        "tickets": customer.tickets,
        "days_since_contact": effective_days(customer.days_baseline, customer.days_as_of, today),
        "alerts": [{"category": a.category, "severity": a.severity} for a in alerts],
        "open_tasks": len(tasks),
        "active_playbooks": playbooks,
    }

    def make(
        rule: str, action: str, facts: str, due: date | None = None, **extra: Any
    ) -> Suggestion:
        parts = [facts] + [c for c in context if c not in facts and not facts.startswith(c)]
        return Suggestion(
            customer=name,
            rule=rule,
            action=action,
            reason="; ".join(p for p in parts if p) + ".",
            due=due.isoformat() if due else None,
            data={**base, **extra},
        )

    renewal = by_cat.get("renewal")
    if renewal is not None and renewal.severity == "critical":
        when = customer.renewal_date
        return make(
            "renewal_rescue",
            f"Book an exec check-in before the {when} renewal",
            renewal.reason.rstrip("."),
            due=when,
        )
    ticket = by_cat.get("tickets")
    if ticket is not None and ticket.severity == "critical":
        context = [c for c in context if "ticket" not in c]
        return make(
            "ticket_escalation",
            "Hold a support escalation call with the customer and support lead",
            ticket.reason.rstrip("."),
        )
    overdue = [t for t in tasks if t["due"] is not None and t["due"] < today]
    if overdue:
        task = overdue[0]
        late = (today - task["due"]).days
        return make(
            "overdue_task",
            f'Finish the overdue task "{task["title"]}"',
            f"it was due on {task['due']} ({late} day{'s' if late != 1 else ''} ago)",
            due=today,
            task_id=task["id"],
        )
    if "momentum" in by_cat:
        momentum = by_cat["momentum"]
        context = [c for c in context if "score fell" not in c]
        return make(
            "score_drop",
            "Call the champion to find out what changed",
            momentum.reason.rstrip("."),
            due=today,
        )
    health = by_cat.get("health")
    if health is not None and not playbooks:
        return make(
            "save_plan",
            "Start a save plan (a recovery playbook) and agree on it with the customer",
            health.reason.rstrip(".").replace(f"{name} is", "the account is"),
        )
    for category, rule, action in (
        ("sentiment", "detractor_followup", "Follow up on the customer's feedback in a call"),
        ("quiet", "reconnect", "Schedule a check-in call"),
        ("engagement", "adoption_session", "Run an adoption session with the main users"),
        ("renewal", "renewal_prep", "Prepare the renewal: confirm the decision maker and terms"),
        ("expansion", "expansion_pitch", "Propose an expansion"),
    ):
        found = by_cat.get(category)
        if found is not None:
            return make(rule, action, found.reason.rstrip("."))
    if tasks:
        task = tasks[0]
        due_text = f"due {task['due']}" if task["due"] else "no due date"
        return make(
            "next_task",
            f'Work on the task "{task["title"]}"',
            f"the next open task ({due_text})",
            due=task["due"],
            task_id=task["id"],
        )
    days = base["days_since_contact"]
    facts = "no alerts" + (f"; last contact {days} days ago" if days is not None else "")
    return make("keep_cadence", "No action needed: keep the regular cadence", facts)
