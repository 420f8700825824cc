"""Meeting prep for one customer, built from templates over the data.

The brief gathers what a CSM wants before a call: health (score, band,
7-day momentum, weakest signals, days since contact) and renewal, the last
three e-mails, the last and next meeting, the last ticket, active
playbooks, open tasks, open opportunities, contacts, and the questions to
ask. Each question comes from a rule over the data (`QUESTION_RULES`
order), with the fact that triggered it, so the brief is useful and
explainable without any language model; an optional model may later
rephrase `text` but never invents the facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from iqcadence.core.accounts import breakdown, history
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.labels import label
from iqcadence.core.base.money import DEFAULT_CURRENCY, money
from iqcadence.core.store import display, settings
from iqcadence.core.store.models import Customer

WEAK_SUBSCORE = 50.0


@dataclass(frozen=True)
class Question:
    topic: str
    question: str
    because: str

    def to_dict(self) -> dict[str, str]:
        return {"topic": self.topic, "question": self.question, "because": self.because}


def build_brief(
    session: Session, actor: Actor, customer_name: str, *, today: date | None = None
) -> dict[str, Any]:
    """The brief as a JSON-ready dict, with a plain-text rendering in `text`."""
    from iqcadence.core.accounts import (
        contacts,
        customers,
        opportunities,
        owners,
        playbooks,
        tasks,
        timeline,
    )
    from iqcadence.core.read import my_day as myday

    today = today or clock.today()
    now = clock.now()
    customer = customers.get_customer(session, actor, customer_name)
    assert customer.id is not None
    config = settings.load_scoring_config(session, actor.client_id)
    momentum = history.momentum_for(session, [{"id": customer.id, "score": customer.score}], today)
    detail = breakdown.breakdown(session, customer, config, today)
    weakest = sorted(
        (
            line
            for line in detail["signals"]
            if line["present"] and line["subscore"] is not None and line["weight"] > 0
        ),
        key=lambda line: line["subscore"],
    )[:3]
    days = customers.signals_of(customer, today)["days"]
    renewal_days = (customer.renewal_date - today).days if customer.renewal_date else None
    window = myday.renewal_window(config, renewal_days) if renewal_days is not None else None

    def events(kind: str, limit: int) -> list[dict[str, Any]]:
        found = timeline.list_events(session, actor, customer, kinds=[kind], until=now, limit=limit)
        return timeline.event_dicts(session, found)

    emails = events("email", 3)
    last_meeting = next(iter(events("meeting", 1)), None)
    upcoming = timeline.event_dicts(
        session, timeline.list_events(session, actor, customer, kinds=["meeting"], since=now)
    )
    next_meeting = upcoming[-1] if upcoming else None
    tickets = timeline.event_dicts(
        session, timeline.list_events(session, actor, customer, kinds=["ticket"])
    )
    last_ticket = tickets[0] if tickets else None  # newest first
    open_tickets = [e for e in tickets if e["status"] in ("open", "pending")]
    runs = playbooks.run_dicts(
        session, playbooks.list_runs(session, actor, customer, status="active")
    )
    open_tasks = tasks.task_dicts(
        session, tasks.list_tasks(session, actor, customer=customer, status="open", today=today)
    )
    opps = [
        opportunities.opportunity_to_dict(o, c)
        for o, c in opportunities.list_opportunities(
            session, actor, customer=customer.name, open_only=True
        )
    ]
    people = contacts.contact_rows(session, actor, customer, today=today)
    cadence = config.cadence.get(customer.tier or "", None)

    data: dict[str, Any] = {
        "customer": customer.name,
        "generated_at": now.isoformat(timespec="minutes"),
        "health": {
            "score": customer.score,
            "band": customer.band,
            "band_label": label("band", customer.band),
            "momentum": momentum.get(customer.id),
            "lifecycle": customer.lifecycle,
            "sentiment": customer.sentiment,
            "days_since_contact": days,
            "cadence_overdue_days": cadence[1] if cadence else config.quiet_after,
            "weakest_signals": [
                {"signal": line["signal"], "value": line["value"], "subscore": line["subscore"]}
                for line in weakest
            ],
        },
        "renewal": {
            "date": customer.renewal_date.isoformat() if customer.renewal_date else None,
            "days": renewal_days,
            "window": window,
            "window_label": myday.window_label(config, window),
            "mrr": customer.mrr,
            "arr": customer.arr,
        },
        "owners": [o.to_dict() for o in owners.owners_of(session, customer)],
        "manager": customer.manager,
        "contacts": people,
        "emails": emails,
        "last_meeting": last_meeting,
        "next_meeting": next_meeting,
        "last_ticket": last_ticket,
        "open_tickets": len(open_tickets),
        "active_playbooks": runs,
        "open_tasks": open_tasks,
        "open_opportunities": opps,
    }
    data["questions"] = [q.to_dict() for q in questions(customer, data)]
    from iqcadence.core.alerts.next_action import suggest

    data["next_action"] = suggest(session, customer, today=today).to_dict()
    data["text"] = render_text(data, currency=display.currency(session, actor.client_id))
    return data


# --- questions ---------------------------------------------------------------------


def _renewal(customer: Customer, data: dict[str, Any]) -> Question | None:
    renewal = data["renewal"]
    if renewal["window"] is None:
        return None
    return Question(
        "renewal",
        "Who signs the renewal, what does their decision process look like, and is anything "
        "in the way of renewing?",
        f"renewal on {renewal['date']}, {renewal['days']} days away",
    )


def _momentum(customer: Customer, data: dict[str, Any]) -> Question | None:
    momentum = data["health"]["momentum"]
    if momentum is None or momentum > -5:
        return None
    return Question(
        "health",
        "Something changed recently — what happened on their side in the last week?",
        f"the score fell {abs(momentum):.1f} points in 7 days",
    )


def _weak_signals(customer: Customer, data: dict[str, Any]) -> Question | None:
    for line in data["health"]["weakest_signals"]:
        if line["subscore"] >= WEAK_SUBSCORE:
            continue
        signal, value = line["signal"], line["value"]
        if signal == "adoption":
            return Question(
                "adoption",
                "Which parts of the product is the team not using yet, and what stops them?",
                f"adoption is {value:g}%",
            )
        if signal == "logins":
            return Question(
                "usage",
                "Who has stopped logging in, and is the product still part of their routine?",
                f"{value} logins in the last 30 days",
            )
    return None


def _tickets(customer: Customer, data: dict[str, Any]) -> Question | None:
    count = data["open_tickets"] or customer.tickets or 0
    if not count:
        return None
    last = data["last_ticket"]
    latest = f"; latest: “{last['title']}” ({last['priority']})" if last else ""
    return Question(
        "support",
        "Are the open support issues being handled to their satisfaction, and is any of them "
        "blocking their work?",
        f"{count} open ticket{'s' if count != 1 else ''}{latest}",
    )


def _nps(customer: Customer, data: dict[str, Any]) -> Question | None:
    if customer.nps is None or customer.nps >= 9:
        return None
    if customer.nps <= 6:
        return Question(
            "sentiment",
            "What would have to change for them to recommend us?",
            f"NPS answer {customer.nps} (detractor)",
        )
    return Question(
        "sentiment",
        "What would turn their NPS into a 9 or 10?",
        f"NPS answer {customer.nps} (passive)",
    )


def _sentiment(customer: Customer, data: dict[str, Any]) -> Question | None:
    if customer.sentiment != "negative":
        return None
    return Question(
        "sentiment", "What is frustrating them right now?", "sentiment is marked negative"
    )


def _quiet(customer: Customer, data: dict[str, Any]) -> Question | None:
    days = data["health"]["days_since_contact"]
    limit = data["health"]["cadence_overdue_days"]
    if days is None or days < limit:
        return None
    return Question(
        "cadence",
        "When should we talk next? Agree on a regular check-in before the call ends.",
        f"{days} days since the last contact (cadence: {limit})",
    )


def _champion(customer: Customer, data: dict[str, Any]) -> Question | None:
    if any(c["role"] == "champion" for c in data["contacts"]):
        return None
    return Question(
        "relationship",
        "Who drives the product internally and would speak up for it?",
        "no champion is recorded among the contacts",
    )


def _expansion(customer: Customer, data: dict[str, Any]) -> Question | None:
    opps = data["open_opportunities"]
    if opps:
        first = opps[0]
        return Question(
            "expansion",
            f"What is needed to move “{first['name']}” past {first['stage']}?",
            f"{len(opps)} open opportunit{'ies' if len(opps) != 1 else 'y'}",
        )
    if customer.band == "expansion" and customer.growth == "strong":
        return Question(
            "expansion",
            "Which other teams or use cases could benefit from the product?",
            "Expansion band with strong growth",
        )
    return None


def _tasks(customer: Customer, data: dict[str, Any]) -> Question | None:
    overdue = [t for t in data["open_tasks"] if t["overdue"]]
    if not overdue:
        return None
    return Question(
        "follow-up",
        f"Close the loop on “{overdue[0]['title']}” during the call.",
        f"{len(overdue)} overdue task{'s' if len(overdue) != 1 else ''}",
    )


QUESTION_RULES: tuple[Callable[[Customer, dict[str, Any]], Question | None], ...] = (
    _renewal,
    _momentum,
    _tickets,
    _weak_signals,
    _nps,
    _sentiment,
    _quiet,
    _tasks,
    _expansion,
    _champion,
)


def questions(customer: Customer, data: dict[str, Any]) -> list[Question]:
    found = [q for q in (rule(customer, data) for rule in QUESTION_RULES) if q is not None]
    found.append(
        Question(
            "goals",
            "What are their goals for the next quarter, and how will they measure success?",
            "always worth asking",
        )
    )
    return found


# --- plain text ----------------------------------------------------------------------


def render_text(data: dict[str, Any], *, currency: str = DEFAULT_CURRENCY) -> str:
    """The brief as readable plain text (CLI, TUI, e-mail, or an LLM prompt)."""
    health, renewal = data["health"], data["renewal"]
    score = "unscored" if health["score"] is None else f"{health['score']:.1f}"
    lines = [f"Brief: {data['customer']} ({data['generated_at'].replace('T', ' ')})", ""]
    momentum = health["momentum"]
    trend = ""
    if momentum == 0:
        trend = ", unchanged in 7 days"
    elif momentum is not None:
        trend = f", {momentum:+.1f} in 7 days"
    lifecycle = label("lifecycle", health["lifecycle"])
    lines.append(f"Health: {score} {health['band_label']}{trend}; lifecycle {lifecycle}.")
    if health["days_since_contact"] is not None:
        lines.append(f"Last contact: {health['days_since_contact']} days ago.")
    weak = ", ".join(
        f"{label('signal', w['signal'])} {w['value']} ({w['subscore']:.0f}/100)"
        for w in health["weakest_signals"]
    )
    if weak:
        lines.append(f"Weakest signals: {weak}.")
    if renewal["date"]:
        lines.append(
            f"Renewal: {renewal['date']} ({renewal['days']} days), "
            f"MRR {money(renewal['mrr'], currency=currency)}."
        )
    lines.append("")
    lines.append("Last e-mails:")
    lines += [f"  {e['at'][:10]}  {e['title']}" for e in data["emails"]] or ["  none"]
    meeting = data["last_meeting"]
    lines.append(
        f"Last meeting: {meeting['at'][:10]} {meeting['title']}"
        if meeting
        else "Last meeting: none"
    )
    upcoming = data["next_meeting"]
    if upcoming:
        lines.append(f"Next meeting: {upcoming['at'].replace('T', ' ')} {upcoming['title']}")
    ticket = data["last_ticket"]
    lines.append(
        f"Last ticket: {ticket['at'][:10]} {ticket['title']} "
        f"({label('ticket_status', ticket['status'])}, "
        f"{label('ticket_priority', ticket['priority'])})"
        if ticket
        else "Last ticket: none"
    )
    if data["active_playbooks"]:
        lines.append("Active playbooks:")
        lines += [
            f"  {r['playbook']} ({r['tasks_done']}/{r['tasks_total']} tasks done)"
            for r in data["active_playbooks"]
        ]
    if data["open_tasks"]:
        lines.append("Open tasks:")
        lines += [
            f"  {t['due'] or 'no date'}  {t['title']}{' (overdue)' if t['overdue'] else ''}"
            for t in data["open_tasks"]
        ]
    action = data.get("next_action")
    if action:
        lines.append("")
        lines.append(f"Suggested next action: {action['action']} ({action['reason']})")
    lines.append("")
    lines.append("Questions to ask:")
    lines += [f"  - {q['question']} ({q['because']})" for q in data["questions"]]
    return "\n".join(lines)
